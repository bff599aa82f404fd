#!/usr/bin/env bash
# Install Prism (the OpenAPI mock server the X contract tests run) into .test-servers/prism/.
# Idempotent: does nothing when the pinned version is already there. Needs Node >= 18.20 and npm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dest="$root/.test-servers/prism"
want="$(node -p "require('$here/package.json').dependencies['@stoplight/prism-cli']" 2>/dev/null || true)"

installed() {
  [ -x "$dest/node_modules/.bin/prism" ] || return 1
  have="$(node -p "require('$dest/node_modules/@stoplight/prism-cli/package.json').version" 2>/dev/null || true)"
  [ -n "$want" ] && [ "$have" = "$want" ]
}

if installed; then
  echo "prism: $want already installed in $dest"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "prism: node and npm are needed (Node >= 18.20); install them first" >&2
  exit 1
fi

mkdir -p "$dest"
cp "$here/package.json" "$dest/package.json"
if [ -f "$here/package-lock.json" ]; then
  cp "$here/package-lock.json" "$dest/package-lock.json"
  (cd "$dest" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
else
  (cd "$dest" && npm install --omit=dev --no-audit --no-fund --loglevel=error)
fi
installed || { echo "prism: install finished but $dest/node_modules/.bin/prism is not $want" >&2; exit 1; }
echo "prism: installed $want in $dest"
