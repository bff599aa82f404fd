"""``socialpost --version``: the version, where this copy is installed, and its network libraries."""

from __future__ import annotations

import click

from socialpost.i18n import _


def show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """The eager ``--version`` option's callback: print and exit, like click's own."""
    if not value or ctx.resilient_parsing:
        return
    from socialpost.about import about

    info = about()
    lines = [
        f"socialpost {info.version}",
        _("  package: {path}").format(path=info.package_path),
        _("  python:  {python} ({version})").format(python=info.python, version=info.python_version),
    ]
    if info.editable_from:
        lines.append(_("  installed from the clone {path} (editable)").format(path=info.editable_from))
    elif info.distribution is None:
        lines.append(_("  not installed: run from a source tree"))
    lines.append(_("network libraries:"))
    width = max(len(lib.name) for lib in info.libraries)
    versions = [lib.version if lib.version is not None else _("not installed") for lib in info.libraries]
    version_width = max(len(v) for v in versions)
    for lib, version in zip(info.libraries, versions, strict=True):
        lines.append(f"  {lib.name.ljust(width)}  {version.ljust(version_width)}  {_(lib.purpose)}")
    click.echo("\n".join(lines), color=ctx.color)
    ctx.exit()


version_option = click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=show_version,
    help="Show the version, where socialpost is installed and its network libraries, and exit.",
)
