"""``accounts test`` and ``doctor`` for a Page: its name, what ``debug_token`` says of the token
(expiry, type, permissions granted) and the Graph version in use."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from socialpost.networks.common.numbers import as_int
from socialpost.networks.facebook.client import PUBLISH_PERMISSIONS, FacebookClient, graph_error
from socialpost.networks.health import AccountHealth, HealthWarning, origin_of


class Health(FacebookClient):
    def api_origin(self) -> str | None:
        return origin_of(self.settings.base_url)

    def health(self) -> AccountHealth:
        token = self.settings.page_access_token.get_secret_value()
        # one batch: the token to inspect travels in the body, never in a URL
        (page_status, page), (debug_status, debug) = self._batch(
            [
                {"method": "GET", "relative_url": f"{self.settings.page_id}?fields=id,name"},
                {"method": "GET", "relative_url": f"debug_token?input_token={token}"},
            ]
        )
        if page_status != 200 or not isinstance(page, dict) or "error" in page:
            raise graph_error(
                page_status or 502,
                page,
                {},
                where=self._where,
                now=self.context.clock(),
                secrets=self._secrets(),
                request_sent=False,
                text="",
                reconnect=self._reconnect,
            )
        details = {"page id": self.settings.page_id}
        info = debug.get("data") if debug_status == 200 and isinstance(debug, dict) else None
        if not isinstance(info, dict):
            details["token expires"] = "unknown (Facebook did not let this token inspect itself)"
            return AccountHealth(
                self.account,
                str(page.get("name") or self.settings.page_id),
                details,
                api_version=self._version_status(),
            )
        details.update(_token_details(info))
        expires = as_int(info.get("expires_at"))
        scopes = info.get("scopes")
        missing = [p for p in PUBLISH_PERMISSIONS if p not in scopes] if isinstance(scopes, list) else []
        warning = details.get("warning")
        return AccountHealth(
            self.account,
            str(page.get("name") or self.settings.page_id),
            details,
            expires_at=datetime.fromtimestamp(expires, UTC) if expires else None,
            missing_permissions=tuple(missing),
            warnings=(HealthWarning(warning, "Run 'socialpost accounts add facebook' again."),) if warning else (),
            api_version=self._version_status(),
        )


def _token_details(info: Mapping[str, Any]) -> dict[str, str]:
    details: dict[str, str] = {}
    expires = as_int(info.get("expires_at"))
    details["token expires"] = "never" if expires == 0 else (_date(expires) if expires else "unknown")
    data_access = as_int(info.get("data_access_expires_at"))
    if data_access:
        details["data access expires"] = _date(data_access)
    kind = info.get("type")
    if kind and kind != "PAGE":
        details["warning"] = f"this is a {kind} token, not a Page token; run 'socialpost accounts add facebook' again"
    scopes = info.get("scopes")
    if isinstance(scopes, list):
        missing = [p for p in PUBLISH_PERMISSIONS if p not in scopes]
        if missing:
            details["missing permissions"] = ", ".join(missing)
        details["insights"] = "yes" if "read_insights" in scopes else "no (read_insights not granted)"
    if info.get("is_valid") is False:
        details["warning"] = "Facebook says this token is not valid; run 'socialpost accounts add facebook' again"
    return details


def _date(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")
