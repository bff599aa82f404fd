"""Guided set-up (`socialpost accounts add bluesky NAME`): handle and app password, checked by a login."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr, ValidationError

from socialpost.errors import AuthError
from socialpost.i18n import _
from socialpost.networks.base import AccountSetup, AdapterContext, SetupUI, unusable_answers
from socialpost.networks.bluesky.client import BlueskyClient
from socialpost.networks.bluesky.settings import APP_PASSWORDS_URL, DEFAULT_PDS, BlueskySettings, how_to_app_password


def guided_setup(cls: type[BlueskyClient], ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
    """The settings and secrets of a new account, asked through ``ui`` and checked by logging in
    (a main password is refused)."""
    ui.say(
        _(
            "socialpost posts to Bluesky with an app password, never your main password. To create one: "
            "in Bluesky open Settings → Privacy and security → App passwords → Add App Password, give it a "
            "name such as 'socialpost', leave 'Allow access to your direct messages' off, and copy the "
            "password it shows (xxxx-xxxx-xxxx-xxxx)."
        )
    )
    ui.open_url(APP_PASSWORDS_URL)
    handle = ui.ask(_("Your Bluesky handle (for example you.bsky.social)")).strip()
    password = ui.ask_secret(_("App password")).strip()
    pds_url = ui.ask(_("Your PDS (keep the default for a bsky.social account)"), default=DEFAULT_PDS).strip()
    try:
        settings = BlueskySettings(handle=handle, app_password=SecretStr(password), pds_url=pds_url or DEFAULT_PDS)
    except ValidationError as exc:
        raise unusable_answers(exc, account) from None
    adapter = cls(account=account, settings=settings, context=context)
    try:
        adapter._api()  # logs in (and keeps the session, so the check that follows reuses it)
        if adapter.uses_main_password:
            adapter.forget_session()
            raise AuthError(
                _(
                    "Bluesky ({account}): that is the account's main password (the server granted it full "
                    "access). socialpost only accepts an app password, which you can revoke at any time."
                ).format(account=account),
                hint=how_to_app_password(),
            )
    finally:
        adapter.close()
    values: dict[str, Any] = {"handle": settings.handle}
    if settings.pds_url != DEFAULT_PDS:
        values["pds_url"] = settings.pds_url
    return AccountSetup(settings=values, secrets={"app_password": password})
