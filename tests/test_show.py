"""`socialpost show` and `plan --full`, run as a user runs them: each account's post in full,
exactly as it will be sent, in English and French, for a file and for the queue."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import update

from socialpost.settings.config import Settings
from socialpost.store.db import open_store
from socialpost.store.models import PostRow
from socialpost.text.count import mastodon_length, x_weighted_length
from tests.conftest import REPO, FakeClock

IMAGE = REPO / "campaigns" / "img" / "croissants.jpg"
PART_1 = "[bold]Nouveau[/] :coffee: chez nous #Sherbrooke https://example.com/launch"
PART_2 = "2/2 Des croissants *chauds* (avec @amis) — venez ?"
CAMPAIGN = f"""\
campaign: cafe
timezone: America/Montreal
accounts: [x:cafe, mastodon:cafe, linkedin:cafe, outbox:news]
utm: {{source: "{{network}}", medium: social, campaign: launch}}
posts:
  - id: teaser
    at: 2027-03-02 09:00
    thread:
      - "{PART_1}"
      - "{PART_2}"
    media: [{{file: img/croissants.jpg, alt: "Des croissants sur un comptoir"}}]
    variants:
      mastodon: {{text: "Version Mastodon : https://example.com/m ?"}}
  - id: tip
    every: {{days: [tue], at: "10:30", from: 2027-03-02, until: 2027-03-30}}
    accounts: [outbox:news]
    texts: ["Astuce 1 ?", "Astuce 2 ?"]
"""
TAGGED = "https://example.com/launch?utm_source={network}&utm_medium=social&utm_campaign=launch"


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    """The café's campaign, its image in img/ beside it."""
    folder = tmp_path / "campaigns"
    (folder / "img").mkdir(parents=True)
    shutil.copy(IMAGE, folder / "img" / "croissants.jpg")
    path = folder / "cafe.yaml"
    path.write_text(CAMPAIGN, encoding="utf-8")
    return path


HEAD = re.compile(r"^([^\s/]+/\S+@[a-z-]+:\S+) · ")


def blocks(stdout: str) -> dict[str, str]:
    """The output cut at each post's first line (``campaign/post@account · state``)."""
    found: dict[str, str] = {}
    for block in stdout.strip().split("\n\n"):
        head = HEAD.match(block)
        if head:
            found[head[1]] = block
        else:  # a LinkedIn post's joined parts hold a blank line: glue them back
            found[list(found)[-1]] += "\n\n" + block
    return found


# --- a campaign file -----------------------------------------------------------------------------


def test_show_file_prints_every_account_in_full_as_it_will_be_sent(run_cli, campaign: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("show", str(campaign), "teaser")
    assert result.exit_code == 0, result.stderr
    posts = blocks(result.stdout)
    assert list(posts) == [
        "cafe/teaser@x:cafe",
        "cafe/teaser@mastodon:cafe",
        "cafe/teaser@linkedin:cafe",
        "cafe/teaser@outbox:news",
    ]
    x = posts["cafe/teaser@x:cafe"]
    first = PART_1.replace("https://example.com/launch", TAGGED.format(network="x"))
    lines = x.splitlines()
    # markup and emoji codes are printed as written, each part whole on its own lines, with UTM tags
    assert lines[0] == "cafe/teaser@x:cafe · not scheduled"  # no account is set up: drafted all the same
    # the zone named as status names it (EST), the campaign's zone beside it
    assert lines[1] == "  2027-03-02 09:00 EST (America/Montreal) · 2027-03-02 14:00 UTC"
    assert lines[2] == f"  part 1/2 · {x_weighted_length(first)} / 280 weighted characters"
    assert lines[3] == first
    assert lines[4] == f"  part 2/2 · {x_weighted_length(PART_2)} / 280 weighted characters"
    assert lines[5] == PART_2
    assert lines[6].startswith("  image: img/croissants.jpg (image/jpeg, 4.2 kB)")
    assert lines[7] == "    alt text: Des croissants sur un comptoir"
    assert "X counts each link as 23 characters" in x
    # the variant, measured as Mastodon counts it
    mastodon = posts["cafe/teaser@mastodon:cafe"].splitlines()
    variant = (
        "Version Mastodon : " + "https://example.com/m?utm_source=mastodon&utm_medium=social&utm_campaign=launch ?"
    )
    assert mastodon[2:4] == [f"  text · {mastodon_length(variant)} / 500 characters", variant]
    # LinkedIn has no threads: one post as people will read it, and what socialpost does on the way
    linkedin = posts["cafe/teaser@linkedin:cafe"]
    joined = PART_1.replace("https://example.com/launch", TAGGED.format(network="linkedin")) + "\n\n" + PART_2
    assert f"  text · {len(joined)} / 3,000 characters\n{joined}\n" in linkedin
    assert "LinkedIn has no threads: the 2 parts go out as one post" in linkedin
    assert "socialpost escapes them when it sends the post" in linkedin
    # the outbox has no limit: its length as validate measures it
    outbox = PART_1.replace("https://example.com/launch", TAGGED.format(network="outbox"))
    assert f"  part 1/2 · {len(outbox)} characters, no limit\n{outbox}\n" in posts["cafe/teaser@outbox:news"]


def test_show_file_in_french(run_cli, campaign: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("--lang", "fr", "show", str(campaign), "teaser@x:cafe")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    first = PART_1.replace("https://example.com/launch", TAGGED.format(network="x"))
    assert lines[0] == "cafe/teaser@x:cafe · pas planifiée"
    assert lines[2] == f"  partie 1/2 · {x_weighted_length(first)} / 280 caractères pondérés"
    assert lines[3] == first
    assert lines[6].startswith("  image : img/croissants.jpg (image/jpeg, 4,2 ko)")
    assert lines[7] == "    texte de remplacement : Des croissants sur un comptoir"
    assert "X compte chaque lien pour 23 caractères" in result.stdout


def test_show_file_json_is_the_documented_shape(run_cli, campaign: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("show", str(campaign), "teaser", "--account", "x:cafe", "--json")
    assert result.exit_code == 0, result.stderr
    (post,) = json.loads(result.stdout)["posts"]
    first = PART_1.replace("https://example.com/launch", TAGGED.format(network="x"))
    assert post == {
        "campaign": "cafe",
        "id": "teaser",
        "account": "x:cafe",
        "network": "x",
        "due_at": "2027-03-02T14:00:00Z",
        "local_time": "2027-03-02T09:00:00-05:00",
        "action": "create",
        "text": first,
        "occurrence": None,
        "ref": "cafe/teaser@x:cafe",
        "timezone": "America/Montreal",
        "status": None,
        "url": None,
        "reason": None,
        "thread": [PART_2],
        "parts": [
            {
                "number": number,
                "text": text,
                "length": x_weighted_length(text),
                "limit": 280,
                "unit": "weighted characters",
                "over": 0,
                "measures": [
                    {"unit": "weighted characters", "length": x_weighted_length(text), "limit": 280, "over": 0}
                ],
            }
            for number, text in ((1, first), (2, PART_2))
        ],
        "notes": [post["notes"][0]],
        "media": [
            {
                "file": "img/croissants.jpg",
                "path": str((campaign.parent / "img" / "croissants.jpg").resolve()),
                "alt": "Des croissants sur un comptoir",
                "type": "image/jpeg",
                "size": IMAGE.stat().st_size,
                "problem": None,
            }
        ],
        "video": None,
        "pin": None,
        "first_comment": None,
        "cover": None,
        "event": None,
        "offer": None,
        "button": None,
        "more_occurrences": 0,
    }
    assert post["notes"][0].startswith("X counts each link as 23 characters")


def test_a_part_over_the_limit_is_shown_with_by_how_much(run_cli, campaign: Path) -> None:  # type: ignore[no-untyped-def]
    campaign.write_text(CAMPAIGN.replace(PART_2, "日" * 150), encoding="utf-8")  # X counts each as 2
    result = run_cli("show", str(campaign), "teaser@x:cafe")
    assert result.exit_code == 0, result.stderr  # show shows; validate judges
    assert "  part 2/2 · 300 / 280 weighted characters — 20 over the limit (weighted characters)" in result.stdout
    data = json.loads(run_cli("show", str(campaign), "teaser@x:cafe", "--json").stdout)
    assert [p["over"] for p in data["posts"][0]["parts"]] == [0, 20]


def test_a_recurring_post_shows_its_next_occurrence_and_counts_the_others(
    run_cli, campaign: Path, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("show", str(campaign), "tip")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "cafe/tip@2027-03-02T10:30@outbox:news · not scheduled"
    assert "Astuce 1 ?" in result.stdout
    assert "… and 4 more occurrences of this post on outbox:news" in result.stdout
    named = run_cli("show", str(campaign), "tip@2027-03-09T10:30")
    assert named.stdout.splitlines()[0] == "cafe/tip@2027-03-09T10:30@outbox:news · not scheduled"
    assert "Astuce 2 ?" in named.stdout and "more occurrence" not in named.stdout  # the texts take turns
    french = run_cli("--lang", "fr", "show", str(campaign), "tip")
    assert "… et 4 autres occurrences de cette publication sur outbox:news" in french.stdout


def test_mistakes_in_what_to_show_are_explained(run_cli, campaign: Path) -> None:  # type: ignore[no-untyped-def]
    typo = run_cli("show", str(campaign), "teaser2")
    assert typo.exit_code == 2 and "has no post 'teaser2'. Did you mean teaser?" in typo.stderr
    account = run_cli("show", str(campaign), "teaser@bluesky:cafe")
    assert (
        account.exit_code == 2 and "its accounts: linkedin:cafe, mastodon:cafe, outbox:news, x:cafe" in account.stderr
    )
    written_as_status_does = run_cli("show", str(campaign), "cafe/teaser@x:cafe")
    assert written_as_status_does.stdout.startswith("cafe/teaser@x:cafe · not scheduled\n")
    both = run_cli("show", "cafe/teaser", "teaser")
    assert both.exit_code == 2 and "is not a campaign file" in both.stderr
    missing = run_cli("show", str(campaign.parent / "nope.yaml"))
    assert missing.exit_code == 2 and "Traceback" not in missing.stderr
    french = run_cli("--lang", "fr", "show", str(campaign), "teaser2")
    assert "n'a pas de publication « teaser2 ». Vouliez-vous dire teaser ?" in french.stderr


# --- the queue -----------------------------------------------------------------------------------


@pytest.fixture
def queued(run_cli, campaign: Path, settings: Settings) -> Path:  # type: ignore[no-untyped-def]
    """The campaign with an outbox and a webhook account (both usable), scheduled."""
    settings.accounts = {"webhook": {"team": {"url": "http://127.0.0.1:9/hook"}}}
    campaign.write_text(CAMPAIGN.replace("x:cafe, mastodon:cafe, linkedin:cafe,", "webhook:team,"), encoding="utf-8")
    result = run_cli("schedule", str(campaign))
    assert result.exit_code == 0, result.stderr
    return campaign


def test_show_a_post_in_the_queue_for_each_account(run_cli, queued: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("show", "cafe/teaser")
    assert result.exit_code == 0, result.stderr
    posts = blocks(result.stdout)
    assert list(posts) == ["cafe/teaser@outbox:news", "cafe/teaser@webhook:team"]
    hook = posts["cafe/teaser@webhook:team"].splitlines()
    assert hook[0] == "cafe/teaser@webhook:team · pending"
    assert hook[3] == PART_1.replace("https://example.com/launch", TAGGED.format(network="webhook"))
    one = run_cli("show", "cafe/teaser@webhook:team")
    assert list(blocks(one.stdout)) == ["cafe/teaser@webhook:team"]
    assert run_cli("show", "cafe/teaser", "--account", "outbox:news").stdout.startswith("cafe/teaser@outbox:news ·")
    recurring = run_cli("show", "cafe/tip")
    assert recurring.stdout.startswith("cafe/tip@2027-03-02T10:30@outbox:news · pending")
    assert "… and 4 more occurrences" in recurring.stdout
    unknown = run_cli("show", "cafe/teasr")
    assert unknown.exit_code == 2 and "Did you mean cafe/teaser?" in unknown.stderr
    data = json.loads(run_cli("show", "cafe/teaser@outbox:news", "--json").stdout)
    (post,) = data["posts"]
    assert post["status"] == "pending" and post["action"] is None and post["ref"] == "cafe/teaser@outbox:news"
    assert [p["text"] for p in post["parts"]] == [post["text"], *post["thread"]]
    assert post["thread"] == [PART_2]


def test_a_post_that_went_out_shows_what_was_sent_not_a_later_edit(run_cli, queued: Path, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    store = open_store(settings.database_url)
    with store.session() as session:  # the daemon sent it (how is not what this test is about)
        session.execute(
            update(PostRow)
            .where(PostRow.post_key == "teaser", PostRow.account == "outbox:news")
            .values(status="sent", remote_url="file:///outbox/teaser.json")
        )
    store.close()
    queued.write_text(queued.read_text(encoding="utf-8").replace("Des croissants", "Des chocolatines"), "utf-8")

    shown = blocks(run_cli("show", "cafe/teaser").stdout)
    assert shown["cafe/teaser@outbox:news"].startswith("cafe/teaser@outbox:news · sent\n")
    assert "  link: file:///outbox/teaser.json" in shown["cafe/teaser@outbox:news"]
    assert "Des croissants" in shown["cafe/teaser@outbox:news"]  # what went out
    assert "Des croissants" in shown["cafe/teaser@webhook:team"]  # the queue holds the file as scheduled

    from_file = blocks(run_cli("show", str(queued), "teaser").stdout)
    assert "Des croissants" in from_file["cafe/teaser@outbox:news"]  # the edit will not be re-sent
    waiting = from_file["cafe/teaser@webhook:team"]
    assert waiting.splitlines()[0] == (
        "cafe/teaser@webhook:team · pending · the file differs from the queue: 'socialpost schedule' updates it"
    )
    assert "Des chocolatines" in waiting

    planned = run_cli("plan", "--full", str(queued))
    assert planned.exit_code == 0, planned.stderr
    posts = blocks(planned.stdout.split("\n\n", 1)[1])
    assert posts["cafe/teaser@outbox:news"].startswith("cafe/teaser@outbox:news · unchanged (sent)\n")
    assert "Des croissants" in posts["cafe/teaser@outbox:news"]
    assert posts["cafe/teaser@webhook:team"].startswith("cafe/teaser@webhook:team · update\n")


def test_a_media_file_swapped_for_a_link_after_scheduling_is_shown_refused(
    run_cli, queued: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "outside" / "secret.jpg"
    secret.parent.mkdir()
    shutil.copy(IMAGE, secret)
    image = queued.parent / "img" / "croissants.jpg"
    image.unlink()
    image.symlink_to(secret)
    result = run_cli("show", "cafe/teaser@outbox:news")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    at = lines.index("  image: img/croissants.jpg")
    assert lines[at + 1].startswith(f"    the media file {image} cannot be used")
    assert str(secret) not in result.stdout  # the same words whatever the cause: nothing learnt about the machine
    (post,) = json.loads(run_cli("show", "cafe/teaser@outbox:news", "--json").stdout)["posts"]
    assert post["media"][0]["type"] is None and "cannot be used" in post["media"][0]["problem"]


# --- plan --full ---------------------------------------------------------------------------------


def test_plan_full_prints_every_line_of_the_plan_in_full(run_cli, campaign: Path, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    settings.accounts = {"webhook": {"team": {"url": "http://127.0.0.1:9/hook"}}}
    campaign.write_text(CAMPAIGN.replace("x:cafe, mastodon:cafe, linkedin:cafe,", "webhook:team,"), encoding="utf-8")
    result = run_cli("plan", "--full", str(campaign))
    assert result.exit_code == 0, result.stderr
    title, body = result.stdout.split("\n\n", 1)
    assert title == "Plan (nothing changed)"
    posts = blocks(body.rsplit("\n\n", 1)[0])
    assert list(posts)[:2] == ["cafe/teaser@webhook:team", "cafe/teaser@outbox:news"]
    assert len(posts) == 2 + 5  # and each of the five tips
    assert posts["cafe/tip@2027-03-09T10:30@outbox:news"].splitlines()[3] == "Astuce 2 ?"
    assert posts["cafe/teaser@webhook:team"].splitlines()[0] == "cafe/teaser@webhook:team · create"
    assert "    alt text: Des croissants sur un comptoir" in posts["cafe/teaser@webhook:team"]
    assert result.stdout.rstrip().endswith("7 to create, 0 to update, 0 to cancel, 0 unchanged.")

    french = run_cli("--lang", "fr", "plan", "--full", str(campaign))
    assert french.stdout.startswith("Plan (rien n'a été modifié)\n\n")
    assert "  partie 2/2 · " in french.stdout and "texte de remplacement : Des croissants" in french.stdout
    assert french.stdout.rstrip().endswith("7 à créer, 0 à mettre à jour, 0 à annuler, 0 inchangée(s).")

    plain = json.loads(run_cli("plan", str(campaign), "--json").stdout)["posts"]
    full = json.loads(run_cli("plan", "--full", str(campaign), "--json").stdout)["posts"]
    assert [{key: post[key] for key in plain[0]} for post in full] == plain  # plan's fields, and more
    assert {"parts", "media", "notes", "status", "timezone", "ref"} <= set(full[0])


# --- the report carries the text -----------------------------------------------------------------


def test_report_json_and_csv_carry_each_posts_text_as_sent_in_every_language(run_cli, queued: Path) -> None:  # type: ignore[no-untyped-def]
    english = run_cli("report", "--json")
    assert english.exit_code == 0, english.stderr
    assert run_cli("--lang", "fr", "report", "--json").stdout == english.stdout  # the same bytes in French
    (cafe,) = json.loads(english.stdout)["campaigns"]
    by_key = {(post["id"], post["account"]): post for post in cafe["posts"]}
    teaser = by_key[("teaser", "webhook:team")]
    assert teaser["text"] == PART_1.replace("https://example.com/launch", TAGGED.format(network="webhook"))
    assert teaser["thread"] == [PART_2]
    tips = sorted((post["id"], post["text"]) for post in cafe["posts"] if post["id"].startswith("tip@"))
    assert [text for _id, text in tips] == ["Astuce 1 ?", "Astuce 2 ?"] * 2 + ["Astuce 1 ?"]

    csv_text = run_cli("report", "--csv").stdout
    assert run_cli("--lang", "fr", "report", "--csv").stdout == csv_text
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert list(rows[0])[-1] == "text"  # added last: columns read by position keep their place
    teaser_row = next(row for row in rows if (row["id"], row["account"]) == ("teaser", "webhook:team"))
    assert teaser_row["text"] == teaser["text"]  # the first part; the JSON has the others
    by_post = json.loads(run_cli("report", "--by", "post", "--json").stdout)["posts"]
    assert {post["text"] for post in by_post} >= {teaser["text"], "Astuce 2 ?"}


def test_a_youtube_video_is_shown_with_its_title_file_and_thumbnail(run_cli) -> None:  # type: ignore[no-untyped-def]
    example = REPO / "campaigns" / "video-launch.yaml"
    result = run_cli("show", str(example), "roastery-tour")
    assert result.exit_code == 0, result.stderr
    assert "  video title: Inside our new roastery: from green beans to your cup" in result.stdout
    assert "  video: video/roastery-tour.mp4 (video/mp4, " in result.stdout
    assert "  thumbnail: img/roastery-beans.jpg (image/jpeg, " in result.stdout
    (post,) = json.loads(run_cli("show", str(example), "roastery-tour", "--json").stdout)["posts"]
    video = post["video"]
    assert video["title"] == "Inside our new roastery: from green beans to your cup"
    assert (video["file"]["file"], video["file"]["type"]) == ("video/roastery-tour.mp4", "video/mp4")
    assert video["thumbnail"]["file"] == "img/roastery-beans.jpg" and post["media"] == []


# --- what some networks send beside the text -----------------------------------------------------


def test_google_business_events_offers_and_buttons_are_shown(run_cli) -> None:  # type: ignore[no-untyped-def]
    example = REPO / "campaigns" / "google-business-bakery.yaml"
    result = run_cli("show", str(example))
    assert result.exit_code == 0, result.stderr
    posts = blocks(result.stdout)
    tasting = posts["bakery-holidays/christmas-tasting@google-business:bakery"]
    assert "\n  event: Christmas tasting\n    from 2027-12-18 10:00 to 2027-12-18 16:00\n" in tasting
    assert tasting.endswith("\n  button: BOOK → https://bakery.example/tasting")
    offer = posts["bakery-holidays/epiphany-offer@google-business:bakery"]
    assert (
        "\n  offer: 20% off galettes\n    from 2028-01-02 to 2028-01-10\n    coupon code: GALETTE20\n"
        "    redeem online: https://bakery.example/order\n"
        "    terms: One galette per customer and code, while they last." in offer
    )
    assert "button" not in offer and "event:" not in offer
    assert "event:" not in posts["bakery-holidays/christmas-tasting@mastodon:boulangerie"]  # Google's only

    french = run_cli("--lang", "fr", "show", str(example), "christmas-tasting@google-business:bakery")
    assert "\n  événement : Christmas tasting\n    du 2027-12-18 10:00 au 2027-12-18 16:00\n" in french.stdout
    assert "\n  bouton : BOOK → https://bakery.example/tasting" in french.stdout

    shown = json.loads(run_cli("show", str(example), "--json").stdout)["posts"]
    by_ref = {post["ref"]: post for post in shown}
    tasting_json = by_ref["bakery-holidays/christmas-tasting@google-business:bakery"]
    assert tasting_json["event"]["title"] == "Christmas tasting" and tasting_json["offer"] is None
    assert (tasting_json["event"]["start_date"], tasting_json["event"]["start_time"]) == ("2027-12-18", "10:00")
    assert tasting_json["button"] == {"action": "BOOK", "url": "https://bakery.example/tasting"}
    offer_json = by_ref["bakery-holidays/epiphany-offer@google-business:bakery"]["offer"]
    assert (offer_json["coupon"], offer_json["url"]) == ("GALETTE20", "https://bakery.example/order")
    assert by_ref["bakery-holidays/christmas-tasting@mastodon:boulangerie"]["event"] is None


def test_an_instagram_first_comment_and_reel_cover_are_shown(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "campaigns"
    folder.mkdir()
    (folder / "reel.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(4084))
    shutil.copy(IMAGE, folder / "cover.jpg")
    path = folder / "reel.yaml"
    path.write_text(
        "campaign: reels\ntimezone: America/Montreal\naccounts: [instagram:bakery, mastodon:cafe]\nposts:\n"
        "  - id: oven\n    at: 2027-04-12 08:30\n    text: Straight out of the oven.\n"
        "    media: [{file: reel.mp4, alt: Croissants leaving the oven}]\n"
        '    first_comment: "Open 7 to 6 #boulangerie"\n    cover: cover.jpg\n',
        encoding="utf-8",
    )
    result = run_cli("show", str(path))
    assert result.exit_code == 0, result.stderr
    posts = blocks(result.stdout)
    instagram = posts["reels/oven@instagram:bakery"]
    assert "\n  first comment · 24 characters\nOpen 7 to 6 #boulangerie\n" in instagram
    assert f"\n  cover: cover.jpg (image/jpeg, {IMAGE.stat().st_size / 1000:.1f} kB)" in instagram
    assert "first comment" not in posts["reels/oven@mastodon:cafe"] and "cover" not in posts["reels/oven@mastodon:cafe"]
    shown = {p["account"]: p for p in json.loads(run_cli("show", str(path), "--json").stdout)["posts"]}
    assert shown["instagram:bakery"]["first_comment"] == "Open 7 to 6 #boulangerie"
    cover = shown["instagram:bakery"]["cover"]
    assert (cover["file"], cover["type"], cover["problem"]) == ("cover.jpg", "image/jpeg", None)
    assert shown["mastodon:cafe"]["first_comment"] is None and shown["mastodon:cafe"]["cover"] is None


def test_queue_states_are_named_in_the_readers_language(
    run_cli, queued: Path, settings: Settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    store = open_store(settings.database_url)
    with store.session() as session:  # the late policy held it (how is not what this test is about)
        session.execute(
            update(PostRow).where(PostRow.post_key == "teaser", PostRow.account == "outbox:news").values(status="held")
        )
    store.close()
    english = blocks(run_cli("show", "cafe/teaser").stdout)
    assert english["cafe/teaser@outbox:news"].startswith("cafe/teaser@outbox:news · held\n")
    french = blocks(run_cli("--lang", "fr", "show", "cafe/teaser").stdout)
    assert french["cafe/teaser@outbox:news"].startswith("cafe/teaser@outbox:news · retenue (held)\n")
    assert french["cafe/teaser@webhook:team"].startswith("cafe/teaser@webhook:team · programmée (pending)\n")

    page = tmp_path / "preview.html"
    made = run_cli("--lang", "fr", "preview", "cafe", "teaser", "--html", str(page))
    assert made.exit_code == 0, made.stderr
    html = page.read_text(encoding="utf-8")
    assert '<span class="handle">retenue (held)</span>' in html
    assert '<span class="handle">programmée (pending)</span>' in html


def test_a_zone_without_a_single_abbreviation_is_named_once(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "india.yaml"
    path.write_text(
        "campaign: india\ntimezone: Asia/Kolkata\naccounts: [outbox:news]\n"
        "posts: [{id: a, at: '2027-03-02 09:00', text: Namaste}]\n",
        encoding="utf-8",
    )
    result = run_cli("show", str(path))
    assert result.exit_code == 0, result.stderr
    # IST is also Ireland's and Israel's: the IANA name, as status writes it, and not twice
    assert result.stdout.splitlines()[1] == "  2027-03-02 09:00 Asia/Kolkata · 2027-03-02 03:30 UTC"
    planned = run_cli("plan", str(path))
    assert "2027-03-02 09:00 Asia/Kolkata" in planned.stdout
