"""The outbox's account settings (``accounts.outbox.<name>``): all optional."""

from __future__ import annotations

from pydantic import Field

from socialpost.networks.base import AccountSettings


class OutboxSettings(AccountSettings):
    folder: str | None = Field(None, description="where posts go; default <data dir>/outbox/<account name>")
    feed_title: str | None = Field(None, description="title of the Atom feed")
