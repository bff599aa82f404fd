"""``socialpost completion bash|zsh|fish`` and the completion of campaign names, accounts and post
ids (click's ``shell_complete`` callbacks, fed by socialpost.store.choices and the config file).

Completion runs on every Tab: it reads the queue without creating or migrating it, never prints
an error (a shell would show it in the middle of the command line), and offers nothing rather
than fail.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.shell_completion import CompletionItem, get_completion_class

from socialpost.cli.translated import Command

if TYPE_CHECKING:
    from socialpost.settings.config import Settings
    from socialpost.store.choices import Names

SHELLS = ("bash", "zsh", "fish")
log = logging.getLogger("socialpost.completion")


@click.command(cls=Command)
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish.

    \b
    Load it in your shell's start-up file:
      bash:  socialpost completion bash >> ~/.bashrc
      zsh:   socialpost completion zsh > "${fpath[1]}/_socialpost"
      fish:  socialpost completion fish > ~/.config/fish/completions/socialpost.fish
    then open a new terminal. Tab completes commands, options, campaign names, accounts and post ids.
    """
    from socialpost.cli import cli

    cls = get_completion_class(shell)
    assert cls is not None  # one of SHELLS, which click ships
    click.echo(cls(cli, {}, "socialpost", "_SOCIALPOST_COMPLETE").source())


# --- what is completed ---------------------------------------------------------------------------


def _config_option(ctx: click.Context) -> tuple[str | None, Settings | None]:
    """The --config given before the command (parsed, not acted on, while completing), and the
    test's settings when a test gave them."""
    from socialpost.cli.context import AppContext

    root = ctx.find_root()
    app = root.obj if isinstance(root.obj, AppContext) else None
    option = root.params.get("config_path") or (app.config_option if app is not None else None)
    return option, app.settings_override if app is not None else None


def _settings(ctx: click.Context) -> Settings | None:
    """The settings when a config file is in play (None without one: nothing to read)."""
    from socialpost.settings.paths import resolve_config_path

    option, override = _config_option(ctx)
    if override is not None:
        return override
    if resolve_config_path(option, os.environ)[0] is None:
        return None
    from socialpost.settings.config import load_settings

    return load_settings(option)


def _database_url(ctx: click.Context) -> str:
    from socialpost.settings.paths import database_url_without_config

    option, override = _config_option(ctx)
    if override is None:
        url = database_url_without_config(option, os.environ)
        if url is not None:
            return url
    settings = _settings(ctx)
    assert settings is not None  # database_url_without_config decides without a config file
    return settings.database_url


def _config_accounts(ctx: click.Context) -> list[str]:
    settings = _settings(ctx)
    if settings is None:
        return []
    return [f"{network}:{name}" for network, named in settings.accounts.items() for name in named]


def _quietly(find: Callable[[click.Context, str], list[str]]) -> Callable[..., list[CompletionItem]]:
    """A shell_complete callback from ``find``: the values starting with what was typed; nothing
    at all when anything goes wrong (logged at debug level only)."""

    def complete(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        try:
            found = find(ctx, incomplete)
        except Exception:
            log.debug("completion failed", exc_info=True)
            return []
        return [CompletionItem(v) for v in dict.fromkeys(found) if v.startswith(incomplete)]

    return complete


def _queue(ctx: click.Context, incomplete: str) -> Names:
    from socialpost.store.choices import names

    return names(_database_url(ctx), campaign_prefix=incomplete.partition("/")[0] if "/" in incomplete else "")


def _campaigns(ctx: click.Context, incomplete: str) -> list[str]:
    return list(_queue(ctx, incomplete).campaigns)


def _accounts(ctx: click.Context, incomplete: str) -> list[str]:
    return sorted({*_config_accounts(ctx), *_queue(ctx, incomplete).accounts})


def _posts(ctx: click.Context, incomplete: str) -> list[str]:
    found = _queue(ctx, incomplete)
    if "/" not in incomplete:  # the campaign first, then its posts
        return [f"{name}/" for name in found.campaigns] + found.posts
    return list(found.posts)


def _campaigns_or_accounts(ctx: click.Context, incomplete: str) -> list[str]:
    return _campaigns(ctx, incomplete) + _accounts(ctx, incomplete)


def _campaigns_or_posts(ctx: click.Context, incomplete: str) -> list[str]:
    return _campaigns(ctx, incomplete) + list(_queue(ctx, incomplete).posts)


complete_campaigns = _quietly(_campaigns)
complete_accounts = _quietly(_accounts)
complete_posts = _quietly(_posts)
complete_campaigns_or_accounts = _quietly(_campaigns_or_accounts)
complete_campaigns_or_posts = _quietly(_campaigns_or_posts)


def complete_posts_or_files(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """A post id, or a file when what was typed looks like a path (``show FILE``, ``restore FILE``)."""
    head = incomplete.partition("/")[0]
    if (
        incomplete.startswith(("/", ".", "~"))
        or ("/" in incomplete and Path(head).is_dir())
        or Path(incomplete).is_file()
    ):
        return [CompletionItem(incomplete, type="file")]
    return complete_campaigns_or_posts(ctx, param, incomplete) or [CompletionItem(incomplete, type="file")]
