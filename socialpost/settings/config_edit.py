"""Edit the config file in place (``accounts add/remove``), keeping the user's comments and order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from socialpost.errors import ConfigError
from socialpost.i18n import _
from socialpost.privatefiles import PRIVATE_FILE, write_private

HEADER = (
    "# socialpost configuration (see config.example.yaml for every setting).\n"
    "# Secrets are not kept here: they are in secrets.yaml beside this file, or in ${ENV_VAR}s.\n"
)


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: comments, order and quoting survive
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = True
    return yaml


def _read(path: Path) -> tuple[Any, str]:
    """The config's settings (round-trip), and the text to keep above them when the file holds no
    setting yet: its comments (ruamel has no document to attach them to, so they would be lost)."""
    from ruamel.yaml.comments import CommentedMap

    if not path.exists():
        return CommentedMap(), ""
    text = path.read_text(encoding="utf-8")
    try:
        data = _yaml().load(text)
    except Exception as exc:  # noqa: BLE001 - ruamel raises many kinds; the file must be fixed first
        raise ConfigError(
            _("{path}: cannot update the config file, it does not parse ({error}).").format(path=path, error=exc)
        ) from None
    if data is None:
        kept = [line for line in text.splitlines() if line.lstrip().startswith("#")]
        return CommentedMap(), "".join(f"{line}\n" for line in kept)
    if not isinstance(data, dict):
        raise ConfigError(_("{path}: the config file must be a mapping of settings.").format(path=path))
    return data, ""


def _write(path: Path, data: Any, *, new: bool, above: str = "") -> None:
    import io

    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    text = (HEADER if new else above) + buffer.getvalue()
    write_private(path, text, mode=path.stat().st_mode & 0o777 if path.exists() else PRIVATE_FILE)


def set_account(path: Path, network: str, name: str, settings: dict[str, Any]) -> None:
    """Write ``accounts.<network>.<name>`` (replacing it when present)."""
    from ruamel.yaml.comments import CommentedMap

    new = not path.exists()
    data, above = _read(path)
    accounts = data.setdefault("accounts", CommentedMap())
    if accounts is None:
        accounts = data["accounts"] = CommentedMap()
    by_name = accounts.setdefault(network, CommentedMap())
    if by_name is None:
        by_name = accounts[network] = CommentedMap()
    by_name[name] = CommentedMap(settings) if settings else None
    _write(path, data, new=new, above=above)


def remove_account(path: Path, network: str, name: str) -> bool:
    """Remove ``accounts.<network>.<name>``; False when it was not there."""
    if not path.exists():
        return False
    data, _above = _read(path)
    by_name = (data.get("accounts") or {}).get(network)
    if not by_name or name not in by_name:
        return False
    del by_name[name]
    if not by_name:
        del data["accounts"][network]
    _write(path, data, new=False)
    return True
