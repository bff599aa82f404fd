"""``socialpost accounts add instagram NAME``: from a Meta app to a working account.

What socialpost cannot do for the user, it says and stops there: creating the Meta app, adding the
Instagram account as a tester, generating the token in the app's dashboard, and Meta's App Review
(needed before accounts of people without a role on the app can be connected).

Instagram Login: the token the dashboard generates is long-lived (60 days); socialpost reads the
account behind it (``GET /me?fields=user_id,username,account_type``), checks that it is a
professional account and that the token may publish (``content_publishing_limit``), and saves the
user id and the expiry in config.yaml and the token in secrets.yaml. Facebook Login for Business:
a Page access token; the Instagram account linked to the Page is read from
``GET /me?fields=instagram_business_account{id,username}``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import SecretStr

from socialpost.errors import AuthError, NetworkError, PermanentError
from socialpost.i18n import _
from socialpost.networks.base import AccountSetup, AdapterContext, SetupUI
from socialpost.networks.common.containers import graph_errors
from socialpost.networks.common.http import classify, transport_error
from socialpost.networks.common.tls import bearer_client
from socialpost.networks.instagram.settings import API_VERSIONS, HOSTS

TOKEN_LIFETIME = timedelta(days=60)  # a long-lived Instagram Login token
PROFESSIONAL = {"BUSINESS", "MEDIA_CREATOR", "CREATOR"}


def guided(
    ui: SetupUI, *, account: str, context: AdapterContext, hosts: dict[str, str], transport: Any = None
) -> AccountSetup:
    name = account.partition(":")[2] or account
    ui.say(
        _(
            "socialpost publishes to an Instagram professional account (Business or Creator) through a Meta "
            "app of yours. Once: create an app at https://developers.facebook.com/apps (type Business), add "
            "the Instagram product and open 'API setup with Instagram business login'; add your Instagram "
            "account as an Instagram tester (accept the invitation in Instagram) and generate an access token "
            "with instagram_business_basic and instagram_business_content_publish (and "
            "instagram_business_manage_comments for the inbox and first comments, "
            "instagram_business_manage_insights for views). "
            "Until Meta's App Review grants Advanced Access, only accounts with a role on the app can be "
            "connected: socialpost cannot do that step for you."
        )
    )
    login = ui.choose(
        _("How does the account sign in?"),
        [
            ("instagram", _("Instagram Login (a token from the app's dashboard)")),
            ("facebook", _("Facebook Login for Business (the account is linked to a Page; a Page token)")),
        ],
    )
    if login == "instagram":
        ui.open_url("https://developers.facebook.com/apps")
    token = ui.ask_secret(
        _("Access token") if login == "instagram" else _("Page access token (see docs/networks/facebook.md)")
    ).strip()
    where = _("Instagram set-up for '{name}'").format(name=name)
    again = f"socialpost accounts add instagram {name}"
    version = API_VERSIONS.default(context.clock().date())
    with bearer_client(hosts[login], 30.0, SecretStr(token), transport) as client:

        def call(path: str, params: dict[str, str]) -> dict[str, Any]:
            try:
                response = client.get(f"/{version}/{path}", params=params)
            except Exception as exc:  # noqa: BLE001 - httpx's transport errors, said plainly
                raise transport_error(exc, where=where) from None
            if response.is_error or response.is_redirect:
                special = graph_errors(
                    network="Instagram", where=where, clock=context.clock, secrets=[token], reconnect=again
                )
                raise classify(response, network="instagram", account=name, secrets=[token], where=where,
                               special=special)  # fmt: skip
            body = response.json()
            return body if isinstance(body, dict) else {}

        if login == "instagram":
            me = call("me", {"fields": "user_id,username,account_type"})
            user_id, username = str(me.get("user_id") or me.get("id") or ""), str(me.get("username") or "")
            kind = str(me.get("account_type") or "")
            if kind and kind.upper() not in PROFESSIONAL:
                raise PermanentError(
                    _("{where}: @{username} is a personal account; Instagram publishes only to professional ones.")
                    .format(where=where, username=username),
                    hint=_("Switch it to a Business or Creator account in Instagram's settings, then try again."),
                )  # fmt: skip
        else:
            me = call("me", {"fields": "id,name,instagram_business_account{id,username}"})
            linked = me.get("instagram_business_account")
            if not isinstance(linked, dict) or not linked.get("id"):
                raise PermanentError(
                    _("{where}: the Page {page} has no Instagram professional account linked.").format(
                        where=where, page=me.get("name") or me.get("id") or "?"
                    ),
                    hint=_("Link the Instagram account in the Page's settings (Linked accounts), then try again."),
                )
            user_id, username = str(linked["id"]), str(linked.get("username") or "")
        if not user_id.isdigit():
            raise AuthError(_("{where}: Instagram did not say which account the token is for.").format(where=where))
        try:
            call(f"{user_id}/content_publishing_limit", {"fields": "quota_usage,config"})
        except AuthError as exc:
            raise AuthError(
                _("{where}: the token may not publish ({reason}).").format(where=where, reason=exc.message),
                hint=_(
                    "Generate it again with instagram_business_content_publish (Facebook Login: "
                    "instagram_content_publish) and run '{command}' again."
                ).format(command=again),
            ) from None
        except NetworkError:
            pass  # the quota is checked before each post anyway
    ui.say(_("Connected to @{username} ({id}).").format(username=username, id=user_id))
    settings: dict[str, Any] = {"user_id": user_id}
    if login == "instagram":
        expires = context.clock() + TOKEN_LIFETIME
        settings["token_expires_at"] = expires.replace(microsecond=0).isoformat()
        ui.say(
            _("The token works until {date}; generate a new one in the app's dashboard before then.").format(
                date=expires.date().isoformat()
            )
        )
    else:
        settings["login"] = "facebook"
    return AccountSetup(settings=settings, secrets={"access_token": token})


__all__ = ["HOSTS", "guided"]
