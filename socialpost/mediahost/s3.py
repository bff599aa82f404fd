"""An S3-compatible bucket as a media host (AWS S3, Cloudflare R2, Backblaze B2, MinIO).

Each file is uploaded under ``prefix`` + an unguessable name, with its real content type, and
given back as a presigned GET URL (SigV4, so it works with every S3-compatible service) that lives
``url_lifetime``: long enough for the network to fetch it, and no longer. The object itself is
deleted by :meth:`S3Host.remove` once the post is confirmed (a lifecycle rule on the prefix is a
good second net: docs/media-host.md).

boto3 is an optional extra (``make install EXTRAS=s3`` from a clone), imported on first use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from socialpost.errors import AuthError, ConfigError, PermanentError, TransientError
from socialpost.i18n import _
from socialpost.mediahost import HostedMedia, hosted_name, media_type
from socialpost.settings.media_host import S3HostSettings
from socialpost.timeutil import Clock

INSTALL = "make install EXTRAS=s3"  # from the clone (README, "Install"); pipx inject socialpost-cli boto3 also does
# S3's answers that mean the credentials or the bucket's permissions are wrong.
_REFUSED = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"}
_BUSY = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout"}


class S3Host:
    """Uploads to one bucket and hands out presigned URLs (see the module's docstring)."""

    def __init__(
        self,
        settings: S3HostSettings,
        *,
        where: Callable[[str], str] = lambda key: f"media_host.{key}" if key else "media_host",
        clock: Clock,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.where = where  # file:line:column: media_host.<key>, for configuration errors
        self.clock = clock
        self._environ = environ
        self._client: Any = None
        self._lock = threading.Lock()

    def publish(self, path: Path, *, key_hint: str, lifetime: timedelta) -> HostedMedia:
        """The URL lives ``lifetime`` (what the network needs) or the config's ``url_lifetime``,
        whichever is longer, and never over the 7 days SigV4 allows."""
        life = max(lifetime, self.settings.url_lifetime)
        seconds = max(1, min(int(life.total_seconds()), 604_800))
        content_type = media_type(path)
        key = self.settings.prefix + hosted_name(key_hint, content_type)
        client = self._connect()
        with _S3Errors(path.name, self.settings.bucket, upload=True):
            with path.open("rb") as body:
                client.put_object(
                    Bucket=self.settings.bucket,
                    Key=key,
                    Body=body,
                    ContentType=content_type,
                    CacheControl="private, no-store",
                )
            url = client.generate_presigned_url(
                "get_object", Params={"Bucket": self.settings.bucket, "Key": key}, ExpiresIn=seconds
            )
        return HostedMedia(url=str(url), key=key, expires_at=self.clock() + timedelta(seconds=seconds))

    def remove(self, hosted: HostedMedia) -> None:
        client = self._connect()
        with _S3Errors(hosted.key, self.settings.bucket, upload=False):
            client.delete_object(Bucket=self.settings.bucket, Key=hosted.key)  # S3: no error when already gone

    def _connect(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._new_client()
            return self._client

    def _new_client(self) -> Any:
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise ConfigError(
                _("{where}: an S3 media host needs boto3, which is not installed.").format(where=self.where("kind")),
                hint=_(
                    "Fix: install it with {command} in your clone of socialpost, or pipx inject socialpost-cli boto3 "
                    "(or choose kind: folder)."
                ).format(command=INSTALL),
            ) from None
        from socialpost.settings.envvars import expand_env

        environ = os.environ if self._environ is None else self._environ
        keys: dict[str, str] = {}
        if self.settings.access_key_id is not None and self.settings.secret_access_key is not None:
            keys["aws_access_key_id"] = expand_env(self.settings.access_key_id, environ, self.where("access_key_id"))
            keys["aws_secret_access_key"] = expand_env(
                self.settings.secret_access_key, environ, self.where("secret_access_key")
            )
        from botocore.exceptions import ProfileNotFound

        try:
            session = boto3.session.Session(profile_name=self.settings.profile, **keys)
        except ProfileNotFound:
            raise ConfigError(
                _("{where}: there is no profile '{profile}' in your AWS configuration.").format(
                    where=self.where("profile"), profile=self.settings.profile
                ),
                hint=_("Fix: correct the name (see ~/.aws/credentials and ~/.aws/config), or remove profile:."),
            ) from None
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": self.settings.addressing},
            retries={"max_attempts": 1, "mode": "standard"},  # the daemon decides when to try again
            connect_timeout=10,
            read_timeout=60,
        )
        return session.client(
            "s3",
            endpoint_url=self.settings.endpoint_url,
            region_name=self.settings.region or "us-east-1",
            config=config,
        )


class _S3Errors:
    """Turns botocore's exceptions into socialpost's error tree (with the fix)."""

    def __init__(self, name: str, bucket: str, *, upload: bool) -> None:
        self.name = name
        self.bucket = bucket
        self.upload = upload

    def failed(self, detail: str) -> str:
        if self.upload:
            text = _("the media host could not upload {name} to the bucket {bucket} ({detail}).")
        else:
            text = _("the media host could not remove {name} from the bucket {bucket} ({detail}).")
        return text.format(name=self.name, bucket=self.bucket, detail=detail)

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, _tb: object) -> None:
        if exc is None or not isinstance(exc, Exception):
            return
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, PartialCredentialsError

        if isinstance(exc, NoCredentialsError | PartialCredentialsError):
            raise ConfigError(
                _("the media host has no credentials for the bucket {bucket}.").format(bucket=self.bucket),
                hint=_(
                    "Fix: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a profile: of ~/.aws/credentials, "
                    "or give access_key_id and secret_access_key as ${{ENV}} references under media_host."
                ).format(),  # the message's {{ }} are braces
            ) from None
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            detail = f"{code}: {error.get('Message', '')}".strip(": ")
            message = self.failed(detail)
            if code == "RequestTimeTooSkewed":
                raise PermanentError(
                    message,
                    hint=_("Fix: set this computer's clock right (turn on automatic time, NTP), then try again."),
                    status=status,
                ) from None
            if code in _REFUSED or status == 403:
                raise AuthError(
                    message,
                    hint=_("Fix: check the media host's credentials and that they may write to the bucket."),
                    status=status,
                ) from None
            if code == "NoSuchBucket":
                raise PermanentError(
                    message, hint=_("Fix: create the bucket, or correct bucket: under media_host."), status=status
                ) from None
            if code in _BUSY or (isinstance(status, int) and status >= 500):
                raise TransientError(message, status=status) from None
            raise PermanentError(message, status=status) from None
        if isinstance(exc, BotoCoreError):
            raise TransientError(self.failed(str(exc))) from None
