"""After publishing: YouTube makes a scheduled video public itself; :meth:`Confirmation.confirm`
checks it did, and names the likely cause when it did not (the project's API audit above all).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from socialpost.errors import PermanentError
from socialpost.i18n import _
from socialpost.networks.base import Caveat, NotPublic
from socialpost.networks.youtube.client import YouTubeClient
from socialpost.networks.youtube.publish import _raise_if_failed
from socialpost.networks.youtube.settings import AUDIT_FORM
from socialpost.timeutil import iso_utc


class Confirmation(YouTubeClient):
    """After the upload: whether YouTube made the video public at its time, and why not."""

    def confirm(self, remote_id: str) -> bool | NotPublic | None:
        return self.confirm_published(remote_id)

    def confirm_published(self, video_id: str) -> bool | NotPublic:
        """True when the video is out as planned (public, which YouTube does at publishAt; or
        unlisted with ``privacy_after_publish: unlisted``); otherwise :class:`NotPublic` with what
        ``status`` says is the likely reason. ContentRejected when YouTube's processing failed or
        rejected it."""
        data = self._execute("videos.list", self._service().videos().list(part="status", id=video_id))
        items = data.get("items") if isinstance(data, dict) else None
        if not items:
            raise PermanentError(
                _("{where}: video {id} is not on YouTube (deleted, or not on this channel).").format(
                    where=self._where, id=video_id
                ),
                hint=_("Check the channel in YouTube Studio."),
            )
        status = items[0].get("status") or {}
        _raise_if_failed(status, self._where, video_id)
        privacy = status.get("privacyStatus")
        if privacy == "public" or (privacy == "unlisted" and self.settings.privacy_after_publish == "unlisted"):
            return True
        return NotPublic(self._not_public_reason(video_id, status))

    def _not_public_reason(self, video_id: str, status: dict[str, Any]) -> str:
        """Why a video is not public, from what videos.list says (``uploadStatus``,
        ``privacyStatus``, ``publishAt``) and what the user said about the project's audit. The API
        has no field for a video YouTube locked private: a processed video that is still private
        after its publish time is what a lock looks like."""
        names = {"where": self._where, "id": video_id}
        publish_at = _when(status.get("publishAt"))
        if status.get("uploadStatus") == "uploaded":
            return _(
                "{where}: YouTube has not finished processing video {id}; it goes public when processing ends. "
                "If it stays in processing for hours, upload it again in YouTube Studio."
            ).format(**names)
        if publish_at is not None and publish_at > self.context.clock():
            return _(
                "{where}: video {id} is now scheduled for {time}: its publish time was changed in YouTube Studio."
            ).format(time=iso_utc(publish_at), **names)
        if status.get("privacyStatus") == "unlisted":
            return _("{where}: video {id} is unlisted: its visibility was changed in YouTube Studio.").format(**names)
        if self.settings.audited is not True:
            return _(
                "{where}: video {id} is still private after its publish time. The most likely cause: the Google "
                "Cloud project this account uses has not passed YouTube's API audit, and YouTube keeps every "
                "video uploaded through such a project private ('locked as private'). Request the audit at "
                "{form}; until it passes, upload videos that must go public in YouTube Studio (a locked video "
                "cannot be made public), and once it has passed set audited: true for this account."
            ).format(form=AUDIT_FORM, **names)
        return _(
            "{where}: video {id} is still private after its publish time although the project passed YouTube's "
            "audit: YouTube may have locked it (a policy or copyright review), or its visibility was changed. "
            "Look at its 'Visibility' and 'Restrictions' in YouTube Studio."
        ).format(**names)

    def caveats(self) -> list[Caveat]:
        """An audit that is not known to have passed: every upload may stay private."""
        if self.settings.audited is True:
            return []
        if self.settings.audited is False:
            message = _(
                "{where}: the Google Cloud project has not passed YouTube's API audit, so YouTube keeps every "
                "video socialpost uploads private, and no video goes public at its time."
            )
        else:
            message = _(
                "{where}: nobody has said whether the Google Cloud project passed YouTube's API audit "
                "(audited: unknown). YouTube keeps every video uploaded through a project created after "
                "28 July 2020 that has not passed it private, and such videos never go public at their time."
            )
        fix = _(
            "Request the audit at {form}; until it passes, test with videos you keep private and publish in "
            "YouTube Studio what must go out. Once the audit has passed, set audited: true under "
            "accounts.youtube.{name} in your config file."
        )
        return [Caveat(message.format(where=self._where), fix.format(form=AUDIT_FORM, name=self._name))]


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
