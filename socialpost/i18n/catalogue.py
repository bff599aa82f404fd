"""Building and checking the catalogues (used by ``scripts/i18n.py`` and the tests, never at run time).

Messages come from three places:

* ``_()``, ``N_()`` and ``ngettext()`` calls in socialpost's code (Babel's Python extractor);
* the help of every command and option, read from the click command tree itself, so that a
  docstring needs no marker (``socialpost.cli.translated`` looks the same text up when it is shown);
* click's own messages ("Usage:", "Missing argument …"), read from click's installed source.
"""

from __future__ import annotations

import inspect
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from socialpost.i18n import DOMAIN, LOCALE_DIR

PACKAGE_DIR = Path(__file__).resolve().parent.parent
POT_FILE = LOCALE_DIR / f"{DOMAIN}.pot"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
_COMMENT_TAGS = ["Translators:"]


def po_file(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_file(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


def extract(*, strict: bool = True) -> Catalog:
    """Every message a user can read, as a template catalogue."""
    catalog = Catalog(project="socialpost", domain=DOMAIN, charset="utf-8")
    for directory, prefix in ((PACKAGE_DIR, "socialpost"), (Path(click.__file__).parent, "click")):
        method_map = [("**.py", "python")]
        for filename, lineno, message, comments, context in extract_from_dir(
            directory, method_map, keywords=KEYWORDS, comment_tags=_COMMENT_TAGS, strip_comment_tags=True
        ):
            if prefix == "click" and filename.startswith("_winconsole"):
                continue
            catalog.add(message, None, [(f"{prefix}/{filename}", lineno)], auto_comments=comments, context=context)
    for where, text in help_texts(strict=strict):
        catalog.add(text, None, [(where, 0)], auto_comments=["click help"])
    return catalog


def help_texts(*, strict: bool = True) -> Iterator[tuple[str, str]]:
    """(where, text) for the help of every command, group and option of ``socialpost``."""
    from socialpost.cli import cli

    def walk(command: click.Command, path: str) -> Iterator[tuple[str, str]]:
        for attr in ("help", "short_help", "epilog"):
            text = getattr(command, attr, None)
            if text:
                yield f"socialpost {path}".strip(), help_msgid(text)
        for param in command.params:
            text = getattr(param, "help", None)
            if text:
                yield f"socialpost {path} {param.opts[0]}".replace("  ", " "), help_msgid(text)
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                try:
                    sub = command.get_command(ctx, name)
                except Exception as exc:  # a module being edited: the check (strict) reports it
                    if strict:
                        raise
                    import warnings

                    warnings.warn(f"socialpost {path} {name}: cannot import ({exc}); help left out", stacklevel=1)
                    continue
                if sub is not None:
                    yield from walk(sub, f"{path} {name}".strip())

    yield from walk(cli, "")


def help_msgid(text: str) -> str:
    """The catalogue key of a help text: as click shows it (dedented), before the form feed."""
    return inspect.cleandoc(text).partition("\f")[0]


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, domain=DOMAIN)


def write_catalog(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=False, include_previous=False)


def compile_catalog(catalog: Catalog, path: Path) -> None:
    with path.open("wb") as handle:
        write_mo(handle, catalog, use_fuzzy=False)


def fill(catalog: Catalog, sources: list[Catalog], *, overwrite: bool = False) -> int:
    """Copy translations from ``sources`` into ``catalog``'s empty entries (every entry they
    translate differently, with ``overwrite``); returns how many changed."""
    filled = 0
    for source in sources:
        for message in source:
            if not message.id or not message.string:
                continue
            target = catalog.get(message.id, message.context)
            if target is None or (_translated(target) and not overwrite) or target.string == message.string:
                continue
            if isinstance(target.id, tuple | list) != isinstance(message.id, tuple | list):
                continue  # a plural entry is never filled from a singular one, nor the reverse
            target.string = message.string
            target.flags.discard("fuzzy")
            filled += 1
    return filled


def _translated(message: Message) -> bool:
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


def update(language: str, fragments: list[Path], *, overwrite: bool = False) -> tuple[Catalog, int]:
    """Extract, merge into the language's catalogue (keeping translations), fill from fragments, compile."""
    template = extract(strict=False)
    template.fuzzy = False
    POT_FILE.parent.mkdir(parents=True, exist_ok=True)
    write_catalog(template, POT_FILE)
    path = po_file(language)
    if path.exists():
        catalog = read_catalog(path)
    else:
        catalog = Catalog(locale=language, project="socialpost", domain=DOMAIN, charset="utf-8")
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    catalog.fuzzy = False
    filled = fill(catalog, [read_catalog(fragment) for fragment in fragments], overwrite=overwrite)
    write_catalog(catalog, path)
    compile_catalog(catalog, mo_file(language))
    return catalog, filled


def problems(language: str) -> list[str]:
    """What is wrong with a language's catalogue, compared with the code as it is now.

    A message with no translation, a translation whose ``{placeholders}`` differ from the
    original's (``str.format`` would fail or lose a value), a stale compiled ``.mo``.
    """
    found: list[str] = []
    template = extract()
    path = po_file(language)
    if not path.exists():
        return [f"{path}: missing; run: python scripts/i18n.py update"]
    catalog = read_catalog(path)
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id, message.context)
        where = ", ".join(f"{file}:{line}" for file, line in message.locations[:2])
        label = message.id[0] if isinstance(message.id, tuple) else message.id
        if translated is None or not _translated(translated) or "fuzzy" in translated.flags:
            found.append(f"not translated ({where}): {label!r}")
            continue
        for original, text in _pairs(translated):
            if placeholders(original) != placeholders(text):
                found.append(
                    f"placeholders differ ({where}): {label!r} has {sorted(placeholders(original))}, "
                    f"the translation {sorted(placeholders(text))}"
                )
    mo = mo_file(language)
    if not mo.exists() or _messages(read_mo_bytes(mo.read_bytes())) != _messages(read_mo_bytes(_compiled(catalog))):
        found.append(f"{mo}: out of date; run: python scripts/i18n.py update")
    return found


def _pairs(message: Message) -> list[tuple[str, str]]:
    if isinstance(message.id, tuple | list):
        singular, plural = message.id
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        return [(singular if index == 0 else plural, str(text)) for index, text in enumerate(strings)]
    return [(message.id, str(message.string))]


def placeholders(text: str) -> set[str]:
    """The names of the ``str.format`` fields in ``text`` (empty for text with no fields)."""
    if "{" not in text and "}" not in text:
        return set()
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}


def read_mo_bytes(data: bytes) -> Catalog:
    import io

    return read_mo(io.BytesIO(data))


def _messages(catalog: Catalog) -> dict[Any, Any]:
    """What a compiled catalogue translates (not its header, which names the Babel that wrote it)."""

    def frozen(value: Any) -> Any:
        return tuple(value) if isinstance(value, list | tuple) else value

    return {frozen(message.id): frozen(message.string) for message in catalog if message.id}


def _compiled(catalog: Catalog) -> bytes:
    import io

    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def catalogue_entries(language: str) -> dict[Any, Any]:
    """msgid → msgstr of a language's catalogue (for tests)."""
    return {message.id: message.string for message in read_catalog(po_file(language)) if message.id}
