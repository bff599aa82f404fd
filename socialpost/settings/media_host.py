"""The ``media_host:`` section of the config file (see docs/media-host.md).

Only ``kind`` picks the model; each kind's keys are checked by its own model, so a mistake is
reported at its ``file:line:column`` like any other setting. Credentials are never written in the
file: boto3 finds them itself (environment, ``~/.aws``, an instance role) or the keys are
``${ENV}`` references.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    Tag,
    field_validator,
    model_validator,
)

from socialpost.i18n import _
from socialpost.timeutil import coerce_duration, format_duration

Duration = Annotated[timedelta, BeforeValidator(coerce_duration), PlainSerializer(format_duration, return_type=str)]

KINDS = ("s3", "folder")
# A presigned SigV4 URL lives at most a week (S3 refuses X-Amz-Expires over 604800 seconds).
LONGEST_URL = timedelta(days=7)
SHORTEST_URL = timedelta(minutes=1)
_ENV_ONLY = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$")


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(
            _("'{value}' is not a web address. Fix: write it like https://media.example.com/").format(value=value)
        )
    if parts.username or parts.password:
        raise ValueError(_("the address holds a user name or password. Fix: remove them from the address."))
    return value


class S3HostSettings(BaseModel):
    """``kind: s3``: an S3-compatible bucket, reached through boto3."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["s3"]
    bucket: str = Field(min_length=1, description="the bucket's name")
    endpoint_url: str | None = Field(None, description="the service's address for R2, B2, MinIO… (unset: AWS)")
    region: str | None = Field(None, description="the bucket's region (R2: auto)")
    prefix: str = Field("", description="a folder in the bucket for socialpost's files, like socialpost/")
    url_lifetime: Duration = Field(timedelta(hours=1), description="how long a presigned URL works")
    profile: str | None = Field(None, description="a profile of ~/.aws/credentials")
    access_key_id: str | None = Field(None, description="${ENV} reference (unset: boto3's own search)")
    secret_access_key: str | None = Field(None, description="${ENV} reference (unset: boto3's own search)")
    addressing_style: Literal["auto", "path", "virtual"] | None = Field(
        None, description="path or virtual-host URLs (unset: path with endpoint_url, else auto)"
    )

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        return None if value is None else _http_url(value)

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if value.startswith("/") or ".." in value.split("/"):
            raise ValueError(_("the prefix must be a folder inside the bucket. Fix: write it like socialpost/"))
        return value

    @field_validator("url_lifetime")
    @classmethod
    def _lifetime(cls, value: timedelta) -> timedelta:
        if not SHORTEST_URL <= value <= LONGEST_URL:
            raise ValueError(
                _("a presigned URL may live from 1 minute to 7 days. Fix: write a duration like 1h or 30m.")
            )
        return value

    @field_validator("secret_access_key")
    @classmethod
    def _secret_from_environment(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_ONLY.match(value.strip()):
            raise ValueError(
                _(
                    "a secret key is never written in the config file. Fix: write secret_access_key: "
                    "${{YOUR_VARIABLE}} and set that variable, or remove both keys and let boto3 find "
                    "the credentials (AWS_ACCESS_KEY_ID, ~/.aws/credentials)."
                ).format()  # the message's {{ }} are braces
            )
        return value

    @model_validator(mode="after")
    def _both_keys(self) -> S3HostSettings:
        if (self.access_key_id is None) != (self.secret_access_key is None):
            raise ValueError(_("give both access_key_id and secret_access_key, or neither. Fix: add the missing one."))
        return self

    @property
    def addressing(self) -> str:
        """The URL style boto3 uses: path style for a custom endpoint (MinIO needs it), else auto."""
        return self.addressing_style or ("path" if self.endpoint_url else "auto")


class FolderHostSettings(BaseModel):
    """``kind: folder``: a folder your own web server publishes at ``base_url``."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["folder"]
    folder: str = Field(min_length=1, description="the folder (relative to the config file's folder)")
    base_url: str = Field(min_length=1, description="the address where the web server publishes the folder")

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        return _http_url(value)

    def resolved_folder(self, base: Path) -> Path:
        path = Path(self.folder).expanduser()
        return Path(os.path.realpath(path if path.is_absolute() else base / path))


def _tag(value: Any) -> str:
    """The union branch of a section. The tags are no key one writes ("kind=s3"), so an error's
    location in the document never mistakes a branch for a key (``folder:``)."""
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return f"kind={kind}"


MediaHostSettings = Annotated[
    Annotated[S3HostSettings, Tag("kind=s3")] | Annotated[FolderHostSettings, Tag("kind=folder")],
    Discriminator(_tag),
]


def check_kind(value: Any) -> Any:
    """Before the models: a section without ``kind`` or with an unknown one, in plain words."""
    if not isinstance(value, dict):
        return value
    kind = value.get("kind")
    if kind is None:
        raise ValueError(_("missing required key 'kind'. Fix: add 'kind: s3' or 'kind: folder' here."))
    if kind not in KINDS:
        raise ValueError(
            _("unknown media host kind '{kind}'. Fix: write kind: s3 or kind: folder.").format(kind=str(kind)[:40])
        )
    return value


def fields() -> list[str]:
    """Every key the section takes (for "did you mean")."""
    return list(dict.fromkeys([*S3HostSettings.model_fields, *FolderHostSettings.model_fields]))
