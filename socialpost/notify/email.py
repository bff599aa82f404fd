"""E-mail through an SMTP server: STARTTLS (port 587), implicit TLS (port 465) or a plain local
relay, with a login when the channel names a user. Each failure is one :class:`NotificationFailed`
saying what to change."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from socialpost.errors import NotificationFailed
from socialpost.i18n import _
from socialpost.networks.common.tls import ssl_context
from socialpost.notify.messages import Message
from socialpost.settings.notify import EmailChannel
from socialpost.timeutil import utcnow


def build(channel: EmailChannel, message: Message, *, name: str) -> EmailMessage:
    """The e-mail: subject, sender, recipients, the language of its text and a Message-ID made of
    the event, so a repeat (after a crash mid-send) is one message in the mailbox."""
    mail = EmailMessage()
    mail.set_content(message.text())  # first: it replaces every Content-* header
    mail["Subject"] = message.title
    mail["From"] = channel.sender
    mail["To"] = ", ".join(channel.to)
    mail["Date"] = format_datetime(utcnow())
    digest = hashlib.sha256(f"{message.key}\0email:{name}".encode()).hexdigest()[:40]
    mail["Message-ID"] = f"<{digest}@socialpost.invalid>"
    mail["Content-Language"] = message.language
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Socialpost-Event"] = message.kind
    return mail


def send(channel: EmailChannel, message: Message, *, name: str, password: str | None, base_dir: Path) -> None:
    """Hand ``message`` to the channel's SMTP server."""
    where = _("e-mail channel '{name}' ({host}:{port})").format(
        name=name, host=channel.host, port=channel.port_or_default
    )
    if channel.user and password is None:
        raise NotificationFailed(
            _("{where}: no password for the SMTP login {user}.").format(where=where, user=channel.user),
            hint=_(
                "Fix: write password: ${{SMTP_PASSWORD}} in notify.email.{name} and set that variable, or put "
                "the password in the secrets file under notify:{name} (password: …)."
            ).format(name=name),
        )
    context = _context(channel, base_dir, where)
    mail = build(channel, message, name=name)
    try:
        if channel.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                channel.host, channel.port_or_default, timeout=channel.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(channel.host, channel.port_or_default, timeout=channel.timeout)
        with smtp:
            if channel.security == "starttls":
                smtp.starttls(context=context)
            if channel.user and password is not None:
                _login(smtp, channel.user, password, where)
            smtp.send_message(mail)
    except smtplib.SMTPAuthenticationError as exc:
        raise NotificationFailed(
            _("{where}: the server refused the login ({code}).").format(where=where, code=exc.smtp_code),
            hint=_("Fix: check user and the password (its variable, or notify:{name} in the secrets file).").format(
                name=name
            ),
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise NotificationFailed(
            _("{where}: the server does not offer STARTTLS.").format(where=where),
            hint=_("Fix: set security: ssl (port 465) if it takes TLS from the start, or ask its administrator."),
        ) from None
    except ssl.SSLError as exc:
        raise NotificationFailed(
            _("{where}: the TLS connection failed ({reason}).").format(where=where, reason=exc.reason or exc),
            hint=_(
                "Fix: security: ssl goes with port 465 and starttls with 587; for a server with a private "
                "certificate, set ca_file to its CA (PEM)."
            ),
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise NotificationFailed(
            _("{where}: the server refused the recipients {to}.").format(where=where, to=", ".join(exc.recipients)),
            hint=_("Fix: check the addresses in to, and that the server relays mail for this sender."),
        ) from None
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        raise NotificationFailed(
            _("{where}: the server answered {code} {text}.").format(where=where, code=exc.smtp_code, text=text),
            hint=_("Fix: check from and to, and the server's limits; socialpost tries again later."),
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise NotificationFailed(
            _("{where}: cannot reach the server ({reason}).").format(where=where, reason=_reason(exc)),
            hint=_("Fix: check host, port and security; socialpost tries again later."),
        ) from None


def _login(smtp: smtplib.SMTP, user: str, password: str, where: str) -> None:
    try:
        smtp.login(user, password)
    except smtplib.SMTPNotSupportedError:
        raise NotificationFailed(
            _("{where}: the server offers no login (AUTH) on this connection.").format(where=where),
            hint=_("Fix: most servers offer it only over TLS: set security: starttls or ssl; else remove user."),
        ) from None


def _context(channel: EmailChannel, base_dir: Path, where: str) -> ssl.SSLContext:
    if not channel.ca_file:
        return ssl_context()
    path = Path(channel.ca_file).expanduser()
    path = path if path.is_absolute() else base_dir / path
    try:
        return ssl.create_default_context(cafile=str(path))
    except (OSError, ssl.SSLError) as exc:
        raise NotificationFailed(
            _("{where}: cannot read ca_file {path} ({reason}).").format(where=where, path=path, reason=_reason(exc)),
            hint=_("Fix: point ca_file to the server's CA certificate (PEM), or remove it."),
        ) from None


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "strerror", None) or exc) or exc.__class__.__name__
