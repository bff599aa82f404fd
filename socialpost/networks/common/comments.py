"""What a reply must be before a network that takes comments is asked: not empty, not too long.

Facebook Pages and LinkedIn both count a comment in graphemes and refuse it past their limit; the
sentence saying so names the network, so each adapter passes its own (translated) wording.
"""

from __future__ import annotations

from socialpost.errors import ContentRejected
from socialpost.i18n import _
from socialpost.i18n.formats import integer
from socialpost.text.count import graphemes


def check_reply(text: str, *, where: str, limit: int, too_long: str) -> None:
    """Raise ContentRejected for an empty reply, or one over ``limit`` graphemes (``too_long``: a
    template with ``{where}``, ``{length}`` and ``{limit}``)."""
    if not text.strip():
        raise ContentRejected(_("{where}: the reply is empty.").format(where=where), hint=_("Write some text for it."))
    length = graphemes(text)
    if length > limit:
        raise ContentRejected(
            too_long.format(where=where, length=integer(length), limit=integer(limit)),
            hint=_("Shorten it by {count} characters.").format(count=integer(length - limit)),
        )
