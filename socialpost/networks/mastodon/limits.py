"""The instance's limits (characters, links, media, sizes, alt text), read from
``/api/v2/instance`` and cached for a day in ``<data dir>/cache/mastodon-<account name>.json``."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from socialpost.errors import TransientError
from socialpost.i18n import _, ngettext
from socialpost.networks.base import decimal_mark
from socialpost.networks.mastodon.client import MastodonClient
from socialpost.networks.mastodon.settings import mastodon_rule
from socialpost.privatefiles import write_private
from socialpost.text.rules import LengthRule
from socialpost.timeutil import ensure_aware, iso_utc

log = logging.getLogger("socialpost.networks.mastodon")

LIMITS_MAX_AGE = timedelta(days=1)


@dataclass(frozen=True)
class MastodonLimits:
    """What the instance accepts (Mastodon's defaults until the instance says otherwise)."""

    max_characters: int = 500
    characters_reserved_per_url: int = 23
    max_media_attachments: int = 4
    image_size_limit: int = 16 * 1024 * 1024
    video_size_limit: int = 99 * 1024 * 1024
    description_limit: int = 1500
    supported_mime_types: tuple[str, ...] = ()
    domain: str = ""
    version: str = ""
    fetched_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["supported_mime_types"] = list(self.supported_mime_types)
        data["fetched_at"] = iso_utc(self.fetched_at) if self.fetched_at else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MastodonLimits:
        fetched = data.get("fetched_at")
        return cls(
            max_characters=int(data["max_characters"]),
            characters_reserved_per_url=int(data["characters_reserved_per_url"]),
            max_media_attachments=int(data["max_media_attachments"]),
            image_size_limit=int(data["image_size_limit"]),
            video_size_limit=int(data["video_size_limit"]),
            description_limit=int(data["description_limit"]),
            supported_mime_types=tuple(str(m) for m in data.get("supported_mime_types") or ()),
            domain=str(data.get("domain") or ""),
            version=str(data.get("version") or ""),
            fetched_at=ensure_aware(datetime.fromisoformat(fetched.replace("Z", "+00:00"))) if fetched else None,
        )


def _positive(value: Any, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


def limits_from_instance(instance: Any, fetched_at: datetime) -> MastodonLimits:
    """Limits from an ``/api/v2/instance`` (or v1) answer; what is missing keeps Mastodon's default."""
    default = MastodonLimits()
    config = _mapping(_mapping(instance).get("configuration"))
    statuses = _mapping(config.get("statuses"))
    media = _mapping(config.get("media_attachments"))
    mimes = media.get("supported_mime_types")
    return MastodonLimits(
        max_characters=_positive(statuses.get("max_characters"), default.max_characters),
        characters_reserved_per_url=_positive(
            statuses.get("characters_reserved_per_url"), default.characters_reserved_per_url
        ),
        max_media_attachments=_positive(statuses.get("max_media_attachments"), default.max_media_attachments),
        image_size_limit=_positive(media.get("image_size_limit"), default.image_size_limit),
        video_size_limit=_positive(media.get("video_size_limit"), default.video_size_limit),
        description_limit=_positive(media.get("description_limit"), default.description_limit),
        supported_mime_types=tuple(str(m) for m in mimes) if isinstance(mimes, list) else (),
        domain=str(_mapping(instance).get("domain") or _mapping(instance).get("uri") or ""),
        version=str(_mapping(instance).get("version") or ""),
        fetched_at=fetched_at,
    )


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


class LimitsPart(MastodonClient):
    """The instance's limits: from memory, the cache, or the instance."""

    @property
    def cache_file(self) -> Path:
        return self.context.data_dir / "cache" / f"mastodon-{self._slug}.json"

    def limits(self, *, refresh: bool = False) -> MastodonLimits:
        """The instance's limits: from memory, the day-old cache, or the instance."""
        now = self.context.clock()
        with self._lock:
            if not refresh and self._limits is not None and self._fresh(self._limits, now):
                return self._limits
            cached = None if refresh else self._read_cache()
            if cached is not None and self._fresh(cached, now):
                self._limits = cached
                return cached
            try:
                fetched = self._fetch_limits(now)
            except TransientError:
                if cached is not None:  # an old answer beats none
                    log.info("%s: using cached instance limits (the instance did not answer)", self.account)
                    self._limits = cached
                    return cached
                raise
            self._write_cache(fetched)
            self._limits = fetched
            return fetched

    @staticmethod
    def _fresh(limits: MastodonLimits, now: datetime) -> bool:
        fetched = limits.fetched_at
        return fetched is not None and timedelta(0) <= now - fetched < LIMITS_MAX_AGE

    def _fetch_limits(self, now: datetime) -> MastodonLimits:
        from mastodon.errors import MastodonNotFoundError

        with self._calling(_("reading the instance's limits")) as api:
            try:
                instance: Any = api.instance_v2()
            except MastodonNotFoundError:  # Mastodon before 4.0
                instance = api.instance_v1()
        return limits_from_instance(instance, now)

    def _read_cache(self) -> MastodonLimits | None:
        try:
            data = json.loads(self.cache_file.read_text(encoding="utf-8"))
            if data.get("api_base_url") != self.settings.api_base_url:
                return None
            return MastodonLimits.from_json(data["limits"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def _write_cache(self, limits: MastodonLimits) -> None:
        path = self.cache_file
        body = json.dumps({"api_base_url": self.settings.api_base_url, "limits": limits.as_json()}, indent=2)
        try:
            write_private(path, body)
        except OSError as exc:  # a cache we cannot write only costs a request next time
            log.warning("%s: cannot write %s (%s)", self.account, path, exc.strerror or exc)

    # --- checks before sending -----------------------------------------------------------------

    def length_rule(self) -> LengthRule | None:
        """The instance's own limits, when `accounts test` or a post has cached them."""
        cached = self._read_cache()
        if cached is None:
            return None
        return mastodon_rule(cached.max_characters, cached.characters_reserved_per_url)


def _megabytes(size: int) -> str:
    if size < 1024:
        return ngettext("{count} byte", "{count} bytes", size).format(count=size)
    if size < 1024 * 1024:
        return _("{size} KB").format(size=f"{size / 1024:.0f}")
    return _("{size} MB").format(size=decimal_mark(f"{size / (1024 * 1024):.1f}".removesuffix(".0")))
