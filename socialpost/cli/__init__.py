"""The ``socialpost`` command. Thin: parse, call the library, render.

Imports of anything heavy (pydantic, SQLAlchemy, httpx, network SDKs) happen inside commands, so
``socialpost --help`` starts fast and loads no network SDK (a test checks both).
"""

from __future__ import annotations

import os

import click

from socialpost import i18n
from socialpost.cli.context import AppContext
from socialpost.cli.translated import Group
from socialpost.cli.version import version_option
from socialpost.errors import ExitCode, SocialpostError
from socialpost.i18n import _

COMMANDS = {
    "validate": "socialpost.cli.campaigns:validate",
    "plan": "socialpost.cli.campaigns:plan",
    "schedule": "socialpost.cli.campaigns:schedule",
    "fix": "socialpost.cli.fix:fix",
    "daemon": "socialpost.cli.daemon:daemon",
    "status": "socialpost.cli.status:status",
    "queue": "socialpost.cli.queue:queue",
    "report": "socialpost.cli.report:report",
    "demo": "socialpost.cli.demo:demo",
    "accounts": "socialpost.cli.accounts:accounts",
    "schema": "socialpost.cli.schema:schema",
    "doctor": "socialpost.cli.doctor:doctor",
    "collect": "socialpost.cli.collect:collect",
    "inbox": "socialpost.cli.inbox:inbox",
    "reply": "socialpost.cli.inbox:reply",
    "resolve": "socialpost.cli.posts:resolve",
    "retry": "socialpost.cli.posts:retry",
    "cancel": "socialpost.cli.posts:cancel",
    "restore": "socialpost.cli.posts:restore",
    "pause": "socialpost.cli.pauses:pause",
    "resume": "socialpost.cli.pauses:resume",
    "show": "socialpost.cli.show:show",
    "import": "socialpost.cli.importing:import_",
    "calendar": "socialpost.cli.calendar:calendar",
    "preview": "socialpost.cli.preview:preview",
    "service": "socialpost.cli.service:service",
    "backup": "socialpost.cli.backup:backup",
    "export": "socialpost.cli.backup:export",
    "notify": "socialpost.cli.notify:notify",
    "feeds": "socialpost.cli.feeds:feeds",
    "completion": "socialpost.cli.completion:completion",
}


class LazyGroup(Group):
    """Imports a command's module only when that command (or the help listing) needs it.

    It is also the one place where errors become messages and exit codes (README, "Exit codes"),
    and where the language is chosen, before click parses (and may print help or an error).
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:
            i18n.activate(_choose_language(args, self.list_commands(ctx)))
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SocialpostError as exc:
            _error(str(exc))
            raise click.exceptions.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            _error(_("interrupted."))
            raise click.exceptions.Exit(int(ExitCode.INTERRUPTED)) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except OSError as exc:
            if isinstance(exc, BrokenPipeError):
                raise click.exceptions.Exit(int(ExitCode.OK)) from None
            _error(f"{exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}.")
            raise click.exceptions.Exit(int(ExitCode.FAILURE)) from None
        except Exception as exc:
            if os.environ.get("SOCIALPOST_DEBUG"):
                raise
            _error(
                _(
                    "internal error: {kind}: {error}. This is a bug in socialpost; please report it with "
                    "the command you ran (set SOCIALPOST_DEBUG=1 to see the traceback)."
                ).format(kind=exc.__class__.__name__, error=exc)
            )
            raise click.exceptions.Exit(int(ExitCode.FAILURE)) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            module_name, attr = COMMANDS[cmd_name].split(":")
            module = __import__(module_name, fromlist=[attr])
            command: click.Command = getattr(module, attr)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@version_option
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    help="Config file (default: $SOCIALPOST_CONFIG, then the platform config folder).",
)
@click.option(
    "--lang",
    metavar="LANG",
    callback=lambda ctx, param, value: _check_language(value),
    help="Language of messages and help: en or fr (fr_CA…). Default: $SOCIALPOST_LANG, 'language:' in the "
    "config file, then the locale ($LANG).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show more detail in logs.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log lines as text or as one JSON object per line.",
)
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, lang: str | None, verbose: bool, log_format: str) -> None:
    """socialpost — schedule social media campaigns written as YAML files.

    \b
    Typical use:
      socialpost validate campaigns/launch.yaml   check a campaign
      socialpost plan campaigns/launch.yaml       see what would be queued
      socialpost schedule campaigns/launch.yaml   queue it
      socialpost daemon                           post each item at its time
      socialpost status                           what is queued, sent, failed
      socialpost report                           how the posts did
    """
    from socialpost import localtime

    localtime.set_user_zone(None)  # until the settings say otherwise (AppContext.settings)
    obj = ctx.ensure_object(AppContext)
    obj.config_option = config_path if config_path is not None else obj.config_option
    obj.verbose = verbose
    obj.log_format = log_format


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    import warnings

    # twitter-text-parser imports pkg_resources, whose setuptools (80) warns about it on stderr:
    # nothing the user can act on
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    cli.main(args=argv, prog_name="socialpost", obj=AppContext(whole_process=True))


def _error(message: str) -> None:
    """Every error a command ends with: its secrets blanked, control characters shown (it often
    carries a network's own words)."""
    from socialpost.cli.render import echo

    label = _("error:")
    echo(f"{label} {message}" if "\n" not in message else f"{label}\n{message}", err=True)


def _check_language(value: str | None) -> str | None:
    if value is not None and not i18n.supported(value):
        raise click.BadParameter(
            _("unknown language '{value}'. Fix: use one of {languages}.").format(
                value=value, languages=", ".join(i18n.LANGUAGES)
            )
        )
    return value


def _choose_language(args: list[str], commands: list[str]) -> str | None:
    """The language for this run, from the command line (--lang before the command name, --config
    anywhere), then the rest."""
    from socialpost.settings.paths import peek_setting, resolve_config_path

    options: dict[str, str] = {}
    index = 0
    names: tuple[str, ...] = ("--lang", "--config")
    while index < len(args):
        arg = args[index]
        if arg == "--":
            break
        if arg in commands:  # after the command, only its own --config (validate, plan)
            names = ("--config",)
        for name in names:
            if arg == name and index + 1 < len(args):
                options[name] = args[index + 1]
            elif arg.startswith(name + "="):
                options[name] = arg.partition("=")[2]
        index += 1
    config_language: str | None = None
    if not (options.get("--lang") and i18n.supported(options["--lang"])) and not os.environ.get(i18n.ENV_LANGUAGE):
        path, _explicit = resolve_config_path(options.get("--config"), os.environ)
        value = peek_setting(path, "language")
        config_language = value if isinstance(value, str) else None
    return i18n.choose(options.get("--lang"), config_language, os.environ)
