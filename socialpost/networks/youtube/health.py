"""What ``accounts test`` and ``doctor`` show about a YouTube account."""

from __future__ import annotations

from socialpost.errors import AuthError
from socialpost.i18n import N_, _, formats
from socialpost.networks.health import AccountHealth, origin_of
from socialpost.networks.youtube.client import YouTubeClient
from socialpost.networks.youtube.state import next_reset
from socialpost.timeutil import format_duration, iso_utc


class Health(YouTubeClient):
    """``accounts test`` and ``doctor``: the channel, the quota left, the project's audit."""

    def api_origin(self) -> str | None:
        return origin_of(self.settings.base_url)

    def health(self) -> AccountHealth:
        data = self._execute(
            "channels.list", self._service().channels().list(part="snippet", id=self.settings.channel_id)
        )
        items = data.get("items") if isinstance(data, dict) else None
        if not items:
            raise AuthError(
                _("{where}: channel {channel} is not visible to this sign-in.").format(
                    where=self._where, channel=self.settings.channel_id
                ),
                hint=_("Reconnect and choose the channel again: {command}.").format(command=self._reconnect),
            )
        title = str((items[0].get("snippet") or {}).get("title") or self.settings.channel_id)
        now = self.context.clock()
        today = self.quota.today(now)
        return AccountHealth(
            self.account,
            f"{title} (https://www.youtube.com/channel/{self.settings.channel_id})",
            # The keys are also the JSON of `accounts test --json`: marked (N_), never translated here.
            {
                N_("quota left today (estimate)"): _(
                    "{units_left} of {units} units; {uploads_left} of {uploads} uploads"
                ).format(
                    units_left=formats.integer(max(self.settings.daily_quota - today.units, 0)),
                    units=formats.integer(self.settings.daily_quota),
                    uploads_left=max(self.settings.daily_uploads - today.uploads, 0),
                    uploads=self.settings.daily_uploads,
                ),
                N_("quota resets"): _("{time} (midnight Pacific time)").format(time=iso_utc(next_reset(now))),
                N_("uploads ahead"): format_duration(self.settings.upload_ahead),
                N_("project audit"): _audit_text(self.settings.audited),
            },
        )


def _audit_text(audited: bool | str) -> str:
    if audited is True:
        return _("passed")
    if audited is False:
        return _("not passed: YouTube keeps every upload private")
    return _("not confirmed: uploads stay private unless the project passed it (set audited: true once it has)")
