from __future__ import annotations

from socialpost.text.count import x_weighted_length
from socialpost.text.utm import tag_links, tag_url, untagged_links

PARAMS = {"source": "{network}", "medium": "social", "campaign": "{campaign}", "content": "{post}"}


def test_tags_each_link_with_placeholders_filled_per_network() -> None:
    text = "Nouveau ! https://example.com/roastery et https://example.com/menu?lang=fr#cafe."
    tagged = tag_links(text, PARAMS, network="mastodon", campaign="spring", post="teaser")
    assert tagged == (
        "Nouveau ! https://example.com/roastery?utm_source=mastodon&utm_medium=social&utm_campaign=spring"
        "&utm_content=teaser et https://example.com/menu?lang=fr&utm_source=mastodon&utm_medium=social"
        "&utm_campaign=spring&utm_content=teaser#cafe."
    )


def test_never_doubles_a_parameter_and_is_applied_once() -> None:
    url = "https://example.com/?utm_source=newsletter&x=1"
    tagged = tag_url(url, {"utm_source": "x", "utm_medium": "social"})
    assert tagged == "https://example.com/?utm_source=newsletter&x=1&utm_medium=social"
    # tagging the tagged text again changes nothing
    text = "see https://example.com/a"
    once = tag_links(text, PARAMS, network="x", campaign="c", post="p")
    assert tag_links(once, PARAMS, network="x", campaign="c", post="p") == once


def test_bare_domains_and_text_without_links_are_left_alone() -> None:
    assert (
        tag_links("visit example.com today", PARAMS, network="x", campaign="c", post="p") == "visit example.com today"
    )
    assert tag_links("no links", PARAMS, network="x", campaign="c", post="p") == "no links"
    assert tag_links("https://e.com", {}, network="x", campaign="c", post="p") == "https://e.com"


def test_values_are_url_encoded() -> None:
    assert tag_url("https://e.com/p", {"campaign": "été 2027 & co"}) == (
        "https://e.com/p?utm_campaign=%C3%A9t%C3%A9%202027%20%26%20co"
    )


def test_tagged_links_still_count_23_on_x() -> None:
    tagged = tag_links("https://example.com/x", PARAMS, network="x", campaign="spring", post="teaser")
    assert len(tagged) > 60 and x_weighted_length(tagged) == 23


def test_untagged_links() -> None:
    assert untagged_links("a https://e.com/?utm_source=x b https://f.com/") == ["https://f.com/"]
