"""Writing advice: each rule fires on the case it is for, and stays quiet otherwise."""

from __future__ import annotations

from datetime import datetime

import pytest

from socialpost.campaign.advice import (
    RULES,
    advise_media,
    advise_same_text,
    advise_text,
    advise_time,
    is_french,
)


def rules(text: str, **kwargs: object) -> set[str]:
    kwargs.setdefault("network", "mastodon")
    return {a.rule for a in advise_text(text, **kwargs)}  # type: ignore[arg-type]


def test_a_good_post_gets_no_advice() -> None:
    assert rules("Our roastery opens Saturday. Which origin should we roast first?") == set()


@pytest.mark.parametrize(
    "text",
    ["What do you think", "Tell us your favourite cup", "Dites-nous ce que vous en pensez", "Qu'en pensez-vous"],
)
def test_an_invitation_counts_as_conversation(text: str) -> None:
    assert "no-conversation" not in rules(text)


def test_no_conversation() -> None:
    advice = advise_text("We opened a roastery.", network="x")
    assert [a.rule for a in advice] == ["no-conversation"]
    assert "A conversation, not a broadcast" in advice[0].message
    # a question in a later thread part is enough
    assert "no-conversation" not in rules("We opened.", thread=["Have you been?"])


def test_too_many_hashtags_depends_on_the_network() -> None:
    text = "Fresh coffee? #coffee #montreal #local"
    assert "too-many-hashtags" in rules(text, network="x")
    assert "too-many-hashtags" not in rules(text, network="mastodon")
    assert "too-many-hashtags" not in rules("Anchor #1 and &#39; are not tags? #real", network="x")


def test_link_only() -> None:
    assert "link-only" in rules("  https://example.com/roastery  ")
    assert "link-only" not in rules("Open today? https://example.com/roastery")


def test_all_caps() -> None:
    assert "all-caps" in rules("BIG SALE TODAY ONLY, COME NOW?")
    assert "all-caps" not in rules("Big SALE today, come?")
    assert "all-caps" not in rules("OK?")  # too short to judge


def test_bare_domain_cannot_carry_utm() -> None:
    advice = list(advise_text("See example.com/menu, what's your pick?", network="x", uses_utm=True))
    assert [a.rule for a in advice] == ["link-without-utm"]
    assert "https://example.com/menu" in advice[0].message
    assert "link-without-utm" not in rules("See https://example.com/menu?", uses_utm=True)
    assert "link-without-utm" not in rules("See example.com/menu?", uses_utm=False)
    assert "link-without-utm" not in rules("Write to hello@example.com?", uses_utm=True)


def test_french_typography() -> None:
    french = advise_text("Venez goûter notre café ! Qu'en pensez-vous ?", network="x", language="fr")
    assert [a.rule for a in french] == ["french-typography"]
    assert "run socialpost fix FILE" in french[0].message and "U+202F" not in french[0].message
    assert rules("Venez goûter notre café\u202f! Qu'en pensez-vous\u202f?", language="fr") == set()
    english = advise_text("Come taste it ! What do you think?", network="x", language="en")
    assert [a.rule for a in english] == ["french-typography"]
    assert "English puts no space" in english[0].message and "socialpost fix FILE" in english[0].message
    # times, emoticons and links are not typography slips
    assert "french-typography" not in rules("Open 10:30 to 18:00 :) https://e.com/a?b=c ;x ok?")


def test_language_guess() -> None:
    assert is_french("Nous ouvrons la brûlerie samedi avec vous et pour vous", None)
    assert not is_french("We open the roastery on Saturday with you", None)
    assert is_french("Hi", "fr-CA") and not is_french("Bonjour le monde et la vie", "en")


def test_missing_alt() -> None:
    advice = advise_media([("img/a.jpg", "A bag of beans"), ("img/b.jpg", "  ")])
    assert [a.rule for a in advice] == ["missing-alt"] and "img/b.jpg" in advice[0].message
    assert advise_media([("img/a.jpg", "Beans")]) == []


def test_night_time() -> None:
    assert [a.rule for a in advise_time(datetime(2027, 3, 2, 23, 30))] == ["night-time"]
    assert [a.rule for a in advise_time(datetime(2027, 3, 2, 6, 59))] == ["night-time"]
    assert advise_time(datetime(2027, 3, 2, 7, 0)) == [] and advise_time(datetime(2027, 3, 2, 21, 59)) == []


def test_same_text_everywhere() -> None:
    advice = advise_same_text({"x": "Hi?", "mastodon": "Hi?"})
    assert [a.rule for a in advice] == ["same-text-everywhere"] and "mastodon, x" in advice[0].message
    assert advise_same_text({"x": "Hi?", "mastodon": "Hello?"}) == []
    assert advise_same_text({"x": "Hi?"}) == []


def test_every_rule_is_documented() -> None:
    assert set(RULES) == {
        "no-conversation",
        "too-many-hashtags",
        "link-only",
        "all-caps",
        "missing-alt",
        "same-text-everywhere",
        "link-without-utm",
        "night-time",
        "french-typography",
        "unused-variant",
        "holiday",
    }
