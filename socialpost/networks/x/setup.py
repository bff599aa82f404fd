"""The guided set-up of an X account (``accounts add x NAME``): OAuth 1.0a with a PIN or pasted
tokens, or OAuth 2.0 with PKCE through the browser."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import requests

from socialpost.errors import AuthError, TransientError
from socialpost.i18n import N_, _
from socialpost.networks.base import AccountSetup, AdapterContext, SetupUI
from socialpost.networks.capabilities import GuidedSetup
from socialpost.networks.x.client import TOKEN_PATH, _Transport
from socialpost.networks.x.errors import PORTAL
from socialpost.networks.x.media import API_HOST
from socialpost.networks.x.redaction import _REDACTOR
from socialpost.networks.x.settings import DEFAULT_BASE_URL

SCOPES = ["tweet.read", "tweet.write", "users.read", "offline.access", "media.write"]
DEFAULT_REDIRECT = "http://127.0.0.1:8080/callback"


class Setup(GuidedSetup):
    """``setup``: asks, signs in, and returns the settings and secrets to save."""

    # Where `accounts add` sends the OAuth requests (tests point it at a local fake).
    setup_base_url: ClassVar[str] = DEFAULT_BASE_URL

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        ui.say(
            _(
                "To post on X, socialpost needs an app in the X developer portal "
                "({portal}): create a Project and an App in it, open the App's 'User authentication settings', "
                "set App permissions to 'Read and write' (socialpost cannot post otherwise), and enter a callback "
                "URL such as {callback}. X bills API use (posts and reads) — see your developer console."
            ).format(portal=PORTAL, callback=DEFAULT_REDIRECT)
        )
        how = ui.choose(
            _("How do you want to connect"),
            [
                ("pin", _("Sign in with a PIN (OAuth 1.0a): needs the app's API Key and Secret")),
                ("oauth2", _("Sign in through the browser (OAuth 2.0): needs the app's Client ID")),
                (
                    "tokens",
                    _("Paste an Access Token and Secret generated in the portal (the app owner's own account)"),
                ),
            ],
        )
        setup = cls._setup_oauth2(ui) if how == "oauth2" else cls._setup_oauth1(ui, pin=how == "pin")
        if cls.setup_base_url != DEFAULT_BASE_URL:
            setup.settings["base_url"] = cls.setup_base_url
        setup.settings["collect_metrics"] = ui.confirm(
            _("Collect engagement metrics for this account? X bills every post read (you can change it later)"),
            default=False,
        )
        return setup

    @classmethod
    def _setup_oauth1(cls, ui: SetupUI, *, pin: bool) -> AccountSetup:
        ui.say(_("The app's API Key and API Key Secret are on its 'Keys and tokens' page (Consumer Keys)."))
        consumer_key = ui.ask_secret(_("API Key")).strip()
        consumer_secret = ui.ask_secret(_("API Key Secret")).strip()
        if pin:
            access_token, access_secret = cls._pin_flow(ui, consumer_key, consumer_secret)
        else:
            ui.say(
                _(
                    "On the same page, generate the Access Token and Secret (after setting 'Read and write'; "
                    "tokens generated before that can only read)."
                )
            )
            access_token = ui.ask_secret(_("Access Token")).strip()
            access_secret = ui.ask_secret(_("Access Token Secret")).strip()
        return AccountSetup(
            settings={},
            secrets={
                "consumer_key": consumer_key,
                "consumer_secret": consumer_secret,
                "access_token": access_token,
                "access_token_secret": access_secret,
            },
        )

    @classmethod
    def _pin_flow(cls, ui: SetupUI, consumer_key: str, consumer_secret: str) -> tuple[str, str]:
        import tweepy  # type: ignore[import-untyped]
        from requests_oauthlib import OAuth1Session  # type: ignore[import-untyped]

        transport = _Transport(cls.setup_base_url, 30.0)
        _REDACTOR.add([consumer_key, consumer_secret])

        class Handler(tweepy.OAuth1UserHandler):  # type: ignore[misc]
            """tweepy's PIN flow, with a timeout and the test base URL on both of its sessions."""

            def get_access_token(self, verifier: str | None = None) -> tuple[str, str]:
                self.oauth = OAuth1Session(
                    self.consumer_key,
                    client_secret=self.consumer_secret,
                    resource_owner_key=self.request_token["oauth_token"],
                    resource_owner_secret=self.request_token["oauth_token_secret"],
                    verifier=verifier,
                    callback_uri=self.callback,
                )
                self.oauth.mount(API_HOST, transport)
                answer = self.oauth.fetch_access_token(self._get_oauth_url("access_token"))
                self.access_token = answer["oauth_token"]
                self.access_token_secret = answer["oauth_token_secret"]
                return str(self.access_token), str(self.access_token_secret)

        handler = Handler(consumer_key, consumer_secret, callback="oob")
        handler.oauth.mount(API_HOST, transport)
        try:
            url = handler.get_authorization_url()
        except tweepy.TweepyException as exc:
            raise _setup_error(exc, N_("The API Key and Secret were refused")) from None
        _REDACTOR.add([str(handler.request_token.get("oauth_token_secret", ""))])
        ui.say(_("Open this address, sign in as the account socialpost should post as, and authorize the app:"))
        ui.open_url(url)
        pin = ui.ask(_("The PIN X shows you")).strip()
        try:
            token, secret = handler.get_access_token(pin)
        except Exception as exc:  # noqa: BLE001 - requests-oauthlib raises several kinds
            raise _setup_error(exc, N_("X did not accept the PIN")) from None
        _REDACTOR.add([token, secret])
        return token, secret

    @classmethod
    def _setup_oauth2(cls, ui: SetupUI) -> AccountSetup:
        import tweepy
        from oauthlib.oauth2.rfc6749.errors import OAuth2Error  # type: ignore[import-untyped]
        from requests_oauthlib import OAuth2Session

        ui.say(
            _(
                "The OAuth 2.0 Client ID (and, for a confidential client, the Client Secret) are on the app's "
                "'Keys and tokens' page. The callback URL below must be listed in the app's authentication "
                "settings."
            )
        )
        client_id = ui.ask(_("Client ID")).strip()
        client_secret = ""
        if ui.confirm(_("Does the app have a Client Secret (a confidential client)"), default=True):
            client_secret = ui.ask_secret(_("Client Secret")).strip()
            _REDACTOR.add([client_secret])
        redirect = ui.ask(_("Callback URL"), default=DEFAULT_REDIRECT).strip()
        handler = tweepy.OAuth2UserHandler(
            client_id=client_id, redirect_uri=redirect, scope=SCOPES, client_secret=client_secret or None
        )
        handler.mount(API_HOST, _Transport(cls.setup_base_url, 30.0))
        url = handler.get_authorization_url()
        expected_state = str(handler._state)
        ui.say(
            _(
                "Open this address, sign in as the account socialpost should post as, and authorize the app. "
                "Your browser then goes to the callback URL, which shows an error page: that is expected."
            )
        )
        ui.open_url(url)
        pasted = ui.ask(_("Paste the full address from the browser's address bar")).strip()
        query = parse_qs(urlsplit(pasted).query)
        if "error" in query:
            raise AuthError(
                _("X did not authorize the app ({error}).").format(error=query["error"][0]),
                hint=_("Run the set-up again and choose 'Authorize app' on X's page."),
            )
        code, state = query.get("code", [""])[0], query.get("state", [""])[0]
        if not code:
            raise AuthError(
                _("the address has no authorization code."),
                hint=_(
                    "Paste the whole address the browser went to after you authorized (it contains ?state=…&code=…)."
                ),
            )
        if state != expected_state:
            raise AuthError(
                _("the address is from another sign-in attempt (its state does not match)."),
                hint=_("Run the set-up again and paste the address from this attempt."),
            )
        _REDACTOR.add([code])
        try:
            token = OAuth2Session.fetch_token(
                handler,
                API_HOST + TOKEN_PATH,
                code=code,
                auth=handler.auth,
                include_client_id=True,
                code_verifier=handler._client.code_verifier,
                timeout=30.0,
            )
        except OAuth2Error as exc:
            raise AuthError(
                _("X refused the authorization code ({error}).").format(error=exc.error),
                hint=_("Codes are valid for 30 seconds and once only; run the set-up again."),
            ) from None
        except requests.RequestException as exc:
            raise TransientError(
                _("could not reach X to finish the sign-in ({error}).").format(error=exc.__class__.__name__)
            ) from None
        finally:
            handler.close()
        if "offline.access" not in str(token.get("scope", "offline.access")):
            ui.say(_("X gave no refresh token (offline.access was not granted): the sign-in lasts two hours."))
        secrets = {"oauth2_access_token": str(token["access_token"])}
        if token.get("refresh_token"):
            secrets["oauth2_refresh_token"] = str(token["refresh_token"])
        if client_secret:
            secrets["client_secret"] = client_secret
        _REDACTOR.add(list(secrets.values()))
        settings: dict[str, Any] = {"client_id": client_id}
        if token.get("expires_at"):
            secrets["oauth2_expires_at"] = datetime.fromtimestamp(float(token["expires_at"]), tz=UTC).isoformat()
        return AccountSetup(settings=settings, secrets=secrets)


def _setup_error(exc: Exception, what: str) -> Exception:
    """tweepy wraps requests-oauthlib's errors in TweepyException(original)."""
    cause = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
    status = getattr(cause, "status_code", None)
    text = _(what)  # a marked sentence without its final period
    if isinstance(cause, requests.RequestException):
        return TransientError(
            _("could not reach X ({what}): check the connection and try again.").format(what=text.lower())
        )
    return AuthError(
        _("{what} ({status}).").format(what=text, status=status) if status else text + ".",
        hint=_(
            "Check the keys on the app's 'Keys and tokens' page (regenerate them if unsure) and that the app "
            "has User authentication set up, then run the set-up again."
        ),
    )
