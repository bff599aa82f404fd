"""socialpost import: Buffer, Hootsuite and generic sheets (CSV and XLSX) into campaigns that validate."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from PIL import Image

from socialpost.errors import CampaignError, InputError
from socialpost.fetch import fetch
from socialpost.importing import ImportOptions, import_file
from socialpost.importing.campaign import ImportedPost, slug, unique_ids
from socialpost.importing.times import DateProblem, guess_order, read_when
from socialpost.settings.config import Settings
from tests.store_helpers import deliver_due
from tests.support.fetching import Dialler, Names
from tests.support.http import LocalServer, Reply, Request

NOW = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def _csv(path: Path, rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _campaign(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _options(tmp_path: Path, **kwargs: Any) -> ImportOptions:
    base: dict[str, Any] = {
        "source": "generic",
        "output": tmp_path / "out" / "campaign.yaml",
        "zone": "America/Montreal",
    }
    base.update(kwargs)
    return ImportOptions(**base)


# --- Buffer -------------------------------------------------------------------------------------


BUFFER = [
    ["Text", "Image URL", "Tags", "Posting Time"],
    ["Our roastery opens Saturday! What should we roast first?", "", "launch", "2027-03-02 09:00"],
    ["Brew tip: grind just before you brew.\nWhat is your grinder setting?", "", "tips", "2027-03-03 10:30"],
]


def test_a_buffer_sheet_becomes_a_campaign_that_validates(tmp_path: Path, run_cli: Any) -> None:
    sheet = _csv(tmp_path / "buffer.csv", BUFFER)
    out = tmp_path / "cafe.yaml"
    result = run_cli(
        "import",
        str(sheet),
        "--from",
        "buffer",
        "--timezone",
        "America/Montreal",
        "-a",
        "mastodon:cafe",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.stderr
    assert "Wrote 2 posts" in result.stdout and "Tags" in result.stdout  # Buffer's tags: said to be left out
    data = _campaign(out)
    assert (data["campaign"], data["timezone"], data["accounts"]) == ("buffer", "America/Montreal", ["mastodon:cafe"])
    assert [p["at"] for p in data["posts"]] == ["2027-03-02 09:00", "2027-03-03 10:30"]
    assert data["posts"][1]["text"] == BUFFER[2][0]  # line breaks kept
    assert data["posts"][0]["id"] == "2027-03-02-0900-our-roastery-opens-saturday-what-should"
    checked = run_cli("validate", str(out))
    assert checked.exit_code == 0, checked.stderr


def test_re_importing_the_same_sheet_gives_the_same_ids_and_refuses_to_overwrite_without_force(
    tmp_path: Path, run_cli: Any
) -> None:
    sheet = _csv(tmp_path / "buffer.csv", BUFFER)
    out = tmp_path / "cafe.yaml"
    args = ["import", str(sheet), "--from", "buffer", "--timezone", "America/Montreal", "-a", "x:cafe", "-o", str(out)]
    assert run_cli(*args).exit_code == 0
    first = out.read_text(encoding="utf-8")
    again = run_cli(*args)
    assert again.exit_code == 2 and "already exists" in again.stderr and "--force" in again.stderr
    assert out.read_text(encoding="utf-8") == first  # untouched
    assert run_cli(*args, "--force").exit_code == 0
    assert out.read_text(encoding="utf-8") == first


def test_a_sheet_without_the_text_column_names_the_columns_it_expects(tmp_path: Path, run_cli: Any) -> None:
    sheet = _csv(tmp_path / "b.csv", [["Message", "When"], ["hello", "2027-03-02 09:00"]])
    result = run_cli("import", str(sheet), "--from", "buffer", "--timezone", "UTC", "-a", "x:cafe")
    assert result.exit_code == 2
    assert f"{sheet}:1:" in result.stderr and "Text, Image URL, Tags, Posting Time" in result.stderr
    assert "Traceback" not in result.stderr


# --- Hootsuite ----------------------------------------------------------------------------------


def test_hootsuite_day_first_dates_and_the_link_column(tmp_path: Path) -> None:
    sheet = _csv(
        tmp_path / "hoot.csv",
        [
            ["25/03/2027 09:00", "Spring menu is out! Which dish first?", "https://example.com/menu"],
            [
                "02/04/2027 14:30",
                "Patio season: open from today. See you there? https://example.com/patio",
                "https://example.com/patio",
            ],
        ],
    )
    result = import_file(sheet, _options(tmp_path, source="hootsuite", accounts=("mastodon:cafe",)), now=NOW)
    posts = _campaign(result.output)["posts"]
    assert [p["at"] for p in posts] == ["2027-03-25 09:00", "2027-04-02 14:30"]  # 25 > 12: day first
    assert posts[0]["text"] == "Spring menu is out! Which dish first?\nhttps://example.com/menu"
    assert posts[1]["text"].count("https://example.com/patio") == 1  # already in the message: not added twice


def test_hootsuite_with_a_header_row_and_month_first_dates(tmp_path: Path) -> None:
    sheet = _csv(
        tmp_path / "hoot.csv",
        [["Date", "Message", "Link"], ["12/31/2027 23:30", "Last call of the year. Who's in?", ""]],
    )
    result = import_file(sheet, _options(tmp_path, source="hootsuite", accounts=("x:cafe",)), now=NOW)
    assert _campaign(result.output)["posts"][0]["at"] == "2027-12-31 23:30"


def test_dates_that_read_both_ways_are_refused_without_date_order_then_taken_with_it(tmp_path: Path) -> None:
    sheet = _csv(tmp_path / "hoot.csv", [["03/04/2027 09:00", "Which way is this date?"]])
    with pytest.raises(CampaignError) as refused:
        import_file(sheet, _options(tmp_path, source="hootsuite", accounts=("x:cafe",)), now=NOW)
    (problem,) = refused.value.problems
    assert (problem.line, problem.column) == (1, 1)
    assert "row 1, column A" in problem.message and "--date-order dmy" in problem.message
    assert not (tmp_path / "out" / "campaign.yaml").exists()  # nothing readable: nothing written
    result = import_file(sheet, _options(tmp_path, source="hootsuite", accounts=("x:cafe",), date_order="mdy"), now=NOW)
    assert _campaign(result.output)["posts"][0]["at"] == "2027-03-04 09:00"


# --- generic sheets, XLSX, French Excel CSV --------------------------------------------------------


def test_an_excel_workbook_with_date_cells_french_headers_accounts_and_local_images(
    tmp_path: Path, run_cli: Any
) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "croissant.png").write_bytes(_png())
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Texte", "Date", "Image", "Texte alternatif", "Comptes", "Notes"])
    sheet.append(
        [
            "Croissants chauds dès 7 h ! Lequel préférez-vous ?",
            datetime(2027, 5, 3, 7, 0),
            "img/croissant.png",
            "Trois croissants dorés sur une planche",
            "mastodon:boulangerie, bluesky:boulangerie",
            "à relire",
        ]
    )
    sheet.append(
        ["Fermé lundi. On se voit mardi ?", datetime(2027, 5, 4, 8, 0), None, None, "mastodon:boulangerie", None]
    )
    path = tmp_path / "idées.xlsx"
    book.save(path)
    out = tmp_path / "campagnes" / "printemps.yaml"
    result = run_cli("import", str(path), "--timezone", "America/Montreal", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert "Notes" in result.stdout  # the column left out is named
    data = _campaign(out)
    assert data["accounts"] == ["mastodon:boulangerie", "bluesky:boulangerie"]
    first, second = data["posts"]
    assert first["at"] == "2027-05-03 07:00" and "accounts" not in first  # the campaign's own accounts
    # outside the campaign's folder: copied in (the daemon posts only files kept there)
    assert first["media"] == [{"file": "media/croissant.png", "alt": "Trois croissants dorés sur une planche"}]
    assert (out.parent / "media" / "croissant.png").read_bytes() == _png()
    assert second["accounts"] == ["mastodon:boulangerie"]
    assert first["id"] == "2027-05-03-0700-croissants-chauds-des-7-h-lequel"  # accents folded
    checked = run_cli("validate", str(out))
    assert checked.exit_code == 0, checked.stderr


def test_a_french_excel_csv_semicolons_and_windows_1252(tmp_path: Path) -> None:
    sheet = _csv(
        tmp_path / "fr.csv",
        [
            ["texte", "date", "lien"],
            ["Café offert à la première visite ! Vous venez ?", "2027-06-01 10:00", "https://example.com"],
        ],
        delimiter=";",
        encoding="cp1252",
    )
    result = import_file(sheet, _options(tmp_path, accounts=("mastodon:cafe",)), now=NOW)
    assert (
        _campaign(result.output)["posts"][0]["text"]
        == "Café offert à la première visite ! Vous venez ?\nhttps://example.com"
    )


def test_times_with_an_offset_are_moved_into_the_campaign_zone(tmp_path: Path) -> None:
    sheet = _csv(tmp_path / "s.csv", [["text", "scheduled_at"], ["Hello! Who's there?", "2027-07-01T13:00:00Z"]])
    result = import_file(sheet, _options(tmp_path, accounts=("x:cafe",)), now=NOW)
    assert _campaign(result.output)["posts"][0]["at"] == "2027-07-01 09:00"  # EDT = UTC-4


def test_unreadable_rows_are_listed_with_row_column_and_fix_and_the_others_written(
    tmp_path: Path, run_cli: Any
) -> None:
    sheet = _csv(
        tmp_path / "mixed.csv",
        [
            ["text", "date", "image", "accounts"],
            ["A good one. Agree?", "2027-03-02 09:00", "", "x:cafe"],
            ["Two lines,\nin one cell", "2027-02-30 09:00", "", "x:cafe"],  # no such day
            ["", "2027-03-03 09:00", "", "x:cafe"],
            ["Missing picture", "2027-03-04 09:00", "nope.png", "x:cafe"],
            ["Bad account", "2027-03-05 09:00", "", "X Cafe"],
            ["Still fine. Coming?", "2027-03-06 09:00", "", "x:cafe"],
        ],
    )
    out = tmp_path / "c.yaml"
    result = run_cli("import", str(sheet), "--timezone", "UTC", "-o", str(out))
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    missing = tmp_path / "nope.png"
    assert errors == [
        f"error: {sheet}:3:2: row 3, column B (date): '2027-02-30 09:00' is not a day of the calendar. "
        "Fix: check the day and the month.",
        f"error: {sheet}:5:1: row 4, column A (text): the post has no text. Fix: write it, or delete the row.",
        f"error: {sheet}:6:3: row 5, column C (image): the file {missing} does not exist. "
        "Fix: correct the path (relative to the sheet's folder).",
        f"error: {sheet}:7:4: row 6, column D (accounts): 'X' is not an account. "
        "Fix: write it as network:name, like mastodon:cafe.",
    ]
    assert "4 rows were not imported" in result.stderr
    assert [p["text"] for p in _campaign(out)["posts"]] == ["A good one. Agree?", "Still fine. Coming?"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2027-03-02 09:00", datetime(2027, 3, 2, 9, 0)),
        ("2027-03-02T09:00:30", datetime(2027, 3, 2, 9, 0, 30)),
        ("2027-03-02 9:05 PM", datetime(2027, 3, 2, 21, 5)),
        ("2027-03-02 12:00 am", datetime(2027, 3, 2, 0, 0)),
        ("31/12/2027 18:00", datetime(2027, 12, 31, 18, 0)),
        (
            "2027-03-02T09:00:00+01:00",
            datetime(2027, 3, 2, 9, 0, tzinfo=datetime.fromisoformat("2027-01-01T00:00+01:00").tzinfo),
        ),
    ],
)
def test_date_cells(cell: str, expected: datetime) -> None:
    assert read_when(cell, order=None) == expected


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("2027-03-02", "has no time"),
        ("tomorrow", "not a date and time"),
        ("2027-03-02 25:00", "not a time of the day"),
        ("2027-03-02 13:00 PM", "not an hour of a 12-hour clock"),
        (None, "missing"),
    ],
)
def test_date_cells_that_cannot_be_read(cell: str | None, fragment: str) -> None:
    with pytest.raises(DateProblem, match=fragment):
        read_when(cell, order=None)


def test_the_files_rows_decide_the_day_order_and_mixed_files_decide_nothing() -> None:
    assert guess_order(["01/02/2027 09:00", "13/02/2027 09:00"]) == "dmy"
    assert guess_order(["02/13/2027 09:00"]) == "mdy"
    assert guess_order(["13/02/2027 09:00", "02/13/2027 09:00"]) is None
    assert guess_order(["2027-02-13 09:00"]) is None


def test_ids_are_stable_and_numbered_in_the_sheets_order() -> None:
    when = datetime(2027, 3, 2, 9, 0)
    posts = [ImportedPost(row=n, when=when, text="Same words again") for n in (2, 3, 4)]
    posts.append(ImportedPost(row=5, when=when, text="x", id_hint="Mon Post #1"))
    assert unique_ids(posts) == [
        "2027-03-02-0900-same-words-again",
        "2027-03-02-0900-same-words-again-2",
        "2027-03-02-0900-same-words-again-3",
        "mon-post-1",
    ]
    assert slug("Été à Québec — déjà!") == "ete-a-quebec-deja"


# --- images from the web --------------------------------------------------------------------------


def _site() -> LocalServer:
    png = _png()

    def answer(request: Request) -> Reply:
        if request.path == "/croissant.png":
            return Reply(200, png, {"Content-Type": "image/png"})
        if request.path == "/page.html":
            return Reply(200, "<html>a page</html>", {"Content-Type": "text/html"})
        return Reply(404, "not found")

    server = LocalServer()
    server.respond(answer)
    return server


def test_images_by_url_are_downloaded_once_beside_the_campaign(tmp_path: Path) -> None:
    sheet = _csv(
        tmp_path / "s.csv",
        [
            ["text", "date", "image", "alt"],
            ["Fresh! Want one?", "2027-03-02 09:00", "http://bakery.example/croissant.png", "A croissant"],
            ["A page, not a picture", "2027-03-03 09:00", "http://bakery.example/page.html", ""],
        ],
    )
    with _site() as site:
        port = int(site.url.rsplit(":", 1)[1].split("/")[0])
        names = Names({"bakery.example": [["93.184.216.34"]]})
        dialler = Dialler({("93.184.216.34", 80): port})

        def fetcher(url: str) -> tuple[bytes, str]:
            got = fetch(url, max_bytes=1_000_000, resolver=names, backend=dialler)
            return got.body, got.content_type

        options = _options(tmp_path, accounts=("mastodon:cafe",), fetcher=fetcher)
        result = import_file(sheet, options, now=NOW)
        assert (result.downloaded, result.reused, len(result.problems)) == (1, 0, 1)
        assert "page.html is not an image or a video" in result.problems[0].message
        (post,) = _campaign(result.output)["posts"]
        (media,) = post["media"]
        assert media["alt"] == "A croissant" and media["file"].startswith("media/") and media["file"].endswith(".png")
        assert (result.output.parent / media["file"]).read_bytes() == _png()
        fetched = len([r for r in site.requests if r.path == "/croissant.png"])
        again = import_file(sheet, ImportOptions(**{**options.__dict__, "overwrite": True}), now=NOW)
        assert (again.downloaded, again.reused) == (0, 1)
        assert len([r for r in site.requests if r.path == "/croissant.png"]) == fetched  # not fetched again
        assert _campaign(again.output)["posts"][0]["media"] == [media]


def test_an_image_on_a_private_address_is_refused_not_fetched(tmp_path: Path, run_cli: Any) -> None:
    with _site() as site:
        sheet = _csv(
            tmp_path / "s.csv",
            [["text", "date", "image"], ["Internal? Never.", "2027-03-02 09:00", f"{site.url}/croissant.png"]],
        )
        result = run_cli("import", str(sheet), "--timezone", "UTC", "-a", "x:cafe", "-o", str(tmp_path / "c.yaml"))
        assert result.exit_code == 2
        assert "could not be downloaded" in result.stderr and "loopback" in result.stderr
        assert site.requests == []  # the guarded fetcher never connected
    assert not (tmp_path / "c.yaml").exists()


# --- report --csv comes back as a new campaign ---------------------------------------------------


def test_a_report_of_sent_posts_comes_back_as_a_campaign(
    tmp_path: Path, run_cli: Any, write: Any, clock: Any, settings: Settings
) -> None:
    campaign = write(
        "spring.yaml",
        """
campaign: spring
timezone: America/Montreal
accounts: [outbox:one, outbox:two]
posts:
  - id: hello
    at: 2026-12-06 12:30
    text: "Hello spring! What will you plant first?"
    variants:
      outbox:two: {text: "Hello from two. What will you plant?"}
""",
    )
    clock.set(datetime(2026, 12, 6, 17, 0, tzinfo=UTC))
    assert run_cli("schedule", str(campaign)).exit_code == 0
    clock.set(datetime(2026, 12, 6, 17, 31, tzinfo=UTC))
    deliver_due(settings, clock)  # what the daemon does when the posts are due
    report = run_cli("report", "--csv")
    rows = list(csv.DictReader(io.StringIO(report.stdout)))
    assert {r["status"] for r in rows} == {"sent"}
    sheet = tmp_path / "report.csv"
    sheet.write_text(report.stdout, encoding="utf-8")
    out = tmp_path / "again.yaml"
    imported = run_cli(
        "import",
        str(sheet),
        "--timezone",
        "America/Montreal",
        "--campaign",
        "spring-2028",
        "--shift",
        "52w",
        "-o",
        str(out),
    )
    assert imported.exit_code == 0, imported.stderr
    data = _campaign(out)
    assert data["campaign"] == "spring-2028" and data["accounts"] == ["outbox:one", "outbox:two"]
    (post,) = data["posts"]
    assert post["id"] == "hello" and post["at"] == (datetime(2026, 12, 6, 12, 30) + timedelta(weeks=52)).strftime(
        "%Y-%m-%d %H:%M"
    )
    assert post["text"] == "Hello spring! What will you plant first?"
    assert post["variants"] == {"outbox:two": {"text": "Hello from two. What will you plant?"}}
    checked = run_cli("validate", str(out))
    assert checked.exit_code == 0, checked.stderr


def test_no_accounts_anywhere_is_a_clear_error(tmp_path: Path) -> None:
    sheet = _csv(tmp_path / "s.csv", [["text", "date"], ["Hi! Who's there?", "2027-03-02 09:00"]])
    with pytest.raises(InputError, match="--account network:name"):
        import_file(sheet, _options(tmp_path), now=NOW)


def test_other_file_kinds_and_bad_options_are_refused_with_the_fix(tmp_path: Path, run_cli: Any) -> None:
    odt = tmp_path / "posts.ods"
    odt.write_bytes(b"PK")
    result = run_cli("import", str(odt), "--timezone", "UTC", "-a", "x:cafe")
    assert result.exit_code == 2 and "save the sheet as CSV or Excel" in result.stderr
    sheet = _csv(tmp_path / "s.csv", [["text", "date"], ["Hi! Who's there?", "2027-03-02 09:00"]])
    for args, fragment in (
        (["--timezone", "Mars/Olympus"], "--timezone"),
        (["--timezone", "UTC", "-a", "X Cafe"], "is not an account"),
        (["--timezone", "UTC", "-a", "x:cafe", "--shift", "soon"], "--shift"),
        (["--timezone", "UTC", "-a", "x:cafe", "--campaign", "my campaign"], "--campaign"),
    ):
        refused = run_cli("import", str(sheet), *args, "-o", str(tmp_path / "c.yaml"))
        assert refused.exit_code == 2 and fragment in refused.stderr, (args, refused.stderr)
        assert "Traceback" not in refused.stderr


def test_french_messages(tmp_path: Path, run_cli: Any) -> None:
    sheet = _csv(tmp_path / "s.csv", [["texte", "date"], ["Bonjour ! Ça va ?", "demain"]])
    result = run_cli("--lang", "fr", "import", str(sheet), "--timezone", "UTC", "-a", "x:cafe")
    assert result.exit_code == 2
    assert "ligne 2, colonne B (date)" in result.stderr, result.stderr
