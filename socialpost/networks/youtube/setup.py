"""The guided ``accounts add youtube NAME``: the audit explained, the installed-app OAuth flow with a
loopback redirect on 127.0.0.1, and the channel chosen. The refresh token and the client secret go
to secrets.yaml.
"""

from __future__ import annotations

from typing import Any

from socialpost.errors import AuthError, TransientError
from socialpost.i18n import _
from socialpost.networks.base import AccountSetup, AdapterContext, SetupUI
from socialpost.networks.youtube.client import EXCERPT, YouTubeClient, _build, _kind, _raw_http
from socialpost.networks.youtube.settings import API_URL, AUDIT_FORM, AUTH_URL, SCOPES, TOKEN_URL
from socialpost.redaction import redact_values

LOGIN_TIMEOUT = 300  # seconds to wait for the browser's redirect


class Setup(YouTubeClient):
    """``accounts add youtube NAME``: the installed-app OAuth flow with a loopback redirect."""

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        from google_auth_oauthlib.flow import InstalledAppFlow  # type: ignore[import-untyped]

        name = account.partition(":")[2]
        where = _("YouTube set-up for '{name}'").format(name=name)
        ui.say(
            _(
                "socialpost uploads to YouTube through an OAuth client of your own Google Cloud project. Once: "
                "at https://console.cloud.google.com create a project, enable the 'YouTube Data API v3', set up the "
                "OAuth consent screen (add yourself as a test user, or publish the app: tokens of apps in 'Testing' "
                "expire after 7 days), then under Credentials create an 'OAuth client ID' of type 'Desktop app'. "
                "Copy its Client ID and Client secret here. Both, and the refresh token, go to secrets.yaml."
            )
        )
        audited = _ask_audit(ui)
        client_id = ui.ask(_("Client ID")).strip()
        client_secret = ui.ask_secret(_("Client secret")).strip()
        hidden = [client_secret]
        config = {
            "installed": {
                "client_id": client_id,
                "client_secret": client_secret,
                "auth_uri": AUTH_URL,
                "token_uri": TOKEN_URL,
                "redirect_uris": ["http://127.0.0.1"],
            }
        }

        class Flow(InstalledAppFlow):  # type: ignore[misc]
            def authorization_url(self, **kwargs: Any) -> tuple[str, str]:
                url, state = super().authorization_url(**kwargs)
                ui.say(_("Sign in with the Google account that owns the channel and allow access."))
                ui.open_url(url)
                return str(url), str(state)

        flow = Flow.from_client_config(config, scopes=list(SCOPES))
        creds = _run_flow(flow, where, hidden)
        refresh_token = str(getattr(creds, "refresh_token", "") or "")
        if not refresh_token:
            raise AuthError(
                _("{where}: Google gave no refresh token.").format(where=where),
                hint=_(
                    "Remove socialpost's access at https://myaccount.google.com/permissions, then run "
                    "'socialpost accounts add youtube {name}' again."
                ).format(name=name),
            )
        hidden += [refresh_token, str(creds.token or "")]
        import google_auth_httplib2  # type: ignore[import-untyped]

        http = google_auth_httplib2.AuthorizedHttp(creds, http=_raw_http(cls, 60.0))
        try:
            data = _build(http, API_URL).channels().list(part="snippet", mine=True, maxResults=50).execute()
        except Exception as exc:  # noqa: BLE001 - mapped (and redacted) below
            raise AuthError(
                _("{where}: YouTube did not list your channels ({error}).").format(
                    where=where, error=redact_values(_kind(exc), hidden)
                ),
                hint=_(
                    "Check that the YouTube Data API v3 is enabled in the project, then run "
                    "'socialpost accounts add youtube {name}' again."
                ).format(name=name),
            ) from None
        channels = [
            (str(item["id"]), str((item.get("snippet") or {}).get("title") or item["id"]))
            for item in (data.get("items") or [])
            if isinstance(item, dict) and item.get("id")
        ]
        if not channels:
            raise AuthError(
                _("{where}: this Google account has no YouTube channel.").format(where=where),
                hint=_(
                    "Create the channel on youtube.com first (or sign in with the account that has it), then "
                    "run 'socialpost accounts add youtube {name}' again."
                ).format(name=name),
            )
        options = [(cid, f"{title} ({cid})") for cid, title in channels]
        channel_id = channels[0][0] if len(channels) == 1 else ui.choose(_("Upload to which channel"), options)
        title = dict(channels)[channel_id]
        return AccountSetup(
            settings={"client_id": client_id, "channel_id": channel_id, "channel_title": title, "audited": audited},
            secrets={"client_secret": client_secret, "refresh_token": refresh_token},
        )


def _ask_audit(ui: SetupUI) -> bool | str:
    """Explain YouTube's API audit and ask whether the project passed it (the ``audited`` setting)."""
    ui.say(
        _(
            "Before you schedule videos: YouTube keeps every video uploaded through the API from a project "
            "created after 28 July 2020 private ('locked as private') until the project passes YouTube's API "
            "audit, and such a video never goes public at its time. Request the audit with the form at {form} "
            "(Google asks what the app does and how it follows YouTube's terms, and answers in days or weeks). "
            "Until it passes, uploads arrive as private videos you can see in YouTube Studio: test with those, "
            "and upload in YouTube Studio what must go public on time."
        ).format(form=AUDIT_FORM)
    )
    answer = ui.choose(
        _("Has this project passed YouTube's API audit"),
        [
            ("unknown", _("I do not know")),
            ("no", _("No, or not yet")),
            ("yes", _("Yes, Google approved it")),
        ],
    )
    return {"yes": True, "no": False}.get(answer, "unknown")


def _run_flow(flow: Any, where: str, hidden: list[str]) -> Any:
    from google_auth_oauthlib.flow import WSGITimeoutError
    from oauthlib.oauth2.rfc6749.errors import OAuth2Error  # type: ignore[import-untyped]
    from requests import RequestException

    try:
        return flow.run_local_server(
            host="127.0.0.1",
            port=0,
            open_browser=False,
            authorization_prompt_message="",
            success_message=_(
                "socialpost is connected to YouTube. You can close this tab and go back to the terminal."
            ),
            timeout_seconds=LOGIN_TIMEOUT,
            access_type="offline",
            prompt="consent",
        )
    except WSGITimeoutError:
        raise AuthError(
            _("{where}: no answer from the browser within {seconds} s.").format(where=where, seconds=LOGIN_TIMEOUT),
            hint=_("Run the command again and open the address in a browser on this computer."),
        ) from None
    except OAuth2Error as exc:
        said = redact_values(" ".join(f"{exc.error}: {exc.description or ''}".split()), hidden)
        raise AuthError(
            _("{where}: Google did not grant access ({message}).").format(where=where, message=said[:EXCERPT]),
            hint=_("Check the Client ID and secret (an OAuth client of type 'Desktop app'), then try again."),
        ) from None
    except RequestException as exc:
        raise TransientError(
            _("{where}: cannot reach Google ({error}).").format(where=where, error=_kind(exc))
        ) from None
