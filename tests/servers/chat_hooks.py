"""Incoming-webhook receivers as Slack, Discord and Microsoft Teams (Workflows) check them: the
shape of the JSON and the documented length limits, answered as each service answers.

* Slack (``/slack…``): ``text`` or ``blocks`` required (400 ``no_text``); a header block's text is
  plain_text of at most 150 characters, a section's at most 3000 (400 ``invalid_blocks``); 200 ``ok``.
* Discord (``/discord…``): ``content`` (≤ 2000) or ``embeds`` (≤ 10) required (400, code 50006
  "Cannot send an empty message"); embed title ≤ 256, description ≤ 4096, field name ≤ 256 and
  value ≤ 1024, 6000 in all (400, code 50035 "Invalid Form Body"); 204 with no body.
* Teams Workflows (``/teams…``): ``type: message`` with ``attachments`` of content type
  ``application/vnd.microsoft.card.adaptive`` holding an ``AdaptiveCard`` with a ``version`` and a
  ``body`` (400 otherwise; Workflows take no other card); 202 Accepted.
"""

from __future__ import annotations

from typing import Any

from tests.support.http import Reply, Request


def _slack(body: Any) -> Reply:
    if not isinstance(body, dict) or not (body.get("text") or body.get("blocks")):
        return Reply(400, "no_text")
    for block in body.get("blocks") or []:
        kind = block.get("type")
        text = block.get("text") or {}
        if kind == "header" and (text.get("type") != "plain_text" or len(text.get("text", "")) > 150):
            return Reply(400, "invalid_blocks")
        if kind == "section" and (text.get("type") not in ("mrkdwn", "plain_text") or len(text.get("text", "")) > 3000):
            return Reply(400, "invalid_blocks")
        if kind not in ("header", "section", "context", "divider"):
            return Reply(400, "invalid_blocks")
    return Reply(200, "ok")


def _discord(body: Any) -> Reply:
    if not isinstance(body, dict):
        return Reply(400, {"code": 50109, "message": "The request body contains invalid JSON."})
    content, embeds = body.get("content"), body.get("embeds") or []
    if not content and not embeds:
        return Reply(400, {"code": 50006, "message": "Cannot send an empty message"})
    total = 0
    bad = (content is not None and len(content) > 2000) or len(embeds) > 10
    for embed in embeds:
        title, description = embed.get("title") or "", embed.get("description") or ""
        bad = bad or len(title) > 256 or len(description) > 4096
        total += len(title) + len(description)
        for item in embed.get("fields") or []:
            bad = bad or len(item.get("name", "")) > 256 or len(item.get("value", "")) > 1024
            bad = bad or not item.get("name") or not item.get("value")
            total += len(item.get("name", "")) + len(item.get("value", ""))
    if bad or total > 6000:
        return Reply(400, {"code": 50035, "message": "Invalid Form Body"})
    return Reply(204)


def _teams(body: Any) -> Reply:
    try:
        assert body["type"] == "message"
        (attachment,) = body["attachments"]
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        card = attachment["content"]
        assert card["type"] == "AdaptiveCard" and card["version"] and isinstance(card["body"], list)
        assert all(isinstance(element, dict) and element.get("type") for element in card["body"])
    except (AssertionError, KeyError, TypeError, ValueError):
        return Reply(400, {"error": {"code": "InvalidRequestContent", "message": "The request content is not valid."}})
    return Reply(202)


def chat_receiver(request: Request) -> Reply:
    """Answer a POST as the service its path names (``/slack``, ``/discord``, ``/teams``), else 200."""
    try:
        body = request.json
    except ValueError:
        return Reply(400, "invalid_payload")
    for prefix, check in (("/slack", _slack), ("/discord", _discord), ("/teams", _teams)):
        if request.path.startswith(prefix):
            return check(body)
    return Reply(200, {"ok": True})
