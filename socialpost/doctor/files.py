"""The config file and the files socialpost keeps: who may read or change them, secrets in clear."""

from __future__ import annotations

import re
import shlex
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from socialpost.doctor.database import sqlite_file
from socialpost.doctor.finding import Finding, ok, problem, warning
from socialpost.errors import ConfigError, SocialpostError
from socialpost.i18n import _, formats, ngettext

if TYPE_CHECKING:
    from socialpost.settings.config import Settings


def config_where(settings: Settings) -> str:
    if settings.config_path is None:
        return _("no config file: socialpost runs on its defaults")
    return _("{path} is valid").format(path=settings.config_path)


def check_config_permissions(settings: Settings) -> list[Finding]:
    """The config file may hold ``${ENV}`` references, never secrets others can read; nobody but
    its owner may change it (it says where posts go and which database to use)."""
    path = settings.config_path
    if path is None:
        return []
    mode = path.stat().st_mode
    findings: list[Finding] = []
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        findings.append(
            warning(
                "config-permissions",
                _(
                    "{path} can be changed by other users (mode {mode}): they could send your "
                    "posts elsewhere or point socialpost at another database."
                ).format(path=path, mode=f"{stat.S_IMODE(mode):04o}"),
                _("Make it writable by you only: {command}").format(command=f"chmod go-w {shlex.quote(str(path))}"),
            )
        )
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        clear = _secrets_in_clear(settings)
        if clear:
            findings.append(
                problem(
                    "config-permissions",
                    ngettext(
                        "{path} holds {count} secret written in clear ({names}) and other "
                        "users can read it (mode {mode}).",
                        "{path} holds {count} secrets written in clear ({names}) and other "
                        "users can read it (mode {mode}).",
                        len(clear),
                    ).format(
                        path=path,
                        count=formats.integer(len(clear)),
                        names=", ".join(clear[:5]),
                        mode=f"{stat.S_IMODE(mode):04o}",
                    ),
                    _(
                        "Move the secrets to secrets.yaml (socialpost accounts add … does it) or write them as "
                        "${{ENV_VAR}} references, and make the file private: {command}"
                    ).format(command=f"chmod 600 {shlex.quote(str(path))}"),
                )
            )
    if not findings:
        findings.append(ok("config-permissions", _("{path} is not writable by other users").format(path=path)))
    return findings


def _secrets_in_clear(settings: Settings) -> list[str]:
    """``accounts.NETWORK.NAME.FIELD`` of every secret setting written as a literal value."""
    from socialpost.networks.registry import load

    found = []
    for network, names in settings.accounts.items():
        try:
            model = load(network).settings_model
            secret_fields = {n for n, f in model.model_fields.items() if "SecretStr" in repr(f.annotation)}
        except SocialpostError:
            secret_fields = set()
        for name, values in names.items():
            for key, value in (values or {}).items():
                looks_secret = key in secret_fields or re.search(r"token|secret|password", key, re.I)
                if looks_secret and isinstance(value, str) and value and not re.fullmatch(r"\$\{[^}]+\}", value):
                    found.append(f"accounts.{network}.{name}.{key}")
                else:
                    inside = _secrets_in_url_or_headers(key, value)
                    found.extend(f"accounts.{network}.{name}.{where}" for where in inside)
    return found


# Words in a header or query parameter name that say it holds a credential (X-Api-Key, access_token).
_CREDENTIAL_WORDS = frozenset(
    {
        "token", "secret", "password", "passwd", "pass", "key", "apikey", "auth", "authorization", "signature",
        "sig", "cookie", "session", "credential", "credentials", "accesstoken", "apitoken", "jwt", "bearer", "hmac",
    }
)  # fmt: skip
_ENV_REFERENCE = re.compile(r"\$\{[^}]+\}")
_AUTH_SCHEME = re.compile(r"^\s*(?:bearer|basic|token|bot|digest)\b", re.I)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def _secrets_in_url_or_headers(key: str, value: Any) -> list[str]:
    """Where an account setting holds a literal secret inside a URL (a webhook's token in its path
    or query, a password before the host) or in request ``headers`` (an ``Authorization`` value).
    ``${ENV_VAR}`` references are not literal: they are taken out before looking. Returns the
    setting's name (``url``, ``headers.Authorization``), never the value."""
    if isinstance(value, str) and re.match(r"https?://", value, re.I):
        return [key] if _url_holds_secret(_ENV_REFERENCE.sub("", value)) else []
    if key.lower() == "headers" and isinstance(value, dict):
        return [
            f"{key}.{header}"
            for header, text in value.items()
            if isinstance(text, str) and _header_holds_secret(str(header), _ENV_REFERENCE.sub("", text))
        ]
    return []


def _url_holds_secret(url: str) -> bool:
    from urllib.parse import parse_qsl, unquote

    parts = urlsplit(url)
    if parts.password:
        return True
    for name, text in parse_qsl(parts.query, keep_blank_values=True):
        if text and (_names_a_credential(name) or _looks_like_token(text)):
            return True
    return any(_looks_like_token(unquote(segment)) for segment in parts.path.split("/"))


def _header_holds_secret(name: str, text: str) -> bool:
    rest = _AUTH_SCHEME.sub("", text).strip()
    if not rest:
        return False
    return _names_a_credential(name) or _looks_like_token(rest)


def _names_a_credential(name: str) -> bool:
    return any(word in _CREDENTIAL_WORDS for word in re.split(r"[-_.\s]+", name.lower()))


def _looks_like_token(text: str) -> bool:
    """A token rather than a word: a UUID, or a run of 16+ characters mixing letters and digits
    (or 20+ mixing cases), as in Slack's and Discord's webhook URLs. Slugs such as
    ``2026-spring-launch`` are words."""
    if _UUID.fullmatch(text):
        return True
    for piece in re.split(r"[-_.~\s]", text):
        letters, digits = re.search(r"[A-Za-z]", piece), re.search(r"\d", piece)
        if len(piece) >= 16 and letters and digits:
            return True
        if len(piece) >= 20 and re.search(r"[a-z]", piece) and re.search(r"[A-Z]", piece):
            return True
    return False


def check_secrets_file(settings: Settings) -> list[Finding]:
    """``secrets.yaml`` must be readable by its owner only (0600), and valid."""
    from socialpost.settings import secrets

    path = settings.secrets_path
    if path is None or not path.exists():
        return [ok("secrets-permissions", _("no secrets file (secrets.yaml) yet"))]
    findings: list[Finding] = []
    if secrets.insecure(path):
        mode = stat.S_IMODE(path.stat().st_mode)
        findings.append(
            problem(
                "secrets-permissions",
                _(
                    "{path} holds your account tokens and other users can read or change it (mode {mode}; "
                    "it must be 0600)."
                ).format(path=path, mode=f"{mode:04o}"),
                _(
                    "Make it private: {command} — and if others may have read it, "
                    "connect the accounts again (socialpost accounts add …) to get new tokens."
                ).format(command=f"chmod 600 {shlex.quote(str(path))}"),
            )
        )
    try:
        secrets.load(path)
    except ConfigError as exc:
        findings.append(
            problem(
                "secrets-permissions",
                exc.message,
                exc.hint or _("Correct the file, or remove it and add the accounts again."),
            )
        )
    if not findings:
        findings.append(ok("secrets-permissions", _("{path} is private (0600)").format(path=path)))
    return findings


def check_data_permissions(settings: Settings) -> list[Finding]:
    """The data folder and a SQLite database (with its -wal, -shm and -journal files) hold
    unpublished posts, failure reasons, inbox messages and network sessions: nobody but their
    owner should open them. socialpost creates them so (0700 and 0600); a folder or file that
    existed before keeps the mode its owner gave it, and this says how to close it."""
    findings: list[Finding] = []
    folder = settings.data_dir
    if folder.is_dir() and _open_to_others(folder):
        findings.append(
            warning(
                "data-permissions",
                _(
                    "the data folder {path} can be opened by other users (mode {mode}); it holds your unpublished "
                    "posts, network sessions and outboxes."
                ).format(path=folder, mode=_mode(folder)),
                _("Make it private: {command}").format(command=f"chmod 700 {shlex.quote(str(folder))}"),
            )
        )
    database = sqlite_file(settings.database_url)
    if database is not None:
        files = [database, *(database.with_name(database.name + end) for end in ("-wal", "-shm", "-journal"))]
        wide = [path for path in files if path.is_file() and _open_to_others(path)]
        if wide:
            findings.append(
                warning(
                    "data-permissions",
                    _(
                        "the database {path} can be read by other users (mode {mode}); it holds your unpublished "
                        "posts, failure reasons and inbox messages."
                    ).format(path=wide[0], mode=_mode(wide[0])),
                    _("Make it private: {command}").format(
                        command="chmod 600 " + " ".join(shlex.quote(str(path)) for path in wide)
                    ),
                )
            )
    if not findings:
        findings.append(ok("data-permissions", _("the data folder and the database are private to you")))
    return findings


def _open_to_others(path: Path) -> bool:
    """Any permission for the group or others: on a folder, even "x" lets them open a file whose
    name they know (and socialpost.db is a known name)."""
    return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def _mode(path: Path) -> str:
    return f"{stat.S_IMODE(path.stat().st_mode):04o}"
