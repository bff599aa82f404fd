"""A notification in the shape each kind of webhook receiver takes: Slack (``text`` with mrkdwn
blocks), Discord (an embed within Discord's limits), Microsoft Teams (an Adaptive Card, what Teams
Workflows accept) or socialpost's own JSON."""

from __future__ import annotations

from typing import Any

from socialpost.i18n import _
from socialpost.notify.messages import Message

# Discord's limits (an answer 400 "Invalid Form Body" otherwise)
DISCORD_TITLE, DISCORD_DESCRIPTION, DISCORD_FIELD = 256, 4096, 1024
SLACK_SECTION = 3000  # a section block's text
COLOURS = {"failed": 0xD93025, "unknown": 0xD93025, "held": 0xF29900, "missed": 0xF29900, "token": 0xF29900}


def payload(shape: str, message: Message) -> dict[str, Any]:
    if shape == "slack":
        return _slack(message)
    if shape == "discord":
        return _discord(message)
    if shape == "teams":
        return _teams(message)
    return _plain(message)


def _clip(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def _body(message: Message) -> str:
    lines = list(message.lines)
    lines += [_("{label}: {value}").format(label=k, value=v) for k, v in _facts(message)]
    return "\n".join(lines)


def _facts(message: Message) -> list[tuple[str, str]]:
    labels = {"campaign": _("Campaign"), "post": _("Post"), "account": _("Account"), "when": _("Planned for")}
    return [(labels[k], v) for k, v in message.post.items() if k in labels and v]


def _slack(message: Message) -> dict[str, Any]:
    fix = "\n" + _("*Fix:* `{command}`").format(command=message.fix) if message.fix else ""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(message.title, 150)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _clip(_body(message) + fix, SLACK_SECTION)}},
    ]
    return {"text": message.title, "blocks": blocks}


def _discord(message: Message) -> dict[str, Any]:
    embed: dict[str, Any] = {
        "title": _clip(message.title, DISCORD_TITLE),
        "description": _clip(_body(message), DISCORD_DESCRIPTION),
        "color": COLOURS.get(message.kind, 0x1A73E8),
    }
    if message.fix:
        embed["fields"] = [{"name": _("Fix"), "value": _clip(f"`{message.fix}`", DISCORD_FIELD)}]
    return {"username": "socialpost", "embeds": [embed], "allowed_mentions": {"parse": []}}


def _teams(message: Message) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": message.title, "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": "\n\n".join(message.lines), "wrap": True},
    ]
    facts = _facts(message)
    if facts:
        body.append({"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in facts]})
    if message.fix:
        text = _("Fix: {command}").format(command=message.fix)
        body.append({"type": "TextBlock", "text": text, "fontType": "Monospace", "wrap": True})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "lang": message.language,
        "body": body,
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def _plain(message: Message) -> dict[str, Any]:
    return {
        "event": message.kind,
        "key": message.key,
        "language": message.language,
        "subject": message.subject,
        "text": message.text(),
        "fix": message.fix,
        "post": message.post or None,
    }
