"""Account secrets: a YAML file only its owner can read, next to the config file.

``secrets.yaml`` maps ``network:name`` to that account's secret settings (tokens, app passwords).
It is written with mode 0600 and never printed; values are merged into the account's settings
when the account is used. ``${ENV_VAR}`` references in the config file are the other way to keep
secrets out of files (systemd ``EnvironmentFile=``, CI secrets).
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import yaml

from socialpost.errors import ConfigError
from socialpost.i18n import _
from socialpost.privatefiles import write_private

FILE_NAME = "secrets.yaml"


def secrets_path(config_path: Path | None, config_dir: Path) -> Path:
    """The secrets file beside the config file in use (or in the platform config folder)."""
    return (config_path.parent if config_path else config_dir) / FILE_NAME


def insecure(path: Path) -> bool:
    """True when someone other than the owner may read or write the file."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return False
    return bool(mode & (stat.S_IRWXG | stat.S_IRWXO))


def load(path: Path) -> dict[str, dict[str, str]]:
    """Every account's secrets; an absent file means none."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(
            _("{path}: cannot read the secrets file ({reason}).").format(path=path, reason=exc.strerror)
        ) from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(
            _(
                "{where}: the secrets file is not valid YAML. Fix: correct it or remove the account "
                "and add it again with 'socialpost accounts add'."
            ).format(where=where)
        ) from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ConfigError(_("{path}: the secrets file must map network:name to its secrets.").format(path=path))
    return {str(k): {str(kk): str(vv) for kk, vv in v.items()} for k, v in data.items()}


def save(path: Path, account: str, values: dict[str, str] | None) -> None:
    """Set (or with None remove) one account's secrets, atomically, keeping the file 0600."""
    current = load(path)
    if values is None:
        current.pop(account, None)
    else:
        current[account] = dict(values)
    body = "# socialpost account secrets: keep this file private (mode 0600), never commit it.\n"
    body += yaml.safe_dump(current, sort_keys=True, allow_unicode=True) if current else ""
    write_private(path, body)


def merge(settings: dict[str, Any], secret_values: dict[str, str] | None) -> dict[str, Any]:
    """An account's settings with its secrets filled in (the config file wins where both set)."""
    if not secret_values:
        return settings
    return {**secret_values, **settings}
