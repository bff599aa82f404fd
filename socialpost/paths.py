"""Where socialpost's files live. Standard library and platformdirs only: the CLI reads it at start-up."""

from __future__ import annotations

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


def default_database_url(environ: Mapping[str, str]) -> str:
    """The queue when no ``$SOCIALPOST_DATABASE_URL`` and no ``database:`` setting name one."""
    return f"sqlite:///{data_dir(environ) / 'socialpost.db'}"


def database_url_without_config(option: str | None, environ: Mapping[str, str]) -> str | None:
    """The database URL when no config file is in play (none given, none at the default place),
    decided as ``socialpost.config.load_settings`` decides it: ``$SOCIALPOST_DATABASE_URL``, else
    ``socialpost.db`` in the data folder. None when there is a config file: load the settings, which
    also check it. (A big report spends a tenth of a second importing pydantic for the settings.)
    """
    path, _explicit = resolve_config_path(option, environ)
    if path is not None:
        return None
    return environ.get(ENV_DATABASE) or default_database_url(environ)


def peek_setting(path: Path | None, key: str) -> Any:
    """One top-level setting of a config file, read before the full (validated) load; None if unreadable.

    Used for the language, which must be known before click prints help. Whatever is wrong with
    the file is reported by the full load later, with its position.
    """
    if path is None:
        return None
    try:
        import yaml

        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError):
        return None
    return data.get(key) if isinstance(data, dict) else None
