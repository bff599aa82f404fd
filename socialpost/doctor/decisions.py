"""Posts waiting for the user: failed, held and unknown, each with the command that settles it."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from socialpost.doctor.finding import RECONNECT, Finding, local_when, ok, problem, warning
from socialpost.doctor.queue import DECISION_STATES, QueuedPost
from socialpost.i18n import _, formats, ngettext

SHOWN_POSTS = 10  # posts named one by one per state before a count


def _held_for_accounts(queued: Sequence[QueuedPost]) -> list[Finding]:
    """Posts held until their account is connected: one finding per account."""
    by_account: dict[str, int] = {}
    for post in queued:
        if post.for_account:
            by_account[post.account] = by_account.get(post.account, 0) + 1
    findings = []
    for account, count in sorted(by_account.items()):
        network, _sep, name = account.partition(":")
        findings.append(
            warning(
                "posts",
                ngettext(
                    "{count} post to {account} is held until the account is connected; then the daemon (or the "
                    "next socialpost schedule) puts it back in the queue.",
                    "{count} posts to {account} are held until the account is connected; then the daemon (or the "
                    "next socialpost schedule) puts them back in the queue.",
                    count,
                ).format(count=formats.integer(count), account=account),
                _("Connect it: {command}").format(command=RECONNECT.format(network=network, name=shlex.quote(name))),
            )
        )
    return findings


def check_decisions(queued: Sequence[QueuedPost]) -> list[Finding]:
    """Failed, held and unknown posts wait for the user: say which, and the command that settles each."""
    findings = _held_for_accounts(queued)
    for state in DECISION_STATES:
        posts = [p for p in queued if p.status == state and not p.for_account]
        for post in posts[:SHOWN_POSTS]:
            findings.append(_decision(post))
        if len(posts) > SHOWN_POSTS:
            findings.append(
                Finding(
                    "posts",
                    "warning" if state == "held" else "problem",
                    ngettext(
                        "… and {count} more {state} post.",
                        "… and {count} more {state} posts.",
                        len(posts) - SHOWN_POSTS,
                    ).format(count=formats.integer(len(posts) - SHOWN_POSTS), state=state),
                    _("socialpost status lists them all."),
                )
            )
    return findings or [ok("posts", _("no failed, held or unknown post waits for you"))]


def _decision(post: QueuedPost) -> Finding:
    names = {"post": post.name, "account": post.account, "reason": post.reason, "ref": post.ref}
    if post.status == "failed":
        message = _("{post} to {account} failed: {reason}") if post.reason else _("{post} to {account} failed")
        return problem(
            "posts",
            message.format(**names),
            _("Fix what the message says, then send it again: socialpost retry {ref}").format(**names),
        )
    if post.status == "held":
        return warning(
            "posts",
            _(
                "{post} to {account} is held: its time ({when}) passed while no daemon ran, and "
                "the campaign's late policy waits for you to decide."
            ).format(when=local_when(post.when, post.timezone), **names),
            _("Send it now: socialpost retry {ref} — or drop it: socialpost cancel {ref}").format(**names),
        )
    if post.reason:
        message = _("nobody knows whether {post} to {account} went out: {reason}")
    else:
        message = _("nobody knows whether {post} to {account} went out")
    return problem(
        "posts",
        message.format(**names),
        _(
            "Look at the account. If the post is there: socialpost resolve {ref} --sent URL (its address); "
            "if not: socialpost resolve {ref} --not-sent (it is sent again)."
        ).format(**names),
    )
