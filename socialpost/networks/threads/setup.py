"""``socialpost accounts add threads NAME``: from nothing to a working Threads account.

Threads posts through a Meta app of the user's own with the "Access the Threads API" use case.
While the app is in development mode it works for the people it lists as Threads testers — the
user's own profile is enough for socialpost; posting for anyone else needs Meta's App Review
(advanced access), where the set-up stops and says so. The token comes either from the app
dashboard's User Token Generator (long-lived: 60 days from when it is made) or as a short-lived
token, exchanged here with the app secret (``GET /access_token?grant_type=th_exchange_token``,
developers.facebook.com/docs/threads/get-started/long-lived-tokens); the secret is used once and
not saved. The token is checked (``GET /me``) before anything is written.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from socialpost.errors import AuthError
from socialpost.i18n import _
from socialpost.networks.base import AccountSetup, AdapterContext, SetupUI
from socialpost.networks.common.containers import graph_errors
from socialpost.networks.common.http import classify, transport_error
from socialpost.networks.threads.settings import API_VERSION
from socialpost.redaction import register
from socialpost.timeutil import iso_utc

LIFETIME = timedelta(days=60)
APPS = "https://developers.facebook.com/apps"


def setup(
    ui: SetupUI,
    *,
    account: str,
    context: AdapterContext,
    api_base: str,
    transport: httpx.BaseTransport | None = None,
) -> AccountSetup:
    name = account.partition(":")[2]
    where = _("Threads set-up for '{name}'").format(name=name)
    ui.say(
        _(
            "socialpost posts to Threads through a Meta app of yours. Once: create an app at {apps} with the "
            "use case 'Access the Threads API', and add the permissions threads_basic and threads_content_publish "
            "(threads_manage_insights for metrics; threads_read_replies and threads_manage_replies for "
            "socialpost inbox and reply). Under App roles, add your Threads profile as a Threads tester and "
            "accept the invitation in the Threads app (Settings, Account, Website permissions)."
        ).format(apps=APPS)
    )
    ui.say(
        _(
            "Stop here if the profile is not yours: while the app is in development mode it can post only "
            "for its Threads testers; posting for other people needs Meta's App Review (advanced access), "
            "which socialpost cannot do for you."
        )
    )
    ui.open_url(APPS)
    how = ui.choose(
        _("Which token do you have?"),
        [
            ("generator", _("a token from the User Token Generator in the app's Threads settings (long-lived)")),
            ("short", _("a short-lived token from my own sign-in (socialpost exchanges it; needs the app secret)")),
        ],
    )
    token = ui.ask_secret(_("Threads access token")).strip()
    secrets = [token]
    register(token)
    now = context.clock()
    expires = now + LIFETIME
    with httpx.Client(base_url=api_base, timeout=30.0, follow_redirects=False, transport=transport) as client:
        if how == "short":
            app_secret = ui.ask_secret(_("App secret")).strip()
            secrets.append(app_secret)
            register(app_secret)
            params = {"grant_type": "th_exchange_token", "client_secret": app_secret, "access_token": token}
            answer = _call(client, "/access_token", params, where=where, secrets=secrets, context=context)
            token = str(answer.get("access_token") or "")
            seconds = answer.get("expires_in")
            if not token:
                raise AuthError(_("{where}: Threads did not return a long-lived token.").format(where=where))
            secrets.append(token)
            register(token)
            if isinstance(seconds, int) and seconds > 0:
                expires = now + timedelta(seconds=seconds)
        me = _call(
            client,
            f"/{API_VERSION}/me",
            {"fields": "id,username"},
            where=where,
            secrets=secrets,
            context=context,
            token=token,
        )
    user_id = str(me.get("id") or "")
    if not user_id.isdigit():
        raise AuthError(_("{where}: Threads did not say which profile the token belongs to.").format(where=where))
    ui.say(_("Connected as @{username}.").format(username=me.get("username") or user_id))
    return AccountSetup(
        settings={"user_id": user_id, "token_expires_at": iso_utc(expires)},
        secrets={"access_token": token},
    )


def _call(
    client: httpx.Client,
    path: str,
    params: dict[str, str],
    *,
    where: str,
    secrets: list[str],
    context: AdapterContext,
    token: str = "",
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = client.get(path, params=params, headers=headers)
    except httpx.HTTPError as exc:
        raise transport_error(exc, where=where, timeout=30.0) from None
    if response.is_success:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            return body
    special = graph_errors(network="Threads", where=where, clock=context.clock, secrets=secrets)
    raise classify(response, network="threads", account=where, secrets=secrets, where=where, special=special)
