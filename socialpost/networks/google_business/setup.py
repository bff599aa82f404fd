"""``socialpost accounts add google-business NAME``: from a Google Cloud project to a location.

What socialpost cannot do for the user, it says and stops there: creating the project, enabling
the three APIs, the OAuth consent screen and the desktop OAuth client, and above all Google's
approval: the Business Profile APIs answer every call of a project Google has not approved with
``429 RESOURCE_EXHAUSTED`` (a quota of 0 requests a minute) until the "Application for Basic API
Access" is granted. The set-up explains it first, and when the first call gets that answer it
stops with what the user sees until then.

Then: the installed-app OAuth flow with a loopback redirect on 127.0.0.1 (any port, as Google
allows for desktop clients) and PKCE (:mod:`socialpost.networks.common.oauth_loopback`), the
code traded for a refresh token, the accounts the sign-in manages (Account Management API,
``GET /v1/accounts``) and their locations (Business Information API, ``GET /v1/{account}/
locations?readMask=name,title,storefrontAddress``); the user picks one when there are several.
The client secret and the refresh token go to secrets.yaml.
"""

from __future__ import annotations

import base64
import hashlib
import secrets as secrets_module
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from socialpost.errors import AuthError, PermanentError
from socialpost.i18n import _
from socialpost.networks.base import AccountSetup, AdapterContext, SetupUI
from socialpost.networks.common.http import excerpt, setup_request
from socialpost.networks.common.oauth_loopback import LoopbackReceiver, OAuthRedirect, parse_redirect
from socialpost.networks.google_business.errors import google_error
from socialpost.networks.google_business.settings import (
    ACCESS_FORM,
    ACCOUNTS_URL,
    AUTH_URL,
    INFO_URL,
    SCOPE,
    TOKEN_URL,
)

LOGIN_TIMEOUT = 300.0  # seconds to wait for the browser's redirect
PAGES = 10  # pages of accounts or locations read (100 each)
PASTE_REDIRECT = "http://127.0.0.1:8765/"  # when the browser is elsewhere: nothing listens, the user copies the address


@dataclass(frozen=True)
class SetupHosts:
    """Where the set-up signs in and asks (tests move them to their server)."""

    auth_url: str = AUTH_URL
    token_url: str = TOKEN_URL
    base_url: str | None = None  # one host for the three APIs; None: Google's


def guided(
    ui: SetupUI, *, account: str, context: AdapterContext, hosts: SetupHosts, transport: httpx.BaseTransport | None
) -> AccountSetup:
    name = account.partition(":")[2] or account
    where = _("Google Business Profile set-up for '{name}'").format(name=name)
    again = f"socialpost accounts add google-business {name}"
    ui.say(
        _(
            "socialpost posts to a Google Business Profile through an OAuth client of your own Google Cloud "
            "project. Once: at https://console.cloud.google.com create a project; enable the 'My Business Account "
            "Management API', the 'My Business Business Information API' and the 'Google My Business API'; set up "
            "the OAuth consent screen (publish the app, or add yourself as a test user: tokens of apps in "
            "'Testing' expire after 7 days); then under Credentials create an 'OAuth client ID' of type 'Desktop "
            "app'."
        )
    )
    ui.say(
        _(
            "Google must also approve the project before its API works: send the 'Application for Basic API "
            "Access' at {form} with the project's number (Google asks for a Business Profile verified and active "
            "for 60 days or more, with a website). Until Google says yes, by e-mail and usually within days, its "
            "APIs answer every call with '429 Quota exceeded' (a quota of 0 requests a minute) and nothing can be "
            "posted: this set-up stops there and says so. Run it again once the approval has come."
        ).format(form=ACCESS_FORM)
    )
    client_id = ui.ask(_("Client ID")).strip()
    client_secret = ui.ask_secret(_("Client secret")).strip()
    hidden = [client_secret]
    with httpx.Client(timeout=30.0, headers={"User-Agent": "socialpost"}, transport=transport) as client:
        code, redirect_uri, verifier = _sign_in(ui, hosts, client_id, where, again)
        hidden.append(code)
        token = _send(
            client,
            "POST",
            hosts.token_url,
            where,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": client_id,
                "client_secret": client_secret,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
        )
        data = _json(token)
        if not token.is_success or not data.get("access_token"):
            said = excerpt(f"{data.get('error', '')}: {data.get('error_description', '')}", secrets=hidden)
            raise AuthError(
                _("{where}: Google refused to issue a token ({status}): {message}").format(
                    where=where, status=token.status_code, message=said
                ),
                hint=_("Check the Client ID and secret (an OAuth client of type 'Desktop app'), then try again."),
                status=token.status_code,
            )
        access, refresh = str(data["access_token"]), str(data.get("refresh_token") or "")
        hidden += [access, refresh]
        if not refresh:
            raise AuthError(
                _("{where}: Google gave no refresh token.").format(where=where),
                hint=_(
                    "Remove socialpost's access at https://myaccount.google.com/permissions, then run "
                    "'{command}' again."
                ).format(command=again),
            )
        ask = _Asker(client, hosts, access, where, again, hidden, context)
        accounts = ask.pages("accounts", "v1/accounts", {"pageSize": 20}, "accounts")
        if not accounts:
            raise PermanentError(
                _("{where}: this Google account manages no Business Profile.").format(where=where),
                hint=_("Sign in with an owner or manager of the profile, then run '{command}' again.").format(
                    command=again
                ),
            )
        options = [(str(a["name"]), f"{a.get('accountName') or a['name']} ({a['name']})") for a in accounts]
        account_id = options[0][0] if len(options) == 1 else ui.choose(_("Which Business Profile account"), options)
        locations = ask.pages(
            "info",
            f"v1/{account_id}/locations",
            {"readMask": "name,title,storefrontAddress", "pageSize": 100},
            "locations",
        )
    if not locations:
        raise PermanentError(
            _("{where}: {account} has no location.").format(where=where, account=account_id),
            hint=_("Create or claim the business at https://business.google.com first."),
        )
    labels = [(str(loc["name"]), _label(loc)) for loc in locations]
    location_id = labels[0][0] if len(labels) == 1 else ui.choose(_("Post to which location"), labels)
    title = next(str(loc.get("title") or "") for loc in locations if loc["name"] == location_id)
    ui.say(_("Connected to {title} ({location}).").format(title=title or location_id, location=location_id))
    settings: dict[str, Any] = {
        "client_id": client_id,
        "account_id": account_id,
        "location_id": location_id,
        "location_title": title or None,
    }
    if hosts.base_url:
        settings["base_url"] = hosts.base_url
    if hosts.token_url != TOKEN_URL:
        settings["token_url"] = hosts.token_url
    return AccountSetup(settings=settings, secrets={"client_secret": client_secret, "refresh_token": refresh})


def _label(location: Mapping[str, Any]) -> str:
    address = location.get("storefrontAddress")
    lines = address.get("addressLines") if isinstance(address, dict) else None
    town = address.get("locality") if isinstance(address, dict) else None
    where = ", ".join(str(p) for p in [*(lines or [])[:1], town] if p)
    title = str(location.get("title") or location["name"])
    return f"{title} — {where} ({location['name']})" if where else f"{title} ({location['name']})"


def _sign_in(ui: SetupUI, hosts: SetupHosts, client_id: str, where: str, again: str) -> tuple[str, str, str]:
    """The browser's sign-in: (authorization code, redirect URI, PKCE verifier)."""
    verifier = secrets_module.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets_module.token_urlsafe(24)
    receiver: LoopbackReceiver | None = None
    if ui.confirm(_("Is the web browser on this computer?"), default=True):
        try:
            receiver = LoopbackReceiver("http://127.0.0.1:0/")  # any free port: Google allows it for desktop apps
        except OSError as exc:
            ui.say(_("Cannot listen on 127.0.0.1 ({error}); you will paste the address instead.").format(error=exc))
    redirect_uri = f"http://127.0.0.1:{receiver.port}/" if receiver else PASTE_REDIRECT
    if receiver is None:
        ui.say(
            _(
                "Sign in and allow access; your browser then goes to an address starting with {address} that "
                "shows an error page. Copy that whole address."
            ).format(address=PASTE_REDIRECT)
        )
    query = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": SCOPE,
        "access_type": "offline",
        "prompt": "consent",
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    ui.say(_("Sign in with the Google account that owns or manages the Business Profile and allow access."))
    redirect: OAuthRedirect | None = None
    try:
        ui.open_url(f"{hosts.auth_url}?{urlencode(query)}")
        if receiver is not None:
            redirect = receiver.wait(LOGIN_TIMEOUT)
    finally:
        if receiver is not None:
            receiver.close()
    if redirect is None:
        redirect = parse_redirect(ui.ask(_("Paste the address your browser shows after you allowed access")))
    if redirect.error:
        raise AuthError(
            _("{where}: Google did not grant access ({error}).").format(where=where, error=redirect.error),
            hint=_("Allow access on Google's page, then run '{command}' again.").format(command=again),
        )
    if redirect.state != state or not redirect.code:
        raise AuthError(
            _("{where}: the answer does not belong to this sign-in.").format(where=where),
            hint=_("Start again with '{command}' and use the newest link.").format(command=again),
        )
    return redirect.code, redirect_uri, verifier


class _Asker:
    """The set-up's reads, with Google's errors said in its words (the 0-quota answer above all)."""

    def __init__(
        self,
        client: httpx.Client,
        hosts: SetupHosts,
        token: str,
        where: str,
        again: str,
        hidden: list[str],
        context: AdapterContext,
    ) -> None:
        self.client, self.hosts, self.token, self.where = client, hosts, token, where
        self.again, self.hidden, self.context = again, hidden, context

    def pages(self, api: str, path: str, params: dict[str, Any], key: str) -> list[dict[str, Any]]:
        root = (self.hosts.base_url or {"accounts": ACCOUNTS_URL, "info": INFO_URL}[api]).rstrip("/")
        found: list[dict[str, Any]] = []
        for _page in range(PAGES):
            response = _send(
                self.client, "GET", f"{root}/{path}", self.where, params=params,
                headers={"Authorization": f"Bearer {self.token}"},
            )  # fmt: skip
            if response.is_error:
                raise google_error(
                    response, where=self.where, now=self.context.clock(), secrets=self.hidden, reconnect=self.again
                )
            data = _json(response)
            found += [row for row in data.get(key) or [] if isinstance(row, dict) and row.get("name")]
            if not data.get("nextPageToken"):
                break
            params = {**params, "pageToken": data["nextPageToken"]}
        return found


def _send(client: httpx.Client, method: str, url: str, where: str, **kwargs: Any) -> httpx.Response:
    return setup_request(client, method, url, where=where, network="Google", **kwargs)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


__all__ = ["SetupHosts", "guided"]
