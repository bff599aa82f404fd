"""A part's text as HTML, the way a network's app draws it: links shortened as it shortens them,
hashtags and mentions in its link colour. Nothing is re-measured here (lengths come from
:mod:`socialpost.preview`, as `validate` counts them).
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import urlsplit

# how many characters of a link (without its scheme) each app shows before an ellipsis
LINK_SHOWN = {"x": 23, "mastodon": 30, "bluesky": 25, "threads": 30}
_TOKEN = re.compile(
    r"(?P<link>https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'’])|(?P<tag>(?<![\w#&])#\w*[^\W\d_]\w*)"
    r"|(?P<mention>(?<![\w@])@[\w.-]+(?:@[\w.-]+)?[\w])",
    re.IGNORECASE,
)


def shown_link(url: str, network: str) -> str:
    """``https://example.com/roastery?utm_source=x…`` as the app prints it: no scheme, no ``www.``,
    cut with an ellipsis where the network cuts it (the whole link is in the ``href``)."""
    limit = LINK_SHOWN.get(network)
    parts = urlsplit(url)
    bare = url.split("://", 1)[-1]
    if parts.netloc.startswith("www."):
        bare = bare[4:]
    if limit is None or len(bare) <= limit:
        return bare
    return bare[: limit - 1] + "…"


def rich(text: str, network: str, *, links: bool = True) -> str:
    """``text`` escaped for HTML, with its links, hashtags and mentions marked up. X's links are the
    ones twitter-text finds (bare domains too): those X counts as 23 characters each."""
    spans = _spans(text, network)
    out: list[str] = []
    last = 0
    for start, end, kind in spans:
        out.append(escape(text[last:start]))
        token = text[start:end]
        if kind == "link":
            href = token if "://" in token else f"https://{token}"
            shown = shown_link(token, network) if links else token
            out.append(f'<a class="lnk" href="{escape(href)}" title="{escape(href)}">{escape(shown)}</a>')
        else:
            out.append(f'<span class="lnk">{escape(token)}</span>')
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


def _spans(text: str, network: str) -> list[tuple[int, int, str]]:
    """Where the links, hashtags and mentions are, in order, never overlapping."""
    found: list[tuple[int, int, str]] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "tag"
        if kind == "link" and network == "x":
            continue  # twitter-text's, below
        found.append((match.start(), match.end(), kind))
    if network == "x":
        from twitter_text.extract_urls import extract_urls_with_indices  # type: ignore[import-untyped,unused-ignore]

        found += [(e["indices"][0], e["indices"][1], "link") for e in extract_urls_with_indices(text)]
    found.sort(key=lambda span: (span[0], -span[1]))
    kept: list[tuple[int, int, str]] = []
    for span in found:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def first_link(text: str) -> str | None:
    found = _TOKEN.search(text)
    while found is not None and not found.group("link"):
        found = _TOKEN.search(text, found.end())
    return found.group(0) if found else None


def bluesky_rich(text: str) -> tuple[str, str | None]:
    """Bluesky's facets as its adapter detects them (links, tags, mentions: the same code), drawn
    over the text, and the first link (what its link card would show). A mention is drawn as one:
    its handle is resolved when the post is sent (a handle that does not resolve stays text)."""
    from socialpost.networks.bluesky.facets import LINK, build_facets

    facets = build_facets(text, lambda handle: f"did:preview:{handle}")
    data = text.encode()
    out: list[str] = []
    last = 0
    for facet in facets.facets:
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        out.append(escape(data[last:start].decode(errors="replace")))
        piece = data[start:end].decode(errors="replace")
        feature = facet["features"][0]
        if feature["$type"] == LINK:
            uri = str(feature["uri"])
            out.append(
                f'<a class="lnk" href="{escape(uri)}" title="{escape(uri)}">{escape(shown_link(piece, "bluesky"))}</a>'
            )
        else:
            out.append(f'<span class="lnk">{escape(piece)}</span>')
        last = end
    out.append(escape(data[last:].decode(errors="replace")))
    return "".join(out), facets.first_link


def cut(text: str, chars: int) -> tuple[str, str]:
    """``text`` split where a feed cuts it (``chars`` characters, at a word when there is one near)."""
    if len(text) <= chars:
        return text, ""
    head = text[:chars]
    space = head.rfind(" ")
    if space > chars * 0.7:
        head = head[:space]
    return head, text[len(head) :]
