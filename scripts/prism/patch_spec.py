"""Write the copy of X's OpenAPI spec that Prism can check OAuth 1.0a requests against.

X declares its OAuth 1.0a scheme (``UserToken``) as ``http`` with scheme ``OAuth``, which Prism
cannot verify: it answers 401 "Invalid security scheme used" to every OAuth1-signed request. The
patched copy declares it as an API key in the ``Authorization`` header instead, so Prism checks
that the header is there and validates the rest of the request against X's schemas.

    python scripts/prism/patch_spec.py [SPEC] [OUT]

SPEC defaults to tests/data/specs/x-api-v2.openapi.json (kept in the repository), OUT to
.test-servers/x-api-v2.patched.json. Prints OUT. Rewrites OUT only when its content changes, and
then atomically (several test runs may start Prism at once).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC = ROOT / "tests" / "data" / "specs" / "x-api-v2.openapi.json"
DEFAULT_OUT = ROOT / ".test-servers" / "x-api-v2.patched.json"
USER_TOKEN = {"type": "apiKey", "in": "header", "name": "Authorization"}


def patch(spec: dict) -> dict:  # type: ignore[type-arg]
    schemes = spec.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["UserToken"] = dict(USER_TOKEN)
    return spec


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SPEC
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    try:
        spec = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        print(f"patch_spec: {source} not found", file=sys.stderr)
        return 1
    text = json.dumps(patch(spec), ensure_ascii=False)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not out.exists() or out.read_text(encoding="utf-8") != text:
        write_atomically(out, text)
    print(out)
    return 0


def write_atomically(out: Path, text: str) -> None:
    """Replace ``out`` in one step, through a temporary file of this process's own: two test runs at
    once may both write it, and Prism must never read half a spec."""
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o644)  # as a plain write would make it (mkstemp makes 0600)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    sys.exit(main(sys.argv))
