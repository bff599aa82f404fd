#!/usr/bin/env bash
# Install ajv (draft 2020-12, the validator inside VS Code's YAML extension) into .test-servers/ajv/
# for the campaign-schema tests. Idempotent. Needs Node >= 18 and npm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dest="$root/.test-servers/ajv"
want="$(node -p "require('$here/package.json').dependencies.ajv" 2>/dev/null || true)"

installed() {
  have="$(node -p "require('$dest/node_modules/ajv/package.json').version" 2>/dev/null || true)"
  [ -n "$want" ] && [ "$have" = "$want" ] && [ -f "$dest/node_modules/ajv-formats/package.json" ]
}

if installed; then
  cp "$here/validate.js" "$dest/validate.js"
  echo "ajv: $want already installed in $dest"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "ajv: node and npm are needed; install them first" >&2
  exit 1
fi
mkdir -p "$dest"
cp "$here/package.json" "$dest/package.json"
cp "$here/validate.js" "$dest/validate.js"
if [ -f "$here/package-lock.json" ]; then
  cp "$here/package-lock.json" "$dest/package-lock.json"
  (cd "$dest" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
else
  (cd "$dest" && npm install --omit=dev --no-audit --no-fund --loglevel=error)
  cp "$dest/package-lock.json" "$here/package-lock.json"
fi
installed || { echo "ajv: install finished but $dest does not hold ajv $want" >&2; exit 1; }
echo "ajv: installed $want in $dest"
