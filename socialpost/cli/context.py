"""What every command shares: settings, the store and the clock, created on first use."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from socialpost.settings.config import Settings
    from socialpost.store.db import Store
    from socialpost.timeutil import Clock


def _default_clock() -> datetime:
    from socialpost.timeutil import utcnow

    return utcnow()


@dataclass
class AppContext:
    """Passed to commands as click's ``obj``. Tests build one with their own settings and clock."""

    config_option: str | None = None
    verbose: bool = False
    log_format: str = "text"
    clock: Clock = _default_clock
    settings_override: Settings | None = None
    whole_process: bool = False  # set by main(): the process ends with the command (tests run several)
    _settings: Settings | None = field(default=None, repr=False)
    _store: Store | None = field(default=None, repr=False)
    _logging_ready: bool = field(default=False, repr=False)

    @property
    def settings(self) -> Settings:
        from socialpost import localtime

        if self.settings_override is not None:
            localtime.set_user_zone(self.settings_override.timezone)
            return self.settings_override
        if self._settings is None:
            from socialpost.settings.config import load_settings

            self._settings = load_settings(self.config_option)
            localtime.set_user_zone(self._settings.timezone)
        return self._settings

    def reader_zone_ready(self) -> None:
        """Make the user's ``timezone:`` the zone of times outside campaigns (socialpost.localtime)
        for this command: the settings are read when a config file is in play."""
        from socialpost.settings.paths import resolve_config_path

        if self.settings_override is not None or resolve_config_path(self.config_option, os.environ)[0] is not None:
            _settings = self.settings  # sets the zone

    @property
    def database_url(self) -> str:
        """``settings.database_url``; with no config file in play (nothing to check), worked out
        without loading the settings (see ``socialpost.settings.paths.database_url_without_config``)."""
        if self.settings_override is None and self._settings is None:
            from socialpost.settings.paths import database_url_without_config

            url = database_url_without_config(self.config_option, os.environ)
            if url is not None:
                return url
        return self.settings.database_url

    @property
    def store(self) -> Store:
        if self._store is None:
            from socialpost.redaction import register_database_url
            from socialpost.store.db import open_store

            url = self.database_url
            register_database_url(url)  # its password never comes out, whichever way the URL was found
            self._store = open_store(url)
            click.get_current_context().call_on_close(self.close)
        return self._store

    def existing_store(self) -> Store | None:
        """The queue, when this machine has one; None rather than creating it (for commands that
        only read it, or write to it only when it holds something: `validate`, `accounts add`)."""
        from socialpost.store.sqlite_read import sqlite_file

        path = sqlite_file(self.database_url)
        if path is not None and not path.is_file():
            return None
        return self.store

    def use_settings(self, settings: Settings) -> None:
        """Switch to other settings (the demo's sandbox); closes any open store."""
        self.close()
        self.settings_override = settings

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def setup_logging(self) -> None:
        if self._logging_ready:
            return
        from socialpost.logs import configure

        configure(verbose=self.verbose, json_lines=self.log_format == "json")
        self._logging_ready = True


pass_app = click.make_pass_decorator(AppContext, ensure=True)
