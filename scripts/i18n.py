"""Maintain the translation catalogues.

    python scripts/i18n.py update [--fill FRAGMENT.po ... [--overwrite]]
                                                    extract, merge into fr.po (filling from FRAGMENTs), compile fr.mo
    python scripts/i18n.py check                              list what is untranslated or stale

See docs/translating.md.
"""

from __future__ import annotations

import argparse
import fcntl
import sys
from pathlib import Path

from socialpost.i18n import LANGUAGES, LOCALE_DIR
from socialpost.i18n.catalogue import problems, update


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("update")
    up.add_argument("--fill", nargs="*", type=Path, default=[], help="PO files whose translations fill empty entries")
    up.add_argument("--overwrite", action="store_true", help="the --fill files also replace existing translations")
    sub.add_parser("check")
    args = parser.parse_args()
    languages = [lang for lang in LANGUAGES if lang != "en"]
    LOCALE_DIR.mkdir(parents=True, exist_ok=True)
    with (LOCALE_DIR / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # helpers running it at once take turns
        if args.command == "update":
            for language in languages:
                catalog, filled = update(language, args.fill, overwrite=args.overwrite)
                missing = sum(1 for m in catalog if m.id and not m.string)
                print(f"{language}: {len(catalog)} messages, {filled} filled, {missing} untranslated")
            return 0
        failures = 0
        for language in languages:
            for problem in problems(language):
                print(f"{language}: {problem}")
                failures += 1
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
