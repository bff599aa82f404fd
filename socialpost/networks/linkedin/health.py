"""``accounts test`` and ``doctor`` for LinkedIn: who the token belongs to, its expiry, whether the
member's statistics can be read, and the ``LinkedIn-Version`` in use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from socialpost.networks.health import AccountHealth, HealthWarning, origin_of
from socialpost.networks.linkedin.client import LinkedInClient, json_of, version_refused

TOKEN_WARNING = timedelta(days=14)


class Health(LinkedInClient):
    def token_expiry(self) -> datetime | None:
        return self.settings.expires_at

    def api_origin(self) -> str | None:
        return origin_of(self.settings.base_url)

    def health(self) -> AccountHealth:
        details = {"author": self.settings.author}
        warnings: list[HealthWarning] = []
        if self.settings.is_organization:
            data = json_of(
                self._call("GET", f"/rest/organizations/{self.settings.author_id}", headers=self._rest_headers())
            )
            display = str(data.get("localizedName") or self.settings.author) if isinstance(data, dict) else ""
        else:
            data = json_of(self._call("GET", "/v2/userinfo"))
            display = str(data.get("name") or self.settings.author) if isinstance(data, dict) else ""
            sub = data.get("sub") if isinstance(data, dict) else None
            if sub and str(sub) != self.settings.author_id:
                details["warning"] = (
                    f"the token belongs to urn:li:person:{sub}, not to the configured author; "
                    f"run '{self._reconnect}' again"
                )
                warnings.append(HealthWarning(details["warning"], f"Run '{self._reconnect}' again."))
            details["post statistics"] = self._statistics_granted()
        now = self.context.clock()
        if self.settings.expires_at is not None:
            expires = self.settings.expires_at
            expires = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
            left = expires - now
            if left <= timedelta(0):
                details["token expires"] = f"{expires:%Y-%m-%d} (expired: run '{self._reconnect}' again)"
            elif left < TOKEN_WARNING:
                details["token expires"] = (
                    f"{expires:%Y-%m-%d} (in {left.days} days: run '{self._reconnect}' again soon)"
                )
            else:
                details["token expires"] = f"{expires:%Y-%m-%d} (in {left.days} days)"
        else:
            details["token expires"] = "unknown (LinkedIn tokens last about 60 days)"
        return AccountHealth(
            self.account,
            display or self.settings.author,
            details,
            expires_at=self.settings.expires_at,
            warnings=tuple(warnings),
            api_version=self._versions.status(),
        )

    def _statistics_granted(self) -> str:
        """Whether the member's posts' statistics can be read (``r_member_postAnalytics``), asked with
        one versioned call, which also settles the LinkedIn-Version in use."""
        query = "q=me&queryType=IMPRESSION&aggregation=TOTAL"
        response = self._send("GET", f"/rest/memberCreatorPostAnalytics?{query}", headers=self._rest_headers())
        if response.is_success:
            return "yes"
        if response.status_code == 403:
            return f"no (the token lacks r_member_postAnalytics; see '{self._reconnect}')"
        if response.status_code == 401 or version_refused(response):
            raise self._error(response)
        return f"unknown (LinkedIn answered {response.status_code})"
