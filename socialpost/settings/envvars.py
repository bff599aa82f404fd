"""``${NAME}`` in settings: the value of an environment variable, so secrets stay out of files.
Every value read this way is registered for redaction."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from socialpost.errors import ConfigError
from socialpost.i18n import _
from socialpost.redaction import register

__all__ = ["ENV_REF", "expand_env", "expand_env_values"]

ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(value: str, environ: Mapping[str, str], where: str) -> str:
    """Replace ``${NAME}`` with the environment variable NAME (how secrets stay out of files)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise ConfigError(
                _("{where}: the environment variable {name} is not set.").format(where=where, name=name),
                hint=_("Set it (export {name}=…) before running socialpost.").format(name=name),
            )
        register(environ[name])  # a value kept out of the file is treated as a secret
        return environ[name]

    return ENV_REF.sub(replace, value)


def expand_env_values(values: Mapping[str, Any], environ: Mapping[str, str], where: str) -> dict[str, Any]:
    """:func:`expand_env` applied to every string in a (nested) settings mapping."""

    def walk(value: Any, key: str) -> Any:
        if isinstance(value, str):
            return expand_env(value, environ, f"{where}.{key}")
        if isinstance(value, dict):
            return {k: walk(v, f"{key}.{k}") for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        return value

    return {k: walk(v, k) for k, v in values.items()}
