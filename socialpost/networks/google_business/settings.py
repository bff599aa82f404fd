"""A Google Business Profile account's settings (``accounts.google-business.<name>``): the OAuth
client of the user's own Google Cloud project, the refresh token, and the one location posts go to.

Three Google APIs serve it: the v4 My Business API (``mybusiness.googleapis.com``: the location's
``localPosts``), the Account Management API (the accounts a sign-in manages) and the Business
Information API (their locations). ``base_url`` sends all three to one host (a proxy or a test
server)."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator

from socialpost.i18n import _
from socialpost.networks.base import AccountSettings

POSTS_URL = "https://mybusiness.googleapis.com"
ACCOUNTS_URL = "https://mybusinessaccountmanagement.googleapis.com"
INFO_URL = "https://mybusinessbusinessinformation.googleapis.com"
TOKEN_URL = "https://oauth2.googleapis.com/token"
AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
SCOPE = "https://www.googleapis.com/auth/business.manage"
ACCESS_FORM = "https://support.google.com/business/contact/api_default"
APIS = (
    "My Business Account Management API",
    "My Business Business Information API",
    "Google My Business API",
)
ACCOUNT = re.compile(r"accounts/[0-9]+")
LOCATION = re.compile(r"locations/[0-9]+")


class GoogleBusinessSettings(AccountSettings):
    client_id: str = Field(min_length=1, description="OAuth client ID of your Google Cloud project (desktop app)")
    client_secret: SecretStr = Field(description="its client secret (secrets.yaml)")
    refresh_token: SecretStr = Field(
        description="the refresh token from 'accounts add google-business NAME' (secrets.yaml)"
    )
    account_id: str = Field(description="the Business Profile account, accounts/…")
    location_id: str = Field(description="the location posts go to, locations/…")
    location_title: str | None = Field(None, description="the business's name, for messages")
    base_url: str | None = Field(None, description="one host for Google's three APIs (a proxy or a test server)")
    token_url: str = Field(TOKEN_URL, description="Google's OAuth token endpoint")
    timeout: float = Field(30.0, gt=0, le=300, description="seconds to wait for Google")

    @field_validator("account_id")
    @classmethod
    def _account(cls, value: str) -> str:
        value = value.strip()
        if not ACCOUNT.fullmatch(value):
            raise ValueError(_("write the account as accounts/ and its number; socialpost accounts add finds it"))
        return value

    @field_validator("location_id")
    @classmethod
    def _location(cls, value: str) -> str:
        value = value.strip()
        if not LOCATION.fullmatch(value):
            raise ValueError(_("write the location as locations/ and its number; socialpost accounts add finds it"))
        return value

    def url(self, api: str) -> str:
        """The root of ``api`` ("posts", "accounts" or "info") for this account."""
        if self.base_url:
            return self.base_url.rstrip("/")
        return {"posts": POSTS_URL, "accounts": ACCOUNTS_URL, "info": INFO_URL}[api]

    @property
    def parent(self) -> str:
        """The location as the v4 API names it: accounts/…/locations/…."""
        return f"{self.account_id}/{self.location_id}"
