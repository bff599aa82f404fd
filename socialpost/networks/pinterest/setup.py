"""``socialpost accounts add pinterest NAME``: from nothing to a working Pinterest account.

Pinterest posts through an app of the user's own (developers.pinterest.com/apps). Pinterest reviews
every new app before it may call the API, and then grants *Trial* access: pins made with it are
sandbox pins, visible only to their creator, made through ``api-sandbox.pinterest.com`` with a
sandbox token generated on the app's page. Pins everybody sees need *Standard* access, which
Pinterest grants on request (a demo video of the app). The set-up asks which the app has: with none
it stops and says what to do; with Trial it takes the sandbox token; with Standard it signs in
with OAuth (a loopback redirect, :mod:`socialpost.networks.common.oauth_loopback`), exchanges the
code (``POST /v5/oauth/token``, the app's id and secret as HTTP Basic credentials) and keeps the
refresh token and the app's secret so the 30-day access token is renewed by itself. The account is
checked (``GET /v5/user_account``) before anything is written.
"""

from __future__ import annotations

import base64
import secrets as secrets_module
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from socialpost.errors import AuthError, ConfigError
from socialpost.i18n import _
from socialpost.networks.base import AccountSetup, AdapterContext, SetupUI
from socialpost.networks.common.http import transport_error
from socialpost.networks.common.oauth_loopback import receive_redirect
from socialpost.networks.pinterest.client import json_of, pinterest_error, token_answer
from socialpost.networks.pinterest.settings import API_BASE, SANDBOX_BASE
from socialpost.redaction import REGISTRY, pair_forms, register
from socialpost.timeutil import iso_utc

APPS = "https://developers.pinterest.com/apps/"
SCOPES = "boards:read,pins:read,pins:write,user_accounts:read"
DEFAULT_REDIRECT = "http://127.0.0.1:8085/"


def setup(ui: SetupUI, *, account: str, context: AdapterContext, api_base: str, authorize: str) -> AccountSetup:
    name = account.partition(":")[2]
    where = _("Pinterest set-up for '{name}'").format(name=name)
    ui.say(
        _(
            "socialpost posts to Pinterest through an app of yours. Once: at {apps}, connect an app "
            "(Pinterest reviews it before it may use the API) and add the redirect URI {redirect}. "
            "Pinterest then grants Trial access: pins made with it are visible only to you (sandbox). "
            "For pins everybody sees, ask for Standard access with the Upgrade button on the app's card."
        ).format(apps=APPS, redirect=DEFAULT_REDIRECT)
    )
    ui.open_url(APPS)
    tier = ui.choose(
        _("What access has Pinterest granted your app?"),
        [
            ("none", _("none yet: the app is waiting for Pinterest's review")),
            ("trial", _("Trial access: pins visible only to me, through the sandbox")),
            ("standard", _("Standard access: pins everybody sees")),
        ],
    )
    if tier == "none":
        raise ConfigError(
            _("{where}: Pinterest has not approved the app yet; socialpost cannot post before it does.").format(
                where=where
            ),
            hint=_(
                "Wait for Pinterest's e-mail about the app's review, then run socialpost accounts add pinterest "
                "{name} again."
            ).format(name=name),
        )
    if tier == "trial":
        base = SANDBOX_BASE if api_base == API_BASE else api_base
        return _trial(
            ui, where=where, api_base=base, now=context.clock(), again=f"socialpost accounts add pinterest {name}"
        )
    return _standard(ui, where=where, name=name, context=context, api_base=api_base, authorize=authorize)


def _trial(ui: SetupUI, *, where: str, api_base: str, now: datetime, again: str) -> AccountSetup:
    ui.say(
        _(
            "On the app's page, generate a sandbox token (it is tied to your own Pinterest account). "
            "Pins socialpost makes with it are in the sandbox: only you see them, on your profile."
        )
    )
    token = ui.ask_secret(_("Sandbox token")).strip()
    register(token)
    with httpx.Client(base_url=api_base, timeout=30.0, follow_redirects=False) as client:
        me = _user(client, token, where=where, secrets=[token], now=now, again=again)
    ui.say(_("Connected as {username} (Trial access: sandbox).").format(username=me.get("username") or "?"))
    settings: dict[str, Any] = {"sandbox": True}
    if api_base != SANDBOX_BASE:
        settings["api_base"] = api_base
    return AccountSetup(settings=settings, secrets={"access_token": token})


def _standard(
    ui: SetupUI, *, where: str, name: str, context: AdapterContext, api_base: str, authorize: str
) -> AccountSetup:
    client_id = ui.ask(_("App id")).strip()
    client_secret = ui.ask_secret(_("App secret key")).strip()
    if not client_id.isdigit():
        raise ConfigError(
            _("{where}: '{value}' is not an app id (digits).").format(where=where, value=client_id),
            hint=_("Copy the App id from the app's page at {apps}.").format(apps=APPS),
        )
    register(client_secret)
    REGISTRY.add_forms(pair_forms(client_id, client_secret))
    redirect_uri = ui.ask(_("Redirect URI registered in the app"), default=DEFAULT_REDIRECT).strip()
    state = secrets_module.token_urlsafe(24)
    query = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": SCOPES,
        "state": state,
    }
    redirect = receive_redirect(
        ui, authorize + "?" + urlencode(query, quote_via=quote), redirect_uri, network="Pinterest"
    )
    again = f"socialpost accounts add pinterest {name}"
    if redirect.error:
        raise AuthError(
            _("{where}: Pinterest did not grant access ({error}).").format(where=where, error=redirect.error),
            hint=_("Check the app's redirect URI, then try again: {command}").format(command=again),
        )
    if redirect.state != state or not redirect.code:
        raise AuthError(
            _("{where}: the address is not the answer to this sign-in.").format(where=where),
            hint=_("Start again with '{command}' and use the newest link.").format(command=again),
        )
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    hidden = [client_secret, redirect.code, basic]
    now = context.clock()
    with httpx.Client(base_url=api_base, timeout=30.0, follow_redirects=False) as client:
        try:
            response = client.post(
                "/v5/oauth/token",
                data={
                    "grant_type": "authorization_code",
                    "code": redirect.code,
                    "redirect_uri": redirect_uri,
                    "continuous_refresh": "true",
                },
                headers={"Authorization": f"Basic {basic}"},
            )
        except httpx.HTTPError as exc:
            raise transport_error(exc, where=where, timeout=30.0) from None
        data = json_of(response)
        if not response.is_success or not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
            raise pinterest_error(response, where=where, now=now, secrets=hidden, reconnect=again, publishing=False)
        tokens = token_answer(data, now)
        register(tokens.access, tokens.refresh)
        me = _user(client, tokens.access, where=where, secrets=[*hidden, tokens.access], now=now, again=again)
    if tokens.refresh is None:
        raise AuthError(
            _("{where}: Pinterest gave no refresh token, so the access could not be renewed.").format(where=where),
            hint=_("Try again: {command}").format(command=again),
        )
    ui.say(_("Connected as {username}.").format(username=me.get("username") or "?"))
    settings: dict[str, Any] = {"client_id": client_id}
    if tokens.expires_at is not None:
        settings["token_expires_at"] = iso_utc(tokens.expires_at)
    if api_base != API_BASE:
        settings["api_base"] = api_base
    return AccountSetup(
        settings=settings,
        secrets={"access_token": tokens.access, "refresh_token": tokens.refresh, "client_secret": client_secret},
    )


def _user(
    client: httpx.Client, token: str, *, where: str, secrets: list[str], now: datetime, again: str
) -> dict[str, Any]:
    try:
        response = client.get("/v5/user_account", headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        raise transport_error(exc, where=where, timeout=30.0) from None
    data = json_of(response)
    if response.is_success and isinstance(data, dict):
        return data
    raise pinterest_error(response, where=where, now=now, secrets=secrets, reconnect=again, publishing=False)
