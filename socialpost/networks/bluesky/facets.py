"""Rich-text facets for Bluesky: links, #hashtags and @mentions with UTF-8 byte offsets.

Bluesky does not turn text into links by itself: a client must send *facets*, each naming a
slice of the post's UTF-8 bytes (``byteStart`` inclusive, ``byteEnd`` exclusive) and what it is.
Detection uses the atproto SDK's port of the official TypeScript rules (``detect_facets`` for
links, tags and cashtags; ``detect_mentions`` for handles); mentions are resolved to DIDs by the
caller's ``resolve`` function, and a handle that does not resolve stays plain text.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

LINK = "app.bsky.richtext.facet#link"
TAG = "app.bsky.richtext.facet#tag"
MENTION = "app.bsky.richtext.facet#mention"


@dataclass(frozen=True)
class Facets:
    facets: list[dict[str, Any]]  # lexicon JSON, sorted by byteStart, never overlapping
    first_link: str | None  # the URI of the first link, for a link card


def sdk(module: str) -> Any:
    """An atproto SDK module, imported on first use (the SDK ships no type information)."""
    return importlib.import_module(module)


def _facet(start: int, end: int, feature: dict[str, Any]) -> dict[str, Any]:
    return {
        "$type": "app.bsky.richtext.facet",
        "index": {"byteStart": start, "byteEnd": end},
        "features": [feature],
    }


def build_facets(text: str, resolve: Callable[[str], str | None]) -> Facets:
    """Facets for ``text``; ``resolve(handle)`` returns the handle's DID, or None when unknown."""
    facet_model = sdk("atproto_client.models").AppBskyRichtextFacet
    detection = sdk("atproto_client.utils.facet_detection")

    found: list[dict[str, Any]] = []
    for detected in detection.detect_facets(text):
        start, end = detected.index.byte_start, detected.index.byte_end
        for feature in detected.features:
            if isinstance(feature, facet_model.Link):
                found.append(_facet(start, end, {"$type": LINK, "uri": feature.uri}))
            elif isinstance(feature, facet_model.Tag):
                found.append(_facet(start, end, {"$type": TAG, "tag": feature.tag}))
    resolved: dict[str, str | None] = {}
    for mention in detection.detect_mentions(text):
        handle = mention.handle.lower()
        if handle not in resolved:
            resolved[handle] = resolve(handle)
        did = resolved[handle]
        if did:
            found.append(_facet(mention.byte_start, mention.byte_end, {"$type": MENTION, "did": did}))
    found.sort(key=lambda f: (f["index"]["byteStart"], -f["index"]["byteEnd"]))
    kept: list[dict[str, Any]] = []
    for facet in found:  # overlapping facets are invalid; the earlier (longer) one wins
        if kept and facet["index"]["byteStart"] < kept[-1]["index"]["byteEnd"]:
            continue
        kept.append(facet)
    first_link = next((f["features"][0]["uri"] for f in kept if f["features"][0]["$type"] == LINK), None)
    return Facets(kept, first_link)
