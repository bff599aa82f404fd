"""The report's words for people: metric, grouping and column names in the active language.

Only the terminal tables and the HTML page use them; ``--json`` and ``--csv`` keep the English
keys (a stable contract for programs and spreadsheets).
"""

from __future__ import annotations

from socialpost.i18n import N_, _

METRIC_LABELS = {
    "views": N_("views"),
    "likes": N_("likes"),
    "reposts": N_("reposts"),
    "replies": N_("replies"),
    "quotes": N_("quotes"),
    "bookmarks": N_("bookmarks"),
    "clicks": N_("clicks"),
    "interactions": N_("interactions"),
}
GROUPING_LABELS = {
    "post": N_("post"),
    "campaign": N_("campaign"),
    "network": N_("network"),
    "account": N_("account"),
    "day": N_("day"),
    "week": N_("week"),
}


def metric_label(metric: str) -> str:
    """``views`` → ``vues`` in French (a name it does not know is shown as it is)."""
    return _(METRIC_LABELS[metric]) if metric in METRIC_LABELS else metric


def grouping_label(by: str) -> str:
    """``network`` → ``réseau`` in French."""
    return _(GROUPING_LABELS[by]) if by in GROUPING_LABELS else by


def by_title(by: str) -> str:
    """The heading of a grouped table: ``By network``."""
    titles = {
        "post": _("By post"),
        "campaign": _("By campaign"),
        "network": _("By network"),
        "account": _("By account"),
        "day": _("By day"),
        "week": _("By week"),
    }
    return titles.get(by, by)


def growth_text(grown: dict[str, int | None]) -> str:
    """``views +840, likes +21`` (the metrics that changed; empty when none did)."""
    from socialpost.i18n.formats import integer

    return ", ".join(f"{metric_label(m)} {'+' if v > 0 else ''}{integer(v)}" for m, v in grown.items() if v)


def growth_brief(grown: dict[str, int | None]) -> str:
    """``views +840, interactions +34``: :func:`growth_text` of the change in views, in
    interactions (likes + reposts + replies + quotes) and in bookmarks and clicks — what a terminal
    table has room for (the HTML page, ``--json`` and ``--csv`` give every metric)."""
    from socialpost.engagement.metrics import INTERACTIONS

    known = [value for metric in INTERACTIONS if (value := grown.get(metric)) is not None]
    return growth_text(
        {
            "views": grown.get("views"),
            "interactions": sum(known) if known else None,
            "bookmarks": grown.get("bookmarks"),
            "clicks": grown.get("clicks"),
        }
    )


STATUS_LABELS = {
    "pending": N_("scheduled"),
    "sending": N_("sending"),
    "retry_wait": N_("waiting to retry"),
    "sent": N_("published"),
    "failed": N_("failed"),
    "unknown": N_("outcome unknown"),
    "missed": N_("missed"),
    "cancelled": N_("cancelled"),
    "held": N_("held"),
}


def status_label(status: str) -> str:
    """A post's state for a client: ``sent`` → ``published`` (``publié`` in French)."""
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


# A post's state in the queue as the CLI names it (`show`, `plan --full`, the preview page). The
# English name is the state itself, as status, the README and the commands write it; a translation
# names it in the language and keeps the state in brackets ("retenue (held)"), so that what the
# docs and the other commands say can be found. "queue state|" only keeps these words apart from
# the same English words elsewhere in the catalogue (gettext's context, which our _ lacks).
_CONTEXT = "queue state|"
QUEUE_STATES = {
    # Translators: a post's state in the queue; keep the state's English name in brackets.
    "pending": N_("queue state|pending"),
    "sending": N_("queue state|sending"),
    "retry_wait": N_("queue state|retry_wait"),
    "sent": N_("queue state|sent"),
    "failed": N_("queue state|failed"),
    "unknown": N_("queue state|unknown"),
    "missed": N_("queue state|missed"),
    "cancelled": N_("queue state|cancelled"),
    "held": N_("queue state|held"),
}


def queue_state(status: str) -> str:
    """A queue state in the active language: ``held`` in English, ``retenue (held)`` in French."""
    message = QUEUE_STATES.get(status)
    if message is None:
        return status
    return _(message).removeprefix(_CONTEXT)
