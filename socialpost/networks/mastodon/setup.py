"""Guided set-up (`socialpost accounts add mastodon NAME`): log in on the instance, or paste a token."""

from __future__ import annotations

from typing import Any

from socialpost.errors import AuthError, ConfigError
from socialpost.i18n import _
from socialpost.networks.base import AccountSetup, SetupUI
from socialpost.networks.mastodon.client import MESSAGE_CHARS, USER_AGENT, _api_error
from socialpost.networks.mastodon.settings import normalise_instance_url

OOB = "urn:ietf:wg:oauth:2.0:oob"  # the instance shows the authorization code instead of redirecting
SCOPES = ["read", "write"]
APP_NAME = "socialpost"
APP_WEBSITE = "https://github.com/socialpost/socialpost"


def guided_setup(ui: SetupUI) -> AccountSetup:
    """The settings and secrets of a new account, asked through ``ui``."""
    ui.say(
        _(
            "socialpost posts to your Mastodon account through your instance's API. You need the "
            "address of your instance (the server your account lives on, e.g. https://mastodon.social)."
        )
    )
    while True:
        try:
            url = normalise_instance_url(ui.ask(_("Instance address")))
            break
        except ValueError as exc:
            ui.say(_("That does not work: {reason}.").format(reason=exc))
    how = ui.choose(
        _("How do you want to connect?"),
        [
            ("login", _("Log in on the instance in your browser and paste the code it shows (recommended)")),
            ("token", _("Paste an access token you created under Preferences → Development")),
        ],
    )
    secrets = _login(ui, url) if how == "login" else _paste_token(ui, url)
    visibility = ui.choose(
        _("Who should see the posts?"),
        [
            ("public", _("Everyone (public)")),
            ("unlisted", _("Everyone, but not in public timelines or trends (unlisted)")),
            ("private", _("Followers only")),
        ],
    )
    language = ui.ask(_("Language of the posts as an ISO code (en, fr, …); empty lets Mastodon guess"), default="")
    settings: dict[str, Any] = {"api_base_url": url, "visibility": visibility}
    if language.strip():
        settings["language"] = language.strip().lower()
    return AccountSetup(settings=settings, secrets=secrets)


def _login(ui: SetupUI, url: str) -> dict[str, str]:
    """Register socialpost as an app on the instance, then the authorization-code flow."""
    from mastodon import Mastodon
    from mastodon.errors import MastodonError

    allow_http = url.startswith("http://")  # only ever a loopback address (normalise_instance_url)
    try:
        client_id, client_secret = Mastodon.create_app(
            APP_NAME,
            scopes=SCOPES,
            redirect_uris=OOB,
            website=APP_WEBSITE,
            api_base_url=url,
            request_timeout=60,
            user_agent=USER_AGENT,
        )
    except (MastodonError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            _("{url} did not let socialpost register itself as an app ({reason}).").format(
                url=url, reason=_setup_reason(exc)
            ),
            hint=_("Check the address, or connect with an access token instead (choice 2)."),
        ) from None
    api = Mastodon(
        client_id=client_id,
        client_secret=client_secret,
        api_base_url=url,
        ratelimit_method="throw",
        version_check_mode="none",
        request_timeout=60,
        user_agent=USER_AGENT,
    )
    try:
        authorize = api.auth_request_url(redirect_uris=OOB, scopes=SCOPES, allow_http=allow_http)
    except MastodonError as exc:
        raise ConfigError(
            _("{url} gave no usable login address ({reason}).").format(url=url, reason=_setup_reason(exc))
        ) from None
    ui.say(
        _(
            "Open the address below, log in if asked, and press Authorize. The instance then shows an "
            "authorization code: copy it."
        )
    )
    ui.open_url(authorize)
    code = ui.ask_secret(_("Authorization code")).strip()
    try:
        token = api.log_in(code=code, redirect_uri=OOB, scopes=SCOPES, allow_http=allow_http)
    except MastodonError:
        raise AuthError(
            _("{url} did not accept that authorization code.").format(url=url),
            hint=_("Codes work once and expire quickly: run socialpost accounts add again and paste the new code."),
        ) from None
    finally:
        api.session.close()
    return {"access_token": token, "client_id": client_id, "client_secret": client_secret}


def _paste_token(ui: SetupUI, url: str) -> dict[str, str]:
    ui.say(
        _(
            "On {url}, open Preferences → Development → New application. Name it socialpost, keep the "
            "scopes read and write (at least read:accounts, read:statuses, write:statuses and write:media), "
            "save, open the application and copy 'Your access token'."
        ).format(url=url)
    )
    token = ui.ask_secret(_("Access token")).strip()
    if not token:
        raise ConfigError(_("no access token was given."), hint=_("Run socialpost accounts add again and paste it."))
    return {"access_token": token}


def _setup_reason(exc: Exception) -> str:
    from mastodon.errors import MastodonAPIError, MastodonNetworkError

    if isinstance(exc, MastodonNetworkError):
        return _("it could not be reached")
    if isinstance(exc, MastodonAPIError):
        status, message = _api_error(exc)
        text = " ".join((message or "").split())[:MESSAGE_CHARS]
        if status and text:
            return f"{status}: {text}"
        return _("error {status}").format(status=status) if status else _("unreadable answer")
    return _("it answered in a way socialpost did not expect; is this a Mastodon instance?")
