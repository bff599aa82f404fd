#!/usr/bin/env bash
# Install a real local Bluesky network (@atproto/dev-env: PLC + PDS + AppView) for the tests into
# .test-servers/bluesky/ (git-ignored). Idempotent: does nothing when the pinned version is there.
# Needs Node >= 18.7 with npm, and a C++ toolchain for better-sqlite3 (build-essential, python3).
# Running the network also needs PostgreSQL and Redis on 127.0.0.1 (see docs/networks/bluesky.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dest="${SOCIALPOST_BLUESKY_DEVENV_DIR:-$root/.test-servers/bluesky}"
stamp="$dest/.installed"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "bluesky-devenv: node and npm are needed (Debian: apt-get install -y nodejs npm)" >&2
  exit 1
fi

major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 18 ]; then
  echo "bluesky-devenv: Node >= 18.7 is needed, this is $(node --version)" >&2
  exit 1
fi

mkdir -p "$dest"
want="$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1) node$major"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
   && [ -d "$dest/node_modules/@atproto/dev-env" ]; then
  echo "bluesky-devenv: already installed in $dest"
else
  echo "bluesky-devenv: installing @atproto/dev-env into $dest (about 1.5 minutes)"
  rm -f "$stamp"
  cp "$here/package.json" "$here/package-lock.json" "$dest/"
  # npm ci installs exactly the tree in package-lock.json (every transitive version pinned).
  (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi
# The scripts are small and may change without the pinned packages changing: always refresh them.
cp "$here/loopback.js" "$here/fullnet.js" "$dest/"
node -e "require.resolve('@atproto/dev-env', { paths: ['$dest'] })" \
  && echo "bluesky-devenv: ready ($dest)"
