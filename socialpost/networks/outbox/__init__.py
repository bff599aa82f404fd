"""The embedded default network: posts become files in a local folder and entries in an Atom feed.

Needs no account anywhere. The folder is ``accounts.outbox.<name>.folder`` (relative to the config
file's folder) or ``<data dir>/outbox/<name>``. Each post is written as ``<folder>/posts/<name>.json``
(one JSON document per post, written atomically) and the folder's ``feed.xml`` is regenerated as a
valid Atom 1.0 feed of the newest posts, so any feed reader or feed-to-social bridge can consume
it. Publishing the same post again (same idempotency key) finds its file and changes nothing (the
adapter is idempotent), also when several threads or daemons share the folder.
"""

from __future__ import annotations

import json
import re
import shlex
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import Field

from socialpost.errors import MediaRefused, PermanentError, TransientError
from socialpost.i18n import N_, _
from socialpost.media import MediaRoots
from socialpost.networks.base import (
    AccountSettings,
    AccountSetup,
    AdapterContext,
    Network,
    NotSent,
    OutgoingPost,
    Published,
    SetupUI,
)
from socialpost.networks.capabilities import (
    GuidedSetup,
    HealthCheck,
    Reconciler,
)
from socialpost.networks.common import files
from socialpost.networks.health import AccountHealth
from socialpost.networks.profile import NetworkProfile
from socialpost.privatefiles import locked
from socialpost.text.rules import LengthRule
from socialpost.timeutil import iso_utc

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Characters XML 1.0 cannot carry at all (even escaped): most C0 controls, surrogates, U+FFFE/F.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_REQUIRED = ("id", "campaign", "text", "published_at", "idempotency_key")


class OutboxSettings(AccountSettings):
    folder: str | None = Field(None, description="where posts go; default <data dir>/outbox/<account name>")
    feed_title: str | None = Field(None, description="title of the Atom feed")


class OutboxNetwork(Network, Reconciler, GuidedSetup, HealthCheck):
    profile = NetworkProfile(
        name="outbox",
        title=N_("Local outbox (files + Atom feed)"),
        settings_model=OutboxSettings,
        length=LengthRule("outbox"),
        needs_config=False,
        idempotent=True,
    )

    settings: OutboxSettings

    @property
    def folder(self) -> Path:
        if self.settings.folder:
            path = Path(self.settings.folder).expanduser()
            return path if path.is_absolute() else self.context.base_dir / path
        name = _UNSAFE.sub("_", self.account.split(":", 1)[1])
        # "." and ".." (or a hidden name) must not climb out of, or hide in, the outbox folder
        return self.context.data_dir / "outbox" / (f"_{name}" if not name or name.startswith(".") else name)

    def _post_path(self, post: OutgoingPost) -> Path:
        stamp = post.due_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        name = _UNSAFE.sub("_", f"{stamp}_{post.campaign}_{post.post_id}")
        return self.folder / "posts" / f"{name}_{_UNSAFE.sub('_', post.key[-8:])}.json"

    def _existing(self, post: OutgoingPost) -> Path | None:
        """The file already written for ``post``'s idempotency key, if any.

        Usually at :meth:`_post_path`; but if the post's time was edited after it went out, its file
        carries the old time in its name, and it is still the same post.
        """
        path = self._post_path(post)
        if path.is_file():
            return path
        suffix = _UNSAFE.sub("_", post.key[-8:])
        for candidate in sorted(path.parent.glob(f"*_{suffix}.json")):
            document = _read_json(candidate)
            if document is not None and document.get("idempotency_key") == post.key:
                return candidate
        return None

    def publish(self, post: OutgoingPost) -> Published:
        path = self._post_path(post)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # One writer at a time per folder (threads and processes): two daemons publishing the
            # same post cannot both write it, and the feed is regenerated from a complete folder.
            with locked(self.folder / ".feed"):  # on .feed.lock
                existing = self._existing(post)
                if existing is None:
                    # a post already written stays written; a new one goes only with all its media,
                    # copied beside it first: its JSON file is what says it was published
                    media = self._copy_media(post, path)
                    document = {**post.as_json(), "media": media, "published_at": iso_utc(self.context.clock())}
                    files.atomic_write(path, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
                    existing = path
                self._write_feed()
        except OSError as exc:
            raise _folder_error(exc, path.parent) from exc
        except UnicodeEncodeError as exc:  # a lone surrogate in the text cannot be stored as UTF-8
            raise PermanentError(
                _("the post cannot be written to the outbox: its text is not valid Unicode ({reason}).").format(
                    reason=exc.reason
                ),
                hint=_("Retype the characters around it in the campaign file."),
            ) from None
        return Published(remote_id=existing.name, url=existing.resolve().as_uri())

    def _copy_media(self, post: OutgoingPost, path: Path) -> list[dict[str, Any]]:
        """Copy each media file of ``post`` beside its JSON file ``path`` (``<its name>.<n>.<ext>``:
        the JSON file's name is the post's own, so two posts never share a copy) and describe it,
        with the copy's path relative to the outbox folder (``copy``)."""
        roots = self._check_media(post)
        described = []
        for number, media in enumerate(post.media, start=1):
            try:
                facts, copy = files.copy_media(roots, media.file, path.parent, _named(f"{path.stem}.{number}"))
            except MediaRefused as exc:  # changed since the check a moment ago
                raise self._refused(post, exc) from None
            described.append(
                {
                    "file": media.file,
                    "alt": media.alt,
                    "name": facts.name,
                    "type": facts.type,
                    "size": facts.size,
                    "sha256": facts.sha256,
                    "copy": copy.relative_to(self.folder).as_posix(),
                }
            )
        return described

    def _check_media(self, post: OutgoingPost) -> MediaRoots:
        """Every media file of ``post`` can be used, as a real network needs it to be: the outbox
        stands in for one, so it must not report a post sent without its image."""
        try:
            return MediaRoots.checked(post, self.context)
        except MediaRefused as exc:
            raise self._refused(post, exc) from None

    @staticmethod
    def _refused(post: OutgoingPost, exc: MediaRefused) -> MediaRefused:
        """The neutral refusal, saying that nothing was written and how to send the post again."""
        shown = f"{post.post_id}@{post.occurrence}" if post.occurrence else post.post_id
        ref = shlex.quote(f"{post.campaign}/{shown}@{post.account}")
        return MediaRefused(
            _("{reason} Nothing was written to the outbox.").format(reason=exc.message),
            hint=_("Put the file back at that path, then run: socialpost retry {ref}").format(ref=ref),
        )

    def reconcile(self, post: OutgoingPost) -> Published | NotSent:
        existing = self._existing(post)
        if existing is not None:
            return Published(remote_id=existing.name, url=existing.resolve().as_uri())
        return NotSent(_("{file} is not in the outbox").format(file=self._post_path(post).name))

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        ui.say(
            _(
                "The outbox needs no account anywhere: each post becomes a JSON file and an entry in an "
                "Atom feed in a folder. Leave the folder empty for the default in socialpost's data folder."
            )
        )
        folder = ui.ask(_("Folder (empty for the default)"), default="").strip()
        title = ui.ask(_("Feed title (empty for the default)"), default="").strip()
        settings = {k: v for k, v in (("folder", folder), ("feed_title", title)) if v}
        return AccountSetup(settings=settings)

    def health(self) -> AccountHealth:
        return AccountHealth(
            self.account, _("folder {folder}").format(folder=self.folder), {N_("feed"): str(self.folder / "feed.xml")}
        )

    # --- the Atom feed ---------------------------------------------------------------------

    def _write_feed(self) -> None:
        """Regenerate ``feed.xml``; the caller holds the folder lock."""
        entries = sorted(
            _read_posts(self.folder / "posts"),
            key=lambda d: (d["published_at"], str(d.get("due_at", "")), d["idempotency_key"]),
            reverse=True,
        )
        files.atomic_write(self.folder / "feed.xml", self._feed_xml(entries[:FEED_ENTRIES]))

    def _feed_xml(self, entries: list[dict[str, Any]]) -> str:
        ET.register_namespace("", ATOM)
        feed = ET.Element(f"{{{ATOM}}}feed")
        title = self.settings.feed_title or f"socialpost outbox: {self.account}"
        _sub(feed, "title", title)
        _sub(feed, "id", f"urn:socialpost:outbox:{_UNSAFE.sub('_', self.account)}")
        updated = entries[0]["published_at"] if entries else iso_utc(self.context.clock())
        _sub(feed, "updated", updated)
        author = ET.SubElement(feed, f"{{{ATOM}}}author")
        _sub(author, "name", self.account)
        _sub(feed, "generator", "socialpost")
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=(self.folder / "feed.xml").resolve().as_uri())
        for doc in entries:
            entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
            text = doc["text"]
            first_line = next((line.strip() for line in text.splitlines() if line.strip()), doc["id"])
            _sub(entry, "title", first_line[:80] + ("…" if len(first_line) > 80 else ""))
            _sub(entry, "id", f"urn:socialpost:{doc['idempotency_key']}")
            _sub(entry, "updated", doc["published_at"])
            _sub(entry, "published", doc["published_at"])
            parts = [text, *(str(part) for part in doc.get("thread") or [])]
            _sub(entry, "content", "\n\n".join(parts), type="text")
            ET.SubElement(entry, f"{{{ATOM}}}category", term=doc["campaign"])
            for enclosure in _enclosures(doc):
                ET.SubElement(entry, f"{{{ATOM}}}link", {k: _xml_text(v) for k, v in enclosure.items()})
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def _sub(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _xml_text(v) for k, v in attrs.items()})
    element.text = _xml_text(text)
    return element


def _xml_text(value: object) -> str:
    """Text XML can hold: ElementTree escapes ``<`` and ``&`` but writes control characters as
    they are, which makes the whole feed unreadable."""
    return _NOT_XML.sub("\ufffd", str(value))


def _named(stem: str) -> Callable[[files.MediaFacts], str]:
    """A copy's name: ``stem`` and the extension of the file's type."""
    return lambda facts: f"{stem}{facts.extension}"


def _enclosures(doc: dict[str, Any]) -> Iterator[dict[str, str]]:
    """An Atom ``link rel="enclosure"`` per media file copied beside the post: its address relative
    to the feed (a copy's path is relative to the outbox folder, where feed.xml is), type, length in
    bytes, and its alt text as the link's title. Posts written before media were copied have none."""
    media = doc.get("media")
    for item in media if isinstance(media, list) else []:
        if not (isinstance(item, dict) and isinstance(item.get("copy"), str) and isinstance(item.get("size"), int)):
            continue
        link = {"rel": "enclosure", "href": quote(item["copy"]), "length": str(item["size"])}
        if isinstance(item.get("type"), str):
            link["type"] = item["type"]
        if isinstance(item.get("alt"), str) and item["alt"]:
            link["title"] = item["alt"]
        yield link


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def _read_posts(folder: Path) -> Iterator[dict[str, Any]]:
    if not folder.is_dir():
        return
    for path in folder.glob("*.json"):
        document = _read_json(path)
        # a file someone edited by hand (or broke): the feed skips it rather than failing every post
        if document is None or not all(isinstance(document.get(k), str) for k in _REQUIRED):
            continue
        yield document


def _folder_error(exc: OSError, folder: Path) -> PermanentError | TransientError:
    reason = exc.strerror or exc.__class__.__name__
    if exc.errno in files.PERMANENT_ERRNOS or isinstance(
        exc, PermissionError | FileExistsError | NotADirectoryError | IsADirectoryError
    ):
        # Retrying cannot help: a file where a folder should be, no permission, a read-only disk.
        blocker = f" ({exc.filename})" if exc.filename else ""
        return PermanentError(
            _("cannot write to the outbox folder {folder}: {reason}.").format(folder=folder, reason=reason + blocker),
            hint=_(
                "Make the folder writable (or move the file in the way), "
                "or set accounts.outbox.<name>.folder in your config to another folder."
            ),
        )
    # disk full, I/O error, folder vanished…: may succeed later
    return TransientError(
        _("cannot write to the outbox folder {folder}: {reason}.").format(folder=folder, reason=reason)
    )
