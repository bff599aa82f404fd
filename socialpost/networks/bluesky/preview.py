"""Bluesky's rich text for the preview card (the profile's ``look.rich_text``): the facets this
adapter sends (links, tags, mentions: the same code, :func:`~.facets.build_facets`), as character
offsets. A mention is drawn as one: its handle is resolved when the post is sent (a handle that
does not resolve then stays text)."""

from __future__ import annotations

from socialpost.networks.bluesky.facets import LINK, build_facets
from socialpost.networks.profile import Span


def rich_text(text: str) -> list[Span]:
    """The facets of ``text``; a link's ``href`` is the URI Bluesky opens (a bare domain gets its scheme)."""
    facets = build_facets(text, lambda handle: f"did:preview:{handle}")
    data = text.encode()
    spans: list[Span] = []
    for facet in facets.facets:
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        feature = facet["features"][0]
        link = feature["$type"] == LINK
        spans.append(
            Span(
                start=len(data[:start].decode(errors="replace")),
                end=len(data[:end].decode(errors="replace")),
                kind="link" if link else ("tag" if "tag" in feature else "mention"),
                href=str(feature["uri"]) if link else None,
            )
        )
    return spans
