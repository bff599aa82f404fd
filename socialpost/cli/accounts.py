"""socialpost accounts add | list | test | remove."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from socialpost.cli import render
from socialpost.cli.completion import complete_accounts
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import json_option
from socialpost.cli.translated import Group
from socialpost.errors import UsageError
from socialpost.i18n import _, formats, ngettext


class ClickUI:
    """The guided set-up's questions, asked on the terminal (secrets are never echoed)."""

    def say(self, text: str) -> None:
        render.echo(click.wrap_text(text, width=90))

    def ask(self, prompt: str, *, default: str | None = None) -> str:
        return str(click.prompt(prompt, default=default, show_default=bool(default)))

    def ask_secret(self, prompt: str) -> str:
        if not _can_hide_input():
            raise UsageError(
                _(
                    "this set-up asks for a secret (a token, a password or a secret URL), which can only be "
                    "typed in a terminal, and the input here is not one."
                ),
                hint=_(
                    "Run socialpost accounts add in a terminal; or, without the guided set-up, add the account to "
                    "your config file by hand (see config.example.yaml) with ${{ENV_VAR}} where the secret goes, "
                    "and set that environment variable where socialpost runs."
                ).format(),
            )
        return str(click.prompt(prompt, hide_input=True))

    def confirm(self, prompt: str, *, default: bool = True) -> bool:
        return click.confirm(prompt, default=default)

    def choose(self, prompt: str, options: Sequence[tuple[str, str]]) -> str:
        for number, (_value, label) in enumerate(options, 1):
            render.echo(f"  {number}. {label}")
        choice = click.prompt(prompt, type=click.IntRange(1, len(options)))
        return options[choice - 1][0]

    def open_url(self, url: str) -> None:
        render.echo(_("Open this address in your browser:\n  {url}").format(url=url))


def _can_hide_input() -> bool:
    """Whether a secret can be asked without echoing it: stdin is a terminal, or the hidden prompt
    was replaced by one that reads elsewhere (click's test runner feeds its answers that way).
    Otherwise Python's getpass would warn "Can not control echo on the terminal" and read nothing."""
    from click import termui

    replaced = getattr(termui.hidden_prompt_func, "__module__", None) != "click.termui"
    return sys.stdin.isatty() or replaced


@click.group(cls=Group)
def accounts() -> None:
    """Connect, list, check and remove the accounts campaigns post to."""


@accounts.command("add")
@click.argument("network")
@click.argument("name")
@pass_app
def add(app: AppContext, network: str, name: str) -> None:
    """Connect NETWORK account NAME with a guided set-up, verify it, and save it.

    Settings go to your config file; tokens and passwords go to secrets.yaml beside it (readable
    only by you). Campaigns then refer to the account as NETWORK:NAME.
    """
    from socialpost import accounts as library

    identity = library.add(app.settings, f"{network}:{name}", ClickUI())
    render.echo(_("Connected {account}: {name}.").format(account=identity.account, name=identity.display))
    render.echo(_("Saved in {path}.").format(path=library.config_target(app.settings)))
    _release_held(app, identity.account)


def _release_held(app: AppContext, account: str) -> None:
    """Posts a campaign queued for the account before it was connected go back in the queue."""
    from socialpost.store import connect

    store = app.existing_store()
    if store is None:
        return
    for item in connect.release(store, lambda _account: True, accounts=[account], now=app.clock()):
        render.echo(
            # Translators: English says "post(s)" in both forms; the plural form follows {count}.
            ngettext(
                "{count} post(s) held for {account} are back in the queue (socialpost status shows them).",
                "{count} post(s) held for {account} are back in the queue (socialpost status shows them).",
                item.count,
            ).format(count=formats.integer(item.count), account=item.account)
        )


@accounts.command("list")
@json_option
@pass_app
def list_(app: AppContext, json_: bool) -> None:
    """List the accounts in your config and secrets files (never the secrets themselves)."""
    from socialpost import accounts as library

    rows = library.listing(app.settings)
    if json_:
        render.echo_json(
            {
                "accounts": [
                    {
                        "account": r.account,
                        "network": r.network,
                        "configured": r.configured,
                        "has_secrets": r.has_secrets,
                    }
                    for r in rows
                ]
            }
        )
        return
    if not rows:
        render.echo(
            _(
                "No account is configured yet. Campaigns can use outbox:NAME accounts without one: their posts "
                "go to a local folder. To connect a real network, run: socialpost accounts add NETWORK NAME "
                "(for example: socialpost accounts add mastodon cafe)."
            )
        )
    for row in rows:
        render.echo(_("{account} (with secrets)").format(account=row.account) if row.has_secrets else row.account)


@accounts.command("test")
@click.argument("account", shell_complete=complete_accounts)
@json_option
@pass_app
def test(app: AppContext, account: str, json_: bool) -> None:
    """Check ACCOUNT (network:name) against its network: who it posts as, permissions, expiry."""
    from socialpost import accounts as library

    identity = library.check(app.settings, account, clock=app.clock)
    version = identity.api_version
    if json_:
        render.echo_json(
            {
                "account": identity.account,
                "display": identity.display,
                "details": identity.details,
                "api_version": version.as_json() if version is not None else None,
                "warnings": [{"message": w.message, "fix": w.fix} for w in identity.warnings],
                "missing_permissions": list(identity.missing_permissions),
            }
        )
        return
    render.echo(f"{identity.account}: {identity.display}")
    for key, value in identity.details.items():
        render.echo(f"  {key}: {value}")
    # what stands in the account's way although it signs in (a bot that may not post, a sandbox…)
    for item in identity.warnings:
        render.echo(_("  warning: {message} {fix}").format(message=item.message, fix=item.fix))
    if identity.missing_permissions and not identity.warnings:
        network, _sep, name = identity.account.partition(":")
        render.echo(
            _("  warning: {message} {fix}").format(
                message=_("the token lacks these permissions: {permissions}").format(
                    permissions=", ".join(identity.missing_permissions)
                ),
                fix=_("Connect it again and grant them: {command}").format(
                    command=f"socialpost accounts add {network} {name}"
                ),
            )
        )
    if version is not None:
        render.echo(_("  API version ({label}): {version}").format(label=version.label, version=version.describe()))
        for message, fix in version.warnings():
            render.echo(_("  warning: {message} {fix}").format(message=message, fix=fix))


@accounts.command("remove")
@click.argument("account", shell_complete=complete_accounts)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def remove(app: AppContext, account: str, yes: bool) -> None:
    """Remove ACCOUNT (network:name) from your config and secrets files."""
    from socialpost import accounts as library

    if not yes:
        click.confirm(
            _("Remove {account}? Campaigns that use it will not validate").format(account=account), abort=True
        )
    library.remove(app.settings, account)
    render.echo(_("Removed {account}.").format(account=account))
