"""Where socialpost's files live. Standard library and platformdirs only: the CLI reads it at start-up."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

APP_NAME = "socialpost"
ENV_CONFIG = "SOCIALPOST_CONFIG"
ENV_DATABASE = "SOCIALPOST_DATABASE_URL"
ENV_DATA_DIR = "SOCIALPOST_DATA_DIR"


def default_dirs() -> tuple[Path, Path]:
    """(config dir, data dir) for this platform."""
    import platformdirs

    return (
        Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
    )


def resolve_config_path(option: str | None, environ: Mapping[str, str]) -> tuple[Path | None, bool]:
    """Which config file to read, and whether the user asked for it explicitly.

    An explicit file (flag or environment) must exist; the platform default is optional.
    """
    if option:
        return Path(option).expanduser(), True
    if environ.get(ENV_CONFIG):
        return Path(environ[ENV_CONFIG]).expanduser(), True
    config_dir, _ = default_dirs()
    candidate = config_dir / "config.yaml"
    return (candidate, False) if candidate.exists() else (None, False)


def data_dir(environ: Mapping[str, str]) -> Path:
    """``$SOCIALPOST_DATA_DIR``, else the platform's data folder."""
    return Path(environ[ENV_DATA_DIR]).expanduser() if environ.get(ENV_DATA_DIR) else default_dirs()[1]


def make_private_dir(path: Path) -> None:
    """Create the folder ``path`` for socialpost's own data readable by its owner only (0700); any
    missing parent is made as usual. A folder that exists already is left as it is: its owner chose
    its mode (``socialpost doctor`` says when others can read it)."""
    if path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.mkdir(mode=0o700, exist_ok=True)


def default_database_url(environ: Mapping[str, str]) -> str:
    """The queue when no ``$SOCIALPOST_DATABASE_URL`` and no ``database:`` setting name one."""
    return f"sqlite:///{data_dir(environ) / 'socialpost.db'}"


# SQLAlchemy's own URL grammar (sqlalchemy.engine.url._parse_url): anything else does not parse.
_URL = re.compile(
    r"""(?P<name>[\w+]+)://
    (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
    (?:(?:\[(?P<ipv6host>[^/?]+)\]|(?P<ipv4host>[^/:?]+))?(?::(?P<port>[^/?]*))?)?
    (?:/(?P<database>[^?]*))?
    (?:\?(?P<query>.*))?""",
    re.X,
)
# The databases SQLAlchemy itself knows (other ones come from plugins, see _dialect_known).
_DIALECTS = frozenset({"sqlite", "postgresql", "mysql", "mariadb", "oracle", "mssql"})
# What SQLAlchemy's SQLite driver takes from a URL's query string without ``uri=true``; it ignores
# anything else with a Python warning (sqlalchemy.dialects.sqlite.pysqlite).
_SQLITE_OPTIONS = frozenset(
    {"uri", "timeout", "isolation_level", "detect_types", "check_same_thread", "cached_statements"}
)


def database_url_problem(url: str) -> tuple[str, str] | None:
    """What is wrong with a database URL, as (problem, fix) in the active language; None when it
    looks usable. Checked without importing SQLAlchemy (the CLI reads the settings before it knows
    whether it needs the database), so that a wrong ``database:`` is reported where it is written;
    SQLAlchemy still has the last word when the store opens (``socialpost.store.db.open_store``).
    The URL itself is never repeated: it may hold a password."""
    from urllib.parse import parse_qsl

    from socialpost.i18n import _

    fix = _(
        "Fix: write a URL like sqlite:///path/to/socialpost.db (a file) or "
        "postgresql+psycopg://user@host/socialpost (a PostgreSQL server)."
    )
    match = _URL.match(url)
    if match is None:
        return _("this is not a database URL."), fix
    dialect, _plus, driver = match["name"].partition("+")
    if not _dialect_known(dialect):
        return _("unknown database type '{name}'.").format(name=match["name"]), fix
    port = match["port"]
    if port and not port.isdigit():
        return _("the port '{port}' is not a number.").format(port=port), fix
    if dialect == "sqlite":
        if match["username"] or match["password"] or match["ipv4host"] or match["ipv6host"] or port:
            return _("a SQLite URL names a file after three slashes, not a server."), _(
                "Fix: write sqlite:///path/to/socialpost.db (relative to the config file's folder) or "
                "sqlite:////absolute/path/to/socialpost.db."
            )
        options = dict(parse_qsl(match["query"] or "", keep_blank_values=True))
        if driver in {"", "pysqlite"} and options.get("uri", "").lower() not in {"true", "yes", "on", "y", "t", "1"}:
            ignored = sorted(set(options) - _SQLITE_OPTIONS)
            if ignored:
                return _("the SQLite driver does not accept the URL option(s) {names}; they would be ignored.").format(
                    names=", ".join(ignored)
                ), _("Fix: remove them (socialpost needs no options in a SQLite URL).")
    return None


def _dialect_known(name: str) -> bool:
    if name in _DIALECTS:
        return True
    from importlib.metadata import entry_points  # dialects that plugins register

    return any(ep.name.split(".", 1)[0] == name for ep in entry_points(group="sqlalchemy.dialects"))


def database_url_without_config(option: str | None, environ: Mapping[str, str]) -> str | None:
    """The database URL when no config file is in play (none given, none at the default place),
    decided as ``socialpost.settings.config.load_settings`` decides it: ``$SOCIALPOST_DATABASE_URL``, else
    ``socialpost.db`` in the data folder. None when there is a config file: load the settings, which
    also check it. (A big report spends a tenth of a second importing pydantic for the settings.)
    """
    path, _explicit = resolve_config_path(option, environ)
    if path is not None:
        return None
    url = environ.get(ENV_DATABASE)
    if not url:
        return default_database_url(environ)
    check_database_url(url, f"${ENV_DATABASE}")
    return url


def check_database_url(url: str, where: str) -> None:
    """ConfigError (exit 2) naming ``where`` (``file:line:column: database`` or the environment
    variable) when :func:`database_url_problem` finds something wrong with ``url``."""
    found = database_url_problem(url)
    if found is not None:
        from socialpost.errors import ConfigError

        problem, fix = found
        raise ConfigError(f"{where}: {problem}", hint=fix)


PEEK_BYTES = 20 * 1024 * 1024  # socialpost.settings.textfile.MAX_FILE_BYTES (not imported: this runs before --help)


def peek_setting(path: Path | None, key: str) -> Any:
    """One top-level setting of a config file, read before the full (validated) load; None if unreadable.

    Used for the language, which must be known before click prints help. Whatever is wrong with
    the file is reported by the full load later, with its position.
    """
    if path is None:
        return None
    import stat

    try:
        import yaml

        # only a regular file of sane size: /dev/zero never ends and a named pipe may never answer
        # (socialpost.settings.textfile.read_text says so when the config is loaded for real)
        if not stat.S_ISREG(path.stat().st_mode):
            return None
        with path.open("rb") as handle:
            raw = handle.read(PEEK_BYTES + 1)
        if len(raw) > PEEK_BYTES:
            return None
        data = yaml.load(raw.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError):
        return None
    return data.get(key) if isinstance(data, dict) else None
