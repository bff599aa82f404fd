"""Images on LinkedIn: checked before anything is sent, uploaded through
``/rest/images?action=initializeUpload`` and a PUT of the bytes, then waited for until LinkedIn
says ``AVAILABLE`` (a post naming an image still ``PROCESSING`` is refused). An image that takes too
long is a TransientError; its URN is kept (:class:`~.state.Uploads`) so the retry waits for it
instead of uploading it again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from socialpost.errors import ContentRejected, TransientError
from socialpost.i18n import _
from socialpost.i18n.formats import integer
from socialpost.media import MediaRoots
from socialpost.networks.linkedin.client import LinkedInClient, enc, json_of
from socialpost.networks.linkedin.state import Uploads

log = logging.getLogger("socialpost.networks.linkedin")

IMAGE_WAIT_SECONDS = 60.0  # how long a post waits for LinkedIn to process its images
IMAGE_POLL_FIRST = 0.5  # seconds before the first status check; doubles up to IMAGE_POLL_MAX
IMAGE_POLL_MAX = 5.0
MAX_IMAGES = 20
MAX_PIXELS = 36_152_320
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif"}


class ImageUploads(LinkedInClient):
    """Uploading a post's images and waiting for LinkedIn to process them."""

    # how the adapter waits for LinkedIn to process images (tests replace both)
    sleep: Callable[[float], None]
    monotonic: Callable[[], float]

    def _upload(self, index: int, path: Path, mime: str, uploads: Uploads, roots: MediaRoots) -> str:
        """Upload one image; its ``urn:li:image:…``. Failures here never leave a visible post. An
        image uploaded by an earlier attempt of this post that LinkedIn has (or is processing) is
        used again instead."""
        known = uploads.get(index, path)
        if known is not None:
            status = self._image_status(known)
            if status in ("AVAILABLE", "PROCESSING"):
                log.info("%s: %s was uploaded by an earlier attempt (%s, %s)", self._where, path.name, known, status)
                return known
            uploads.forget(index)
        response = self._call(
            "POST",
            "/rest/images",
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": self.settings.author}},
            headers=self._rest_headers(),
        )
        value = json_of(response).get("value") if isinstance(json_of(response), dict) else None
        if not isinstance(value, dict) or not value.get("uploadUrl") or not value.get("image"):
            raise TransientError(
                _("{where}: LinkedIn did not give an upload address for {name}.").format(
                    where=self._where, name=path.name
                )
            )
        self._call("PUT", str(value["uploadUrl"]), content=roots.read(path), headers={"Content-Type": mime})
        urn = str(value["image"])
        uploads.put(index, path, urn)
        return urn

    def _image_status(self, urn: str) -> str:
        """LinkedIn's ``status`` of an uploaded image (``GET /rest/images/{urn}``); "GONE" for a 404."""
        response = self._send("GET", f"/rest/images/{enc(urn)}", headers=self._rest_headers())
        if response.status_code == 404:
            return "GONE"
        if not response.is_success:
            raise self._error(response)
        data = json_of(response)
        return str(data.get("status") or "") if isinstance(data, dict) else ""

    def _wait_available(self, uploads: Uploads, images: list[tuple[int, str, str]]) -> None:
        """Wait until LinkedIn has processed every image (``AVAILABLE``): it refuses a post naming
        one that is not. Bounded by IMAGE_WAIT_SECONDS, checking at growing intervals."""
        pending = {urn: (index, name) for index, urn, name in images}
        deadline = self.monotonic() + IMAGE_WAIT_SECONDS
        delay = IMAGE_POLL_FIRST
        while True:
            for urn, (index, name) in list(pending.items()):
                status = self._image_status(urn)
                if status == "AVAILABLE":
                    del pending[urn]
                elif status in ("PROCESSING_FAILED", "GONE"):
                    uploads.forget(index)
                    raise ContentRejected(
                        _(
                            "{where}: LinkedIn could not process the image {name} ({status}); nothing was posted."
                        ).format(where=self._where, name=name, status=status),
                        hint=_(
                            "Check that the image opens, save it again as JPEG or PNG, then send the post again "
                            "(socialpost retry)."
                        ),
                    )
            if not pending:
                return
            if self.monotonic() + delay > deadline:
                names = ", ".join(name for _index, name in pending.values())
                raise TransientError(
                    _(
                        "{where}: LinkedIn was still processing {names} after {seconds} s; nothing was posted. "
                        "The next try waits for the same upload."
                    ).format(where=self._where, names=names, seconds=f"{IMAGE_WAIT_SECONDS:g}")
                )
            self.sleep(delay)
            delay = min(delay * 2, IMAGE_POLL_MAX)


def check_image(path: Path, where: str) -> str:
    """The MIME type of an image LinkedIn takes; ContentRejected with the reason otherwise."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            kind, (width, height) = image.format, image.size
    except FileNotFoundError:
        raise ContentRejected(_("{where}: {path} does not exist.").format(where=where, path=path)) from None
    except (UnidentifiedImageError, OSError):
        kind, width, height = None, 0, 0
    if kind not in IMAGE_FORMATS:
        raise ContentRejected(
            _(
                "{where}: {name} is not an image LinkedIn takes (JPEG, PNG or GIF); "
                "socialpost does not post videos or documents to LinkedIn yet."
            ).format(where=where, name=path.name)
        )
    if width * height > MAX_PIXELS:
        raise ContentRejected(
            _("{where}: {name} is {width}×{height} pixels; LinkedIn takes at most {limit} pixels.").format(
                where=where, name=path.name, width=width, height=height, limit=integer(MAX_PIXELS)
            ),
            hint=_("Resize the image."),
        )
    return IMAGE_FORMATS[kind]
