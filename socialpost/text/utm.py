"""UTM tagging of links: added once, as the post will be sent, never doubling a parameter."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

PLACEHOLDERS = ("network", "campaign", "post")


def expand(template: str, *, network: str, campaign: str, post: str) -> str:
    """Fill ``{network}``, ``{campaign}`` and ``{post}`` in a UTM value."""
    return template.replace("{network}", network).replace("{campaign}", campaign).replace("{post}", post)


def links(text: str) -> list[tuple[int, int, str]]:
    """(start, end, url) of every http(s) link in ``text``."""
    from twitter_text.extract_urls import extract_urls_with_indices

    return [
        (e["indices"][0], e["indices"][1], e["url"])
        for e in extract_urls_with_indices(text, extract_urls_without_protocol=False)
    ]


def tag_url(url: str, params: Mapping[str, str]) -> str:
    """``url`` with every ``utm_*`` parameter it does not already have."""
    parts = urlsplit(url)
    present = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    extra = [(f"utm_{k}" if not k.startswith("utm_") else k, v) for k, v in params.items() if v]
    missing = [(k, v) for k, v in extra if k.lower() not in present]
    if not missing:
        return url
    added = "&".join(f"{quote(k, safe='')}={quote(v, safe='{}')}" for k, v in missing)
    query = f"{parts.query}&{added}" if parts.query else added
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, parts.fragment))


def tag_links(text: str, params: Mapping[str, str], *, network: str, campaign: str, post: str) -> str:
    """``text`` with UTM parameters added to each link (placeholders filled per network)."""
    if not params:
        return text
    values = {k: expand(v, network=network, campaign=campaign, post=post) for k, v in params.items()}
    found = links(text)
    if not found:
        return text
    pieces = []
    cursor = 0
    for start, end, url in found:
        pieces.append(text[cursor:start])
        pieces.append(tag_url(url, values))
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def untagged_links(text: str) -> list[str]:
    """Links in ``text`` that carry no utm_ parameter (for the writing advice)."""
    result = []
    for _, _, url in links(text):
        query = urlsplit(url).query.lower()
        if "utm_" not in query:
            result.append(url)
    return result
