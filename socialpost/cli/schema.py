"""The schema command."""

from __future__ import annotations

import json

import click

from socialpost.cli.translated import Command
from socialpost.i18n import _


@click.command(cls=Command)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Write to FILE.",
)
def schema(output: str | None) -> None:
    """Print (or write) the JSON Schema of campaign files, for editors.

    With the YAML extension of VS Code (or any editor using yaml-language-server), put this first
    line in a campaign file to get completion and checks while you type:

    \b
      # yaml-language-server: $schema=campaign.schema.json
    """
    from socialpost.campaign.models import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    from socialpost.cli.output import write_text_file

    path = write_text_file(output, text, option="--output")
    click.echo(_("Wrote {path}.").format(path=path), err=True)
