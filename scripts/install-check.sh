#!/usr/bin/env bash
# The README's install, checked as a new user would do it (make install-check; .ci/run runs it):
#   1. clone this repository's HEAD into a scratch folder (what is committed, nothing else);
#   2. `make install` there with pipx (pipx itself installed from PyPI into a scratch venv when it is
#      missing), pipx's home and bin folder in the scratch folder: your own pipx is not touched;
#   3. from a folder outside the clone: `socialpost --version` (it must run from pipx's environment,
#      not the clone) and `socialpost validate` on the example campaign;
#   4. `make uninstall`: the command is gone;
#   5. the same with a wheel built from the clone (what `make dist` builds), installed with pipx.
# Uses PyPI (pip's wheel cache makes a second run fast). Leaves nothing behind.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/socialpost-install-check.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'install-check FAILED: %s\n' "$*" >&2; exit 1; }

step "fresh clone of $repo (HEAD)"
git clone --quiet "$repo" "$scratch/clone"
git -C "$scratch/clone" log -1 --format='%h %s'

if ! command -v pipx >/dev/null 2>&1; then
  step "pipx is not installed: installing it from PyPI into a scratch venv"
  "$python" -m venv "$scratch/pipx-venv"
  "$scratch/pipx-venv/bin/python" -m pip install --quiet pipx
  export PATH="$scratch/pipx-venv/bin:$PATH"
fi
export PIPX_HOME="$scratch/pipx" PIPX_BIN_DIR="$scratch/bin" PIPX_MAN_DIR="$scratch/man"
export PIPX_DEFAULT_PYTHON="${PIPX_DEFAULT_PYTHON:-$(command -v "$python")}"
export SOCIALPOST_INSTALLER=pipx
# socialpost's own files (config, queue) in the scratch folder too
export XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data" XDG_STATE_HOME="$scratch/state"
unset SOCIALPOST_CONFIG SOCIALPOST_DATA_DIR SOCIALPOST_DATABASE_URL VIRTUAL_ENV
mkdir -p "$scratch/elsewhere"

check_installed() {
  local how="$1"
  [ -x "$PIPX_BIN_DIR/socialpost" ] || fail "$how: no socialpost in $PIPX_BIN_DIR"
  (
    cd "$scratch/elsewhere"
    export PATH="$PIPX_BIN_DIR:$PATH"
    [ "$(command -v socialpost)" = "$PIPX_BIN_DIR/socialpost" ] || fail "$how: socialpost on PATH is $(command -v socialpost)"
    version="$(socialpost --version)"
    printf '%s\n' "$version"
    case "$version" in
      *"package: $PIPX_HOME/"*) ;;
      *) fail "$how: --version does not run from pipx's environment under $PIPX_HOME" ;;
    esac
    case "$version" in
      *"$scratch/clone/socialpost"*) fail "$how: the installed command imports the clone's sources" ;;
    esac
    socialpost validate "$scratch/clone/campaigns/coffee-shop-launch.yaml"
  )
}

step "make install (pipx) from the clone"
make -C "$scratch/clone" --no-print-directory install
check_installed "make install"

step "make uninstall"
make -C "$scratch/clone" --no-print-directory uninstall
[ ! -e "$PIPX_BIN_DIR/socialpost" ] || fail "make uninstall left $PIPX_BIN_DIR/socialpost"

step "a wheel built from the clone, installed with pipx"
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$scratch/dist" "$scratch/clone"
wheel="$(ls "$scratch"/dist/socialpost_cli-*.whl)"
echo "$wheel"
pipx install "$wheel"
check_installed "pipx install the wheel"
pipx uninstall socialpost-cli
[ ! -e "$PIPX_BIN_DIR/socialpost" ] || fail "pipx uninstall left $PIPX_BIN_DIR/socialpost"

step "install-check passed"
