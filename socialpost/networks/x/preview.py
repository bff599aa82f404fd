"""Where X finds links in a post, for the preview card (the profile's ``look.find_links``): the
ones twitter-text finds, bare domains too — each one X counts as 23 characters."""

from __future__ import annotations


def link_spans(text: str) -> list[tuple[int, int]]:
    """The links of ``text`` as character offsets (``end`` exclusive)."""
    from twitter_text.extract_urls import extract_urls_with_indices  # type: ignore[import-untyped,unused-ignore]

    return [(e["indices"][0], e["indices"][1]) for e in extract_urls_with_indices(text)]
