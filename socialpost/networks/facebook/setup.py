"""``accounts add facebook``: a short-lived user token from the Graph API Explorer exchanged for a
long-lived one, then the Page token (which does not expire) of the Page chosen."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from socialpost.errors import AuthError
from socialpost.i18n import _
from socialpost.networks.base import AccountSetup, AdapterContext, SetupUI
from socialpost.networks.common.http import setup_request
from socialpost.networks.common.meta import GRAPH_URL
from socialpost.networks.common.tls import bearer_client
from socialpost.networks.facebook.client import API_VERSIONS, FacebookClient, graph_error, json_of


class Setup(FacebookClient):
    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        ui.say(
            _(
                "socialpost posts to a Facebook Page through a Meta app of yours. Once: create an app at "
                "https://developers.facebook.com/apps (type Business, with the Facebook Login for Business "
                "product); you must have a role on the Page. Then open the Graph API Explorer, pick your "
                "app, add the permissions pages_manage_posts, pages_read_engagement, pages_show_list "
                "(and read_insights for views and clicks; pages_read_user_content and pages_manage_engagement "
                "to read and answer comments with socialpost inbox), and press Generate Access Token. "
                "socialpost exchanges that short-lived token for a Page token that does not expire, and keeps "
                "only the Page token (in secrets.yaml). The app secret is used once and not saved."
            )
        )
        ui.open_url("https://developers.facebook.com/tools/explorer/")
        app_id = ui.ask(_("App ID")).strip()
        app_secret = ui.ask_secret(_("App secret")).strip()
        short_token = ui.ask_secret(_("User access token from the Graph API Explorer")).strip()
        secrets = [app_secret, short_token]
        name = account.partition(":")[2]
        where = _("Facebook set-up for '{name}'").format(name=name)
        again = _("generate a new token in the Graph API Explorer and run '{command}' again").format(
            command=f"socialpost accounts add facebook {name}"
        )
        version = API_VERSIONS.default(context.clock().date())
        with bearer_client(GRAPH_URL, 30.0, None, cls.transport) as client:
            exchanged = _setup_call(
                client,
                "POST",
                f"/{version}/oauth/access_token",
                where,
                secrets,
                again,
                data={
                    "grant_type": "fb_exchange_token",
                    "client_id": app_id,
                    "client_secret": app_secret,
                    "fb_exchange_token": short_token,
                },
            )
            long_token = str(exchanged.get("access_token") or "")
            if not long_token:
                raise AuthError(_("{where}: Facebook did not return a long-lived token.").format(where=where))
            secrets.append(long_token)
            pages = _setup_call(
                client,
                "GET",
                f"/{version}/me/accounts",
                where,
                secrets,
                again,
                params={"fields": "id,name,access_token,tasks", "limit": "100"},
                headers={"Authorization": f"Bearer {long_token}"},
            )
        choices = [p for p in pages.get("data", []) if isinstance(p, dict) and p.get("id") and p.get("access_token")]
        if not choices:
            raise AuthError(
                _("{where}: this Facebook user manages no Page this app can post to.").format(where=where),
                hint=_(
                    "Give the user a role on the Page, grant pages_show_list and pages_manage_posts "
                    "in the Graph API Explorer, and try again."
                ),
            )
        if len(choices) == 1:
            chosen = choices[0]
            ui.say(_("Using the Page {name} ({id}).").format(name=chosen.get("name"), id=chosen["id"]))
        else:
            picked = ui.choose(_("Which Page?"), [(str(p["id"]), f"{p.get('name', '?')} ({p['id']})") for p in choices])
            chosen = next(p for p in choices if str(p["id"]) == picked)
        tasks = chosen.get("tasks")
        if isinstance(tasks, list) and "CREATE_CONTENT" not in tasks:
            ui.say(_("Warning: your role on this Page does not allow creating content (task CREATE_CONTENT)."))
        return AccountSetup(
            settings={"page_id": str(chosen["id"])},
            secrets={"page_access_token": str(chosen["access_token"])},
        )


def _setup_call(
    client: httpx.Client, method: str, path: str, where: str, secrets: list[str], reconnect: str, **kwargs: Any
) -> Any:
    response = setup_request(client, method, path, where=where, network="Facebook", **kwargs)
    data = json_of(response)
    if response.is_success and isinstance(data, dict) and "error" not in data:
        return data
    raise graph_error(
        response.status_code,
        data,
        response.headers,
        where=where,
        now=datetime.now(UTC),
        secrets=secrets,
        request_sent=False,
        text=response.text,
        reconnect=reconnect,
    )
