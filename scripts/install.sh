#!/usr/bin/env bash
# make install / make uninstall: put the `socialpost` command on your PATH from this clone, in an
# environment of its own, with pipx or uv (whichever is present; pipx first).
#
#   scripts/install.sh install [EXTRAS]     EXTRAS: e.g. postgres,s3 (optional dependencies)
#   scripts/install.sh uninstall
#
# SOCIALPOST_INSTALLER=pipx|uv picks one when both are present. The distribution is socialpost-cli;
# the command is socialpost.
set -euo pipefail
cd "$(dirname "$0")/.."
action="${1:-install}"
extras="${2:-}"
source_dir="$(pwd)"
spec="$source_dir"
if [ -n "$extras" ]; then
  spec="$source_dir[$extras]"
fi

installer="${SOCIALPOST_INSTALLER:-}"
if [ -z "$installer" ]; then
  if command -v pipx >/dev/null 2>&1; then
    installer=pipx
  elif command -v uv >/dev/null 2>&1; then
    installer=uv
  fi
fi

if [ -z "$installer" ]; then
  cat >&2 <<'MSG'
error: neither pipx nor uv is installed; one of them puts socialpost on your PATH in an environment
of its own. Install one, then run `make install` again:
  pipx: python3 -m pip install --user pipx && python3 -m pipx ensurepath
        (Debian/Ubuntu: sudo apt install pipx; macOS: brew install pipx)
  uv:   see https://docs.astral.sh/uv/getting-started/installation/ (macOS: brew install uv)
Or, without either: python3 -m venv ~/.socialpost && ~/.socialpost/bin/pip install . and run
~/.socialpost/bin/socialpost (add ~/.socialpost/bin to your PATH).
MSG
  exit 1
fi

case "$installer:$action" in
  pipx:install)
    pipx install --force "$spec"
    bin_dir="${PIPX_BIN_DIR:-$HOME/.local/bin}"
    path_hint="pipx ensurepath"
    ;;
  uv:install)
    uv tool install --force --reinstall "$spec"
    bin_dir="$(uv tool dir --bin 2>/dev/null || echo "$HOME/.local/bin")"
    path_hint="uv tool update-shell"
    ;;
  pipx:uninstall)
    pipx uninstall socialpost-cli
    exit 0
    ;;
  uv:uninstall)
    uv tool uninstall socialpost-cli
    exit 0
    ;;
  *)
    echo "error: unknown installer '$installer' or action '$action' (pipx|uv; install|uninstall)." >&2
    exit 2
    ;;
esac

echo
echo "socialpost is installed in $bin_dir (with $installer)."
case ":$PATH:" in
  *":$bin_dir:"*) echo "Check it: socialpost --version" ;;
  *) echo "$bin_dir is not on your PATH yet: run '$path_hint', open a new terminal, then: socialpost --version" ;;
esac
