"""``accounts add linkedin``: 3-legged OAuth with a loopback redirect
(:mod:`socialpost.networks.common.oauth_loopback`), then who posts: the member or a page they
administer."""

from __future__ import annotations

import secrets as secrets_module
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from socialpost.errors import AuthError
from socialpost.i18n import _
from socialpost.networks.base import AccountSetup, AdapterContext, SetupUI
from socialpost.networks.common.http import setup_request
from socialpost.networks.common.numbers import as_int
from socialpost.networks.common.oauth_loopback import receive_redirect
from socialpost.networks.linkedin.client import (
    API_VERSIONS,
    EXCERPT,
    HEADERS_REST,
    LinkedInClient,
    json_of,
    version_refused,
)
from socialpost.networks.linkedin.metrics import STATS_CHUNK
from socialpost.networks.linkedin.settings import API_URL, AUTHOR
from socialpost.redaction import redact_values
from socialpost.timeutil import iso_utc

AUTHORIZE_URL = "https://www.linkedin.com/oauth/v2/authorization"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"
DEFAULT_REDIRECT = "http://127.0.0.1:8765/callback"


class Setup(LinkedInClient):
    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        name = account.partition(":")[2]
        where = _("LinkedIn set-up for '{name}'").format(name=name)
        again = f"socialpost accounts add linkedin {name}"
        ui.say(
            _(
                "socialpost posts to LinkedIn through a LinkedIn app of yours. Once: create an app at "
                "https://www.linkedin.com/developers/apps (it must be linked to a company page), add the "
                "products 'Share on LinkedIn' and 'Sign In with LinkedIn using OpenID Connect' (and "
                "'Community Management API' to post as an organization page, read statistics and read and "
                "answer comments with socialpost inbox), and on the Auth tab add the redirect URL {redirect}. "
                "Then copy the Client ID and the Primary Client Secret here. The secret is used once and not "
                "saved; the access token (valid about 60 days) goes to secrets.yaml."
            ).format(redirect=DEFAULT_REDIRECT)
        )
        client_id = ui.ask(_("Client ID")).strip()
        client_secret = ui.ask_secret(_("Client secret")).strip()
        redirect_uri = ui.ask(_("Redirect URL registered in the app"), default=DEFAULT_REDIRECT).strip()
        organization = ui.confirm(
            _("Post as an organization page you administer? (needs the Community Management API product)"),
            default=False,
        )
        scopes = ["openid", "profile", "w_member_social"]
        if organization:
            scopes += ["w_organization_social", "r_organization_social", "rw_organization_admin"]
        elif ui.confirm(
            _(
                "Read your posts' statistics (views, reactions, comments, reposts)? Needs the Community Management "
                "API product on the app (scope r_member_postAnalytics); without it LinkedIn refuses the sign-in."
            ),
            default=False,
        ):
            scopes.append("r_member_postAnalytics")
        version = API_VERSIONS.default(context.clock().date())
        state = secrets_module.token_urlsafe(24)
        authorize = (
            AUTHORIZE_URL
            + "?"
            + urlencode(
                {
                    "response_type": "code",
                    "client_id": client_id,
                    "redirect_uri": redirect_uri,
                    "state": state,
                    "scope": " ".join(scopes),
                },
                quote_via=quote,
            )
        )
        redirect = receive_redirect(ui, authorize, redirect_uri, network="LinkedIn")
        if redirect.error:
            raise AuthError(
                _("{where}: LinkedIn did not grant access ({error}: {description}).").format(
                    where=where, error=redirect.error, description=redirect.error_description or ""
                ),
                hint=_("Check the app's products and redirect URL, then try again."),
            )
        if redirect.state != state:
            raise AuthError(
                _("{where}: the answer does not belong to this sign-in (state mismatch).").format(where=where),
                hint=_("Start again with '{command}' and use the newest link.").format(command=again),
            )
        if not redirect.code:
            raise AuthError(
                _("{where}: the address holds no authorization code.").format(where=where),
                hint=_("Start again with '{command}'.").format(command=again),
            )
        hidden = [client_secret, redirect.code]
        with httpx.Client(timeout=30.0, headers={"User-Agent": "socialpost"}, transport=cls.transport) as client:
            token_response = _setup_send(
                client,
                "POST",
                TOKEN_URL,
                where,
                data={
                    "grant_type": "authorization_code",
                    "code": redirect.code,
                    "client_id": client_id,
                    "client_secret": client_secret,
                    "redirect_uri": redirect_uri,
                },
            )
            token_data = json_of(token_response)
            if not token_response.is_success or not isinstance(token_data, dict) or not token_data.get("access_token"):
                said = _oauth_reason(token_data, token_response, hidden)
                raise AuthError(
                    _("{where}: LinkedIn refused to issue a token ({status}).{said}").format(
                        where=where, status=token_response.status_code, said=said
                    ),
                    hint=_("Check the Client ID, the Client Secret and the redirect URL, then try again."),
                    status=token_response.status_code,
                )
            token = str(token_data["access_token"])
            hidden.append(token)
            expires_in = as_int(token_data.get("expires_in")) or 60 * 86400
            auth = {"Authorization": f"Bearer {token}"}
            me = _setup_send(client, "GET", API_URL + "/v2/userinfo", where, headers=auth)
            me_data = json_of(me)
            if not me.is_success or not isinstance(me_data, dict) or not me_data.get("sub"):
                said = _oauth_reason(me_data, me, hidden)
                raise AuthError(
                    _("{where}: LinkedIn did not say who you are ({status}).{said}").format(
                        where=where, status=me.status_code, said=said
                    ),
                    hint=_("Add the 'Sign In with LinkedIn using OpenID Connect' product to the app and try again."),
                    status=me.status_code,
                )
            person = f"urn:li:person:{me_data['sub']}"
            options = [
                (
                    person,
                    _("{name} (your own profile)").format(name=me_data["name"])
                    if me_data.get("name")
                    else _("you (your own profile)"),
                )
            ]
            if organization:
                options += _administered(client, auth, where, version, context.clock().date())
                if len(options) == 1:
                    ui.say(
                        _(
                            "No organization page you administer was found (or the Community Management API is "
                            "not granted): the account will post as you."
                        )
                    )
        author = options[0][0] if len(options) == 1 else ui.choose(_("Post as"), options)
        expires_at = context.clock() + timedelta(seconds=expires_in)
        return AccountSetup(
            settings={"author": author, "expires_at": iso_utc(expires_at)},
            secrets={"access_token": token},
        )


def _setup_send(client: httpx.Client, method: str, url: str, where: str, **kwargs: Any) -> httpx.Response:
    return setup_request(client, method, url, where=where, network="LinkedIn", **kwargs)


def _oauth_reason(data: Any, response: httpx.Response, secrets: Sequence[str]) -> str:
    if isinstance(data, dict):
        reason = data.get("error_description") or data.get("message") or data.get("error")
        if reason:
            return " " + _("LinkedIn said: {message}").format(
                message=redact_values(" ".join(str(reason).split()), secrets)[:EXCERPT]
            )
    text = redact_values(" ".join(response.text.split()), secrets)[:EXCERPT]
    return " " + _("LinkedIn said: {message}").format(message=text) if text else ""


def _served_send(send: Callable[[str], httpx.Response], version: str, today: date) -> tuple[str, httpx.Response]:
    """``send(version)``, and when LinkedIn refuses that version, the same with the versions
    :data:`API_VERSIONS` offers instead: (the version that answered, its answer)."""
    response = send(version)
    for other in API_VERSIONS.candidates(version, today) if version_refused(response) else ():
        again = send(other)
        if not version_refused(again):
            return other, again
    return version, response


def _administered(
    client: httpx.Client, auth: Mapping[str, str], where: str, version: str, today: date
) -> list[tuple[str, str]]:
    """(URN, label) of the organization pages the member administers; [] when not permitted."""
    version, acls = _served_send(
        lambda v: _setup_send(
            client,
            "GET",
            API_URL + "/rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED",
            where,
            headers={**auth, "LinkedIn-Version": v, **HEADERS_REST},
        ),
        version,
        today,
    )
    headers = {**auth, "LinkedIn-Version": version, **HEADERS_REST}
    data = json_of(acls)
    if not acls.is_success or not isinstance(data, dict):
        return []
    found: list[tuple[str, str]] = []
    for element in data.get("elements", [])[:STATS_CHUNK]:
        urn = element.get("organization") if isinstance(element, dict) else None
        if not isinstance(urn, str) or not AUTHOR.fullmatch(urn):
            continue
        label = urn
        org = _setup_send(
            client, "GET", API_URL + f"/rest/organizations/{urn.rsplit(':', 1)[1]}", where, headers=headers
        )
        org_data = json_of(org)
        if org.is_success and isinstance(org_data, dict) and org_data.get("localizedName"):
            label = f"{org_data['localizedName']} ({urn})"
        found.append((urn, label))
    return found
