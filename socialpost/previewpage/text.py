"""A part's text as HTML, the way a network's app draws it: links shortened as it shortens them,
hashtags and mentions in its link colour. Nothing is re-measured here (lengths come from
:mod:`socialpost.preview`, as `validate` counts them).
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import urlsplit

from socialpost.networks.profile import PreviewLook, Span

_TOKEN = re.compile(
    r"(?P<link>https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'’])|(?P<tag>(?<![\w#&])#\w*[^\W\d_]\w*)"
    r"|(?P<mention>(?<![\w@])@[\w.-]+(?:@[\w.-]+)?[\w])",
    re.IGNORECASE,
)


def shown_link(url: str, look: PreviewLook) -> str:
    """``https://example.com/roastery?utm_source=x…`` as the app prints it: no scheme, no ``www.``,
    cut with an ellipsis where the network cuts it (``look.link_shown``; the whole link is in the
    ``href``)."""
    limit = look.link_shown
    parts = urlsplit(url)
    bare = url.split("://", 1)[-1]
    if parts.netloc.startswith("www."):
        bare = bare[4:]
    if limit is None or len(bare) <= limit:
        return bare
    return bare[: limit - 1] + "…"


def rich(text: str, look: PreviewLook, *, links: bool = True) -> str:
    """``text`` escaped for HTML, with its links, hashtags and mentions marked up, found as the
    network finds them (:func:`spans`); ``links``: shortened as the app shortens them."""
    out: list[str] = []
    last = 0
    for span in spans(text, look):
        out.append(escape(text[last : span.start]))
        token = text[span.start : span.end]
        if span.kind == "link":
            href = _href(span, token)
            shown = shown_link(token, look) if links else token
            out.append(f'<a class="lnk" href="{escape(href)}" title="{escape(href)}">{escape(shown)}</a>')
        else:
            out.append(f'<span class="lnk">{escape(token)}</span>')
        last = span.end
    out.append(escape(text[last:]))
    return "".join(out)


def spans(text: str, look: PreviewLook) -> list[Span]:
    """Where the links, hashtags and mentions are, in order, never overlapping: the ones the
    adapter sends when it declares them (Bluesky's facets), else the ones found in the text, with
    the network's own links when it finds more than URLs with a scheme (X: bare domains too)."""
    if look.rich_text is not None:
        return _apart(list(look.rich_text(text)))
    found: list[Span] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "tag"
        if kind == "link" and look.find_links is not None:
            continue  # the network's, below
        found.append(Span(match.start(), match.end(), kind))
    if look.find_links is not None:
        found += [Span(start, end, "link") for start, end in look.find_links(text)]
    return _apart(found)


def _apart(found: list[Span]) -> list[Span]:
    found.sort(key=lambda span: (span.start, -span.end))
    kept: list[Span] = []
    for span in found:
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def _href(span: Span, token: str) -> str:
    return span.href or (token if "://" in token else f"https://{token}")


def first_link(text: str, look: PreviewLook) -> str | None:
    """The first link of ``text`` as the network finds it (what its link card would show)."""
    for span in spans(text, look):
        if span.kind == "link":
            return _href(span, text[span.start : span.end])
    return None


def cut(text: str, chars: int) -> tuple[str, str]:
    """``text`` split where a feed cuts it (``chars`` characters, at a word when there is one near)."""
    if len(text) <= chars:
        return text, ""
    head = text[:chars]
    space = head.rfind(" ")
    if space > chars * 0.7:
        head = head[:space]
    return head, text[len(head) :]
