"""The media files waiting posts will upload: still there, and readable."""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from pathlib import Path

from socialpost.doctor.finding import Finding, ok, problem
from socialpost.doctor.queue import WAITING_STATES, QueuedPost
from socialpost.i18n import _, formats, ngettext


def check_media(queued: Sequence[QueuedPost]) -> list[Finding]:
    """Every media file a waiting post will upload is still there and readable."""
    users: dict[str, list[QueuedPost]] = {}
    checked = 0
    for post in queued:
        if post.status not in (*WAITING_STATES, "held"):
            continue
        for file in post.media:
            checked += 1
            if not (Path(file).is_file() and os.access(file, os.R_OK)):
                users.setdefault(file, []).append(post)
    findings = []
    for file, posts in users.items():
        named = ", ".join(_("{post} to {account}").format(post=p.name, account=p.account) for p in posts[:3])
        if len(posts) > 3:
            named = _("{posts} and {count} more").format(posts=named, count=len(posts) - 3)
        if not Path(file).exists():
            text = ngettext(
                "{file} is missing; {count} waiting post will fail without it: {posts}.",
                "{file} is missing; {count} waiting posts will fail without it: {posts}.",
                len(posts),
            )
        else:
            text = ngettext(
                "{file} cannot be read; {count} waiting post will fail without it: {posts}.",
                "{file} cannot be read; {count} waiting posts will fail without it: {posts}.",
                len(posts),
            )
        campaign_file = posts[0].campaign_file
        findings.append(
            problem(
                "media",
                text.format(file=file, count=formats.integer(len(posts)), posts=named),
                _(
                    "Put the file back at that path, or change the campaign ({campaign}) and run "
                    "socialpost schedule {quoted} again; to drop the post: socialpost cancel {ref}"
                ).format(campaign=campaign_file, quoted=shlex.quote(campaign_file), ref=posts[0].ref),
            )
        )
    if findings:
        return findings
    if checked:
        return [
            ok(
                "media",
                ngettext(
                    "all {count} media file of waiting posts are in place",
                    "all {count} media files of waiting posts are in place",
                    checked,
                ).format(count=formats.integer(checked)),
            )
        ]
    return [ok("media", _("no waiting post uses a media file"))]
