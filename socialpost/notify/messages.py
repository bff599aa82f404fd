"""A notification's words: its subject, what happened, why, and the command that fixes it, written
from the event's stored facts in the active language (the config's ``language:``) when it is sent."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from socialpost import i18n
from socialpost.errors import UsageError
from socialpost.i18n import _, formats, ngettext
from socialpost.localtime import local_text, reader_zone
from socialpost.store.actions import PostRef


@dataclass(frozen=True)
class Message:
    """One notification as every channel shows it."""

    kind: str
    key: str
    subject: str
    lines: tuple[str, ...]
    fix: str | None
    post: dict[str, str] = field(default_factory=dict)  # campaign, post, account, when (local)
    language: str = "en"

    @property
    def title(self) -> str:
        return f"socialpost: {self.subject}"

    def text(self) -> str:
        """The plain text body: what happened, the post's facts, then the fix."""
        parts = list(self.lines)
        labels = {
            "campaign": _("Campaign"),
            "post": _("Post"),
            "account": _("Account"),
            "when": _("Planned for"),
        }
        facts = [
            _("{label}: {value}").format(label=labels[k], value=v) for k, v in self.post.items() if k in labels and v
        ]
        if facts:
            parts += ["", *facts]
        if self.fix:
            parts += ["", _("Fix: {command}").format(command=self.fix)]
        return "\n".join(parts)


def _when(iso: str | None, zone: str = "") -> str:
    if not iso:
        return ""
    return local_text(datetime.fromisoformat(iso), reader_zone(zone))


def post_ref(campaign: str, post: str, account: str) -> str:
    """The id ``retry``, ``cancel`` and ``resolve`` take, naming the account (quoted for a shell)."""
    inline = f"{campaign}/{post}@{account}"
    try:
        if PostRef.parse(inline).account == account:
            return shlex.quote(inline)
    except UsageError:
        pass
    return f"{shlex.quote(f'{campaign}/{post}')} --account {shlex.quote(account)}"


def render(kind: str, key: str, facts: dict[str, Any]) -> Message:
    """The message for one event (``kind`` and its ``facts`` as stored), in the active language."""
    render_kind = _RENDERERS.get(kind, _sample)
    subject, lines, fix, post = render_kind(facts)
    return Message(kind, key, subject, tuple(lines), fix, post, i18n.language())


POST_STATES = ("failed", "held", "unknown", "missed")
REASON_MOST = 300  # a reason's characters in a message that lists several posts
_Rendered = tuple[str, list[str], str | None, dict[str, str]]


def _post_event(facts: dict[str, Any]) -> _Rendered:
    campaign, post, account = str(facts["campaign"]), str(facts["post"]), str(facts["account"])
    names = {"post": f"{campaign}/{post}", "account": account}
    ref = post_ref(campaign, post, account)
    reason = str(facts.get("reason") or "")
    state = facts["state"]
    if state == "failed":
        subject = _("{post} to {account} failed").format(**names)
        lines = [_("The post could not be sent, and socialpost will not try again by itself.")]
        fix = _("correct what the reason says, then run socialpost retry {ref}").format(ref=ref)
    elif state == "held":
        subject = _("{post} to {account} is held").format(**names)
        lines = [_("Its time passed while no daemon ran, and the campaign's late policy waits for you to decide.")]
        fix = _("socialpost retry {ref} (send it now) or socialpost cancel {ref} (drop it)").format(ref=ref)
    elif state == "unknown":
        subject = _("nobody knows whether {post} went out to {account}").format(**names)
        lines = [_("The network did not say whether it published the post; socialpost will not guess.")]
        fix = _(
            "look at the account, then: socialpost resolve {ref} --sent URL (it is there) or "
            "socialpost resolve {ref} --not-sent (send it again)"
        ).format(ref=ref)
    else:
        subject = _("{post} to {account} was missed").format(**names)
        lines = [_("Its time passed while no daemon ran, beyond what the campaign's late policy allows.")]
        fix = _("socialpost retry {ref} (send it now, late)").format(ref=ref)
    if reason:
        lines.append(_("Reason: {reason}").format(reason=reason))
    post_facts = {
        "campaign": campaign,
        "post": post,
        "account": account,
        "when": _when(facts.get("due_at"), str(facts.get("timezone") or "")),
    }
    return subject, lines, fix, post_facts


def render_group(events: list[tuple[str, dict[str, Any]]], keys: list[str]) -> Message:
    """One message for several posts' events (a burst: a network down, a daemon back after a
    night): each post on its line with its state, reason and the command that settles it."""
    import hashlib

    counts: dict[str, int] = {}
    for state, _facts in events:
        counts[state] = counts.get(state, 0) + 1
    states = ", ".join(f"{formats.integer(n)} {state}" for state, n in sorted(counts.items()))
    subject = ngettext("{count} post needs you ({states})", "{count} posts need you ({states})", len(events)).format(
        count=formats.integer(len(events)), states=states
    )
    lines: list[str] = []
    for _state, facts in events:
        title, _lines, fix, post = _post_event(facts)
        reason = str(facts.get("reason") or "")
        reason = reason if len(reason) <= REASON_MOST else reason[: REASON_MOST - 1] + "…"
        lines.append(f"• {title} ({post['when']})" + (f": {reason}" if reason else ""))
        if fix:
            lines.append(f"  → {fix}")
    key = "group:" + hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:32]
    return Message("posts", key, subject, tuple(lines), "socialpost status", {}, i18n.language())


def _token(facts: dict[str, Any]) -> _Rendered:
    account = str(facts["account"])
    network, _sep, name = account.partition(":")
    when = _when(facts.get("expires_at"))
    if facts.get("expired"):
        subject = _("the access of {account} has expired").format(account=account)
        lines = [_("Its token expired {when}: posts to it fail until it is connected again.").format(when=when)]
    else:
        subject = _("the access of {account} expires soon").format(account=account)
        lines = [_("Its token expires {when}: posts to it fail after that.").format(when=when)]
    waiting = int(facts.get("waiting") or 0)
    if waiting:
        lines.append(
            ngettext(
                "{count} post is waiting for this account.", "{count} posts are waiting for this account.", waiting
            ).format(count=formats.integer(waiting))
        )
    fix = f"socialpost accounts add {network} {shlex.quote(name)}"
    return subject, lines, fix, {"account": account}


def _daemon_down(facts: dict[str, Any]) -> _Rendered:
    due = int(facts.get("due") or 0)
    since = _when(facts.get("since"))
    count = formats.integer(due)
    if facts.get("over"):  # a daemon started after the gap
        subject = _("no daemon ran from {since} to {until}").format(since=since or "?", until=_when(facts.get("until")))
        lines = [
            ngettext(
                "{count} post was due meanwhile; the campaign's late policy decided what became of it.",
                "{count} posts were due meanwhile; the campaigns' late policies decided what became of them.",
                due,
            ).format(count=count)
        ]
        fix = "socialpost status"
    else:
        subject = _("no daemon has run since {since}").format(since=since) if since else _("no daemon has ever run")
        lines = [
            ngettext(
                "{count} post is due and waiting: nothing sends it until a daemon runs.",
                "{count} posts are due and waiting: nothing sends them until a daemon runs.",
                due,
            ).format(count=count)
        ]
        fix = _("socialpost daemon (keep it running on a machine that stays on)")
    first = _when(facts.get("first_due"))
    if first:
        lines.append(_("The first was planned for {when}.").format(when=first))
    return subject, lines, fix, {}


def _digest(facts: dict[str, Any]) -> _Rendered:
    moved: dict[str, int] = {str(k): int(v) for k, v in dict(facts.get("moved") or {}).items()}
    subject = _("daily digest for {date}").format(date=facts.get("date", ""))
    lines = [_("In the last 24 hours:")]  # state names stay as the commands show them
    lines += [f"  {state}: {formats.integer(moved.get(state, 0))}" for state in ("sent", *POST_STATES)]
    attention = int(facts.get("attention") or 0)
    lines.append(
        ngettext(
            "{count} post waits for you (failed, held or unknown).",
            "{count} posts wait for you (failed, held or unknown).",
            attention,
        ).format(count=formats.integer(attention))
    )
    upcoming = int(facts.get("upcoming") or 0)
    next_due = _when(facts.get("next_due"))
    if upcoming:
        lines.append(
            ngettext(
                "{count} post is due in the next 24 hours, the first at {when}.",
                "{count} posts are due in the next 24 hours, the first at {when}.",
                upcoming,
            ).format(count=formats.integer(upcoming), when=next_due)
        )
    else:
        lines.append(_("No post is due in the next 24 hours."))
    return subject, lines, "socialpost status", {}


def _sample(_facts: dict[str, Any]) -> _Rendered:
    subject = _("test message")
    lines = [_("This is a test from socialpost notify test: this channel works.")]
    return subject, lines, None, {}


_RENDERERS = {
    "failed": _post_event,
    "held": _post_event,
    "unknown": _post_event,
    "missed": _post_event,
    "token": _token,
    "daemon_down": _daemon_down,
    "digest": _digest,
    "test": _sample,
}
