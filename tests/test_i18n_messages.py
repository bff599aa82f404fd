"""User messages in French: campaign, YAML and config errors, writing advice, doctor findings.

Each test activates French the way the CLI does (``i18n.activate("fr_CA")``) and triggers a real
error path; the message must come out in French (``Solution :`` instead of ``Fix:``), its
``file:line:column`` prefix untouched, and every ``{placeholder}`` filled (a translation naming a
placeholder the code does not pass would raise KeyError; one it forgets would leave text out).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from socialpost import doctor, i18n
from socialpost.campaign import advice
from socialpost.campaign.checks import check
from socialpost.campaign.expand import expand
from socialpost.campaign.load import load_campaign, load_campaigns
from socialpost.errors import CampaignError, ConfigError, Problem, UsageError
from socialpost.i18n import catalogue
from socialpost.rehearsal import sandbox_settings
from socialpost.scheduling import validate
from socialpost.settings.config import Settings, load_settings
from socialpost.settings.textfile import read_text
from socialpost.settings.yamlfile import load_yaml
from socialpost.store.db import Store
from socialpost.store.queue import Queue
from socialpost.timeutil import parse_duration, parse_wall_time, zone
from tests.store_helpers import seed_posts

Write = Callable[[str, str], Path]

CAMPAIGN = """\
campaign: printemps
timezone: America/Montreal
accounts: [x:acme]
posts:
  - id: teaser
    at: 2027-03-02 09:00
    text: "Bonjour à tous, que pensez-vous de notre nouveau café ?"
"""

# Files whose messages this test covers (their translations are checked as a whole below).
FILES = (
    "socialpost/campaign/advice.py",
    "socialpost/campaign/checks.py",
    "socialpost/campaign/expand.py",
    "socialpost/campaign/load.py",
    "socialpost/campaign/models.py",
    "socialpost/campaign/recurrence.py",
    "socialpost/text/rules.py",
    "socialpost/doctor/",
    "socialpost/errors.py",
    "socialpost/settings/yamlfile.py",
    "socialpost/settings/textfile.py",
    "socialpost/settings/problems.py",
    "socialpost/settings/closest.py",
    "socialpost/timeutil.py",
    "socialpost/rehearsal.py",
    "socialpost/settings/config.py",
)


@pytest.fixture(autouse=True)
def french() -> Iterator[None]:
    i18n.activate("fr_CA")
    yield  # the conftest's `english` fixture puts English back


def assert_french(message: str) -> None:
    """Translated: no English "Fix:", no placeholder left unfilled."""
    assert "Fix:" not in message, message
    literal = re.sub(r"\{(network|campaign|post|reseau)\}", "", message)  # UTM placeholders, quoted on purpose
    assert not re.search(r"\{[a-z_]+\}", literal), message


def problems(write: Write, text: str, name: str = "c.yaml") -> list[Problem]:
    path = write(name, text)
    with pytest.raises(CampaignError) as caught:
        load_campaign(path)
    for problem in caught.value.problems:
        assert problem.file == str(path)
        assert_french(problem.message)
        assert "Solution :" in problem.message, problem.message
    return caught.value.problems


def only(write: Write, text: str) -> Problem:
    found = problems(write, text)
    assert len(found) == 1, found
    return found[0]


# --- campaign files ---------------------------------------------------------------------------------


def test_a_misspelt_key_is_a_located_french_error(write: Write) -> None:
    path = write("c.yaml", CAMPAIGN.replace("    text:", "    txet:"))
    with pytest.raises(CampaignError) as caught:
        load_campaign(path)
    problem = caught.value.problems[0]
    assert (problem.line, problem.column) == (7, 5)
    assert str(problem) == (
        f"{path}:7:5: clé inconnue « txet ». Vouliez-vous dire « text » ? Solution : corrigez l'orthographe."
    )
    assert str(caught.value) == str(problem)  # one problem: no count line


def test_several_problems_are_counted_in_french(write: Write) -> None:
    found = problems(write, CAMPAIGN.replace("[x:acme]", "[X_acme, mastodon]"))
    assert len(found) == 2
    with pytest.raises(CampaignError) as caught:
        load_campaign(write("d.yaml", CAMPAIGN.replace("[x:acme]", "[X_acme, mastodon]")))
    assert str(caught.value).endswith("\n(2 problèmes)")
    assert "« X_acme » n'est pas un compte." in found[0].message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            (
                "    at: 2027-03-02 09:00\n",
                "    at: 2027-03-02 09:00\n    every: {days: [mon], at: '10:00', from: 2027-03-01}\n",
            ),
            "une publication a « at » (une heure) ou « every » (récurrente), pas les deux",
        ),
        (("timezone: America/Montreal", "timezone: EST"), "n'est pas un nom de fuseau horaire IANA"),
        (("2027-03-02 09:00", "09:00"), "n'a pas de date"),
        (("2027-03-02 09:00", "2027-03-02"), "n'a pas d'heure"),
        (("2027-03-02 09:00", "2027-03-02 09:00Z"), "a un décalage UTC"),
        (("2027-03-02 09:00", "2027-02-30 09:00"), "n'a pas de jour 30 (il en a 28)"),
        (("2027-03-02 09:00", "3027-03-02 09:00"), "hors des années 1900 à 2999"),
        (("2027-03-02 09:00", "bientôt"), "n'est pas une date et une heure"),
        (("campaign: printemps", "campaign: 'printemps!'"), "« campaign » : « printemps! » ne peut contenir"),
        (("accounts: [x:acme]", "accounts: []"), "doit contenir au moins un élément"),
        (('text: "Bonjour', 'text: ""\n    x: "Bonjour'), "clé inconnue « x »"),
        (("    text:", "    texts: [a, b]\n    t:"), "clé inconnue « t »"),
        (('    text: "Bonjour à tous, que pensez-vous de notre nouveau café ?"', "    text: [1]"), "du texte est"),
        (("posts:\n", "late: {else: later}\nposts:\n"), "« else » : 'skip', 'post' ou 'hold' est attendu"),
        (("posts:\n", "late: {within: 5 parsecs}\nposts:\n"), "« 5 parsecs » n'est pas une durée"),
        (("posts:\n", "utm: {source: '{reseau}'}\nposts:\n"), "variable inconnue {reseau}"),
        (("posts:\n", "defaults: {utm: oui}\nposts:\n"), "true ou false est attendu, reçu « oui »"),
        (("posts:\n", "defaults: [a]\nposts:\n"), "un ensemble de clés est attendu, reçu une liste"),
        (("posts:\n", "quiet: no-conversation\nposts:\n"), "une liste est attendue"),
        (("accounts: [x:acme]", "accounts: [x:acme]\nlanguage: 12"), "reçu le nombre 12"),
    ],
)
def test_model_errors_in_french(write: Write, change: tuple[str, str], expected: str) -> None:
    text = CAMPAIGN.replace(*change)
    assert text != CAMPAIGN
    messages = [p.message for p in problems(write, text)]
    assert any(expected in m for m in messages), messages


@pytest.mark.parametrize(
    ("every", "expected"),
    [
        ("{days: [lundi, dimanche], at: '10:30', from: 2027-03-01}", None),
        ("{days: [lundy], at: '10:30', from: 2027-03-01}", "« lundy » n'est pas un jour de la semaine"),
        ("{days: [mon], at: '25:00', from: 2027-03-01}", "« 25:00 » n'est pas une heure"),
        ("{days: [mon], at: [], from: 2027-03-01}", "il faut au moins une heure"),
        ("{days: [mon], at: '10:30', from: 2027-13-01}", "« 2027-13-01 » n'est pas une date"),
        ("{days: [mon], cron: '0 10 * * *', at: '10:30', from: 2027-03-01}", "exactement un élément parmi"),
        ("{cron: '0 10 * * *', at: '10:30', from: 2027-03-01}", "« at » ne va pas avec « cron »"),
        ("{cron: 'daily', from: 2027-03-01}", "« daily » a 1 champ; une expression cron en a 5"),
        ("{cron: '0 10 * *', from: 2027-03-01}", "a 4 champs;"),
        ("{cron: '0 99 * * *', from: 2027-03-01}", "n'est pas une expression cron valide :"),
        ("{days: [mon], from: 2027-03-01}", "« every » demande « at »"),
        ("{interval: 36h, at: '10:30', from: 2027-03-01}", "nombre entier de jours ou de semaines"),
        ("{days: [mon], at: '10:30', from: 2027-03-01, until: 2027-02-01}", "« until » est avant « from »"),
    ],
)
def test_recurrence_errors_in_french(write: Write, every: str, expected: str | None) -> None:
    text = CAMPAIGN.replace("    at: 2027-03-02 09:00\n", f"    every: {every}\n").replace("text:", "texts: [") + "]"
    text = text.replace('texts: [ "Bonjour', 'texts: ["Bonjour')
    if expected is None:  # French day names are accepted as they are
        assert load_campaign(write("ok.yaml", text)).model.posts[0].every is not None
        return
    messages = [p.message for p in problems(write, text)]
    assert any(expected in m for m in messages), messages


def test_texts_without_every_and_variant_with_text_and_thread(write: Write) -> None:
    rotation = only(write, CAMPAIGN.replace('text: "Bonjour', 'texts: ["Bonjour').replace('?"', '?"]'))
    assert "« texts » (une rotation) est réservé aux publications récurrentes" in rotation.message
    both = only(write, CAMPAIGN + "    variants: {x: {text: a, thread: [b]}}\n")
    assert "une variante a soit text, soit thread, pas les deux" in both.message


def test_too_many_occurrences(write: Write) -> None:
    text = CAMPAIGN.replace("    at: 2027-03-02 09:00\n", "    every: {cron: '* * * * *', from: 2027-03-01}\n")
    loaded = load_campaign(write("c.yaml", text.replace("text:", "texts: [").replace('?"', '?"]')))
    with pytest.raises(CampaignError) as caught:
        expand(loaded, now=datetime(2027, 3, 1, tzinfo=UTC))
    (problem,) = caught.value.problems
    assert "cette règle crée plus de 10 000 publications" in re.sub(r"\s", " ", problem.message)
    assert_french(problem.message)


def test_duplicate_ids_and_campaign_names(write: Write) -> None:
    text = CAMPAIGN + "  - id: teaser\n    at: 2027-03-03 09:00\n    text: encore ?\n"
    assert "« teaser » est déjà utilisé à la ligne 5" in only(write, text).message
    first, second = write("a.yaml", CAMPAIGN), write("b.yaml", CAMPAIGN)
    with pytest.raises(CampaignError) as caught:
        load_campaigns([first, second])
    (problem,) = caught.value.problems
    assert problem.message == (
        f"la campagne « printemps » est aussi définie dans {first}. Solution : donnez à chaque campagne son propre nom."
    )


# --- what `validate` checks on the expanded rows ------------------------------------------------------


def test_checks_lengths_media_past_and_variants_in_french(write: Write, tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    (tmp_path / "fake.png").write_bytes(b"not a png at all")
    text = f"""\
campaign: printemps
timezone: America/Montreal
accounts: [x:acme, youtube:chaine]
posts:
  - id: long
    at: 2027-03-02 09:00
    text: "{"é" * 300} ?"
    media:
      - {{file: absent.jpg, alt: ""}}
      - {{file: notes.txt, alt: notes}}
      - {{file: fake.png, alt: faux}}
      - {{file: a.jpg, alt: a}}
      - {{file: b.jpg, alt: b}}
    variants: {{mastodon: {{text: "salut ?"}}}}
  - id: passee
    at: 2020-01-01 09:00
    text: "Déjà passée, qu'en pensez-vous ?"
    accounts: [x:acme]
"""
    loaded = load_campaign(write("c.yaml", text))
    found = check(loaded, expand(loaded, now=datetime(2027, 1, 1, tzinfo=UTC)), now=datetime(2027, 1, 1, tzinfo=UTC))
    errors = [p.message for p in found.errors]
    warnings = {p.rule: p.message for p in found.warnings}
    for message in [*errors, *warnings.values()]:
        assert_french(message)
    joined = "\n".join(errors)
    assert "la publication « long » fait 302 caractères pondérés sur x, soit 22 de plus que la limite de 280" in joined
    assert "5 fichiers médias, mais x en accepte au plus 4 par publication" in joined
    assert "fichier média introuvable :" in joined
    assert "« notes.txt » n'est pas une image ou une vidéo que socialpost peut publier" in joined
    assert "« fake.png » ne contient pas ce que son nom annonce (image)" in joined
    assert "la publication « long » va à youtube:chaine mais n'a pas de vidéo" in joined
    assert "Solution : ajoutez video: {file: …, title: …}" in joined
    past = validate(
        [tmp_path / "c.yaml"], settings, now=datetime(2027, 1, 1, tzinfo=UTC)
    ).errors  # the queue's to judge
    assert re.search(r"« passee » est prévue le 2020-01-01 09 h 00 \(EST\), ce qui est dans le passé", past[-1].message)
    assert warnings["missing-alt"].startswith("absent.jpg n'a pas de description (texte de remplacement).")
    assert warnings["unused-variant"].startswith("la variante « mastodon » ne sert pas : cette publication va à")


def test_an_oversized_image_gives_its_size_with_a_french_decimal_comma(write: Write, tmp_path: Path) -> None:
    with (tmp_path / "grande.jpg").open("wb") as handle:
        handle.write(b"\xff\xd8\xff" + b"\0" * 5_300_000)
    text = CAMPAIGN + '    media: [{file: grande.jpg, alt: "une grande photo"}]\n'
    loaded = load_campaign(write("c.yaml", text))
    found = check(loaded, expand(loaded), now=datetime(2027, 1, 1, tzinfo=UTC))
    (error,) = found.errors
    assert error.message == (
        "« grande.jpg » fait 5,3 Mo, au-delà de la limite de x, qui est de 5 Mo pour ce type de fichier (image). "
        "Solution : réduisez-le, ou donnez à x d'autres médias sous variants:."
    )


# --- writing advice -------------------------------------------------------------------------------------


def test_writing_advice_comes_out_in_french() -> None:
    found = {a.rule: a.message for a in advice.advise_text("https://acme.com", network="x")}
    assert found["link-only"].startswith("la publication n'est qu'un lien. Dites en une phrase pourquoi")
    assert found["no-conversation"].startswith("la publication ne demande rien à ses lecteurs.")
    many = advice.advise_text("Nouveau ! #a #b #c #d ?", network="x", language="fr")
    assert [a.message for a in many if a.rule == "too-many-hashtags"] == [
        "4 mots-clics sur x, où plus de 2 passe pour du pourriel et touche moins de monde. "
        "Gardez le ou les deux qui comptent le plus."
    ]
    (typography,) = [a for a in many if a.rule == "french-typography"]
    assert typography.message.startswith("une espace ordinaire avant « ! » peut couper la ligne")
    caps = advice.advise_text("GRANDE OUVERTURE DEMAIN MATIN ?", network="x")
    assert [a.message[:40] for a in caps if a.rule == "all-caps"] == ["la publication est écrite en majuscules,"]
    utm = advice.advise_text("Voyez acme.com ?", network="x", uses_utm=True)
    assert next(a.message for a in utm if a.rule == "link-without-utm").startswith("« acme.com » n'a pas de https://")
    (media,) = advice.advise_media([("photo.jpg", " ")])
    assert media.message.startswith("photo.jpg n'a pas de description")
    (night,) = advice.advise_time(datetime(2027, 3, 2, 23, 30, tzinfo=ZoneInfo("America/Montreal")))
    assert night.message.startswith("planifiée à 23 h 30 dans le fuseau horaire de la campagne")
    (same,) = advice.advise_same_text({"x": "a", "mastodon": "a"})
    assert same.message.startswith("le même texte va sur mastodon, x. Chaque réseau a son ton")
    assert {rule: i18n._(text) for rule, text in advice.RULES.items()}["link-only"] == "la publication n'est qu'un lien"


def test_cached_advice_follows_the_language() -> None:
    i18n.activate("en")
    english = advice.advise_text("https://acme.com", network="x")
    i18n.activate("fr_CA")
    french = advice.advise_text("https://acme.com", network="x")
    assert english[0].rule == french[0].rule
    assert english[0].message != french[0].message
    assert french[0].message.startswith("la publication")


# --- YAML --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a:\n\tb: 1\n", "un caractère de tabulation; l'indentation YAML doit utiliser des espaces"),
        ("a: b: c\n", "la valeur de « a » contient « : », que YAML lit comme le début d'une autre clé"),
        ("a:\n  - b\n c: d\n", "le retrait de cette ligne ne s'aligne sur aucune clé au-dessus"),
        ("a: 'b\n", "l'apostrophe (') ouverte ici n'est jamais fermée"),
        ("a: 1\na: 2\n", "clé en double « a » (écrite d'abord à la ligne 1)"),
        ("a: !!python/object x\n", "l'étiquette YAML « !!python/object » n'est pas prise en charge ici"),
        ("!!binary YQ==: 1\n", "l'étiquette YAML « !!binary » n'est pas prise en charge ici"),
        ("a: !!int abc\n", "« abc » ne correspond pas à son étiquette « !!int »"),
        ("a: &x [1]\nb:\n  <<: *x\n", "« << » ne fusionne que des ensembles de clés"),
        ("? [a]\n: 1\n", "une clé doit être du texte simple"),
        ("a: 1\n---\nb: 2\n", "le fichier de campagne contient plusieurs documents YAML"),
        ("# rien\n", "le fichier de campagne est vide. Solution : voyez le README"),
        ("a: \x07\n", "le caractère invisible ou de contrôle U+0007 n'est pas permis en YAML"),
        ("a: " + "[" * 70 + "]" * 70 + "\n", "le fichier de campagne est imbriqué sur plus de 64 niveaux"),
    ],
)
def test_yaml_errors_in_french(write: Write, text: str, expected: str) -> None:
    found = problems(write, text)
    assert any(expected in p.message for p in found), [p.message for p in found]


def test_yaml_alias_loops_and_bombs(write: Write) -> None:
    loop = write("loop.yaml", "a: &x\n  b: *x\n")
    with pytest.raises(CampaignError) as caught:
        load_yaml(loop)
    assert "contient un alias vers elle-même" in caught.value.problems[0].message
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    with pytest.raises(CampaignError) as caught:
        load_yaml(write("bomb.yaml", "\n".join(lines) + "\n"))
    message = caught.value.problems[0].message
    assert "les références « *alias » d'ici donnent plus de 100000 valeurs" in message
    assert_french(message)


def test_unreadable_files_in_french(write: Write, tmp_path: Path) -> None:
    def message_of(path: Path) -> str:
        with pytest.raises(CampaignError) as caught:
            read_text(path, what=i18n._("campaign file"))
        (problem,) = caught.value.problems
        assert_french(problem.message)
        return problem.message

    assert message_of(tmp_path) == (
        "c'est un dossier, pas un fichier de campagne. Solution : donnez le chemin d'un fichier .yaml."
    )
    assert message_of(tmp_path / "absent.yaml").startswith("fichier introuvable.")
    binary = tmp_path / "image.yaml"
    binary.write_bytes(b"\x89PNG\x00\x00")
    assert message_of(binary).startswith("c'est un fichier binaire, pas un fichier de campagne YAML.")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("café: oui\n".encode("latin-1"))
    assert message_of(latin).startswith("le fichier n'est pas du texte UTF-8.")
    with pytest.raises(CampaignError) as caught:
        read_text(binary)  # no `what`: "fichier"
    assert "pas un fichier YAML" in caught.value.problems[0].message


# --- config, durations, the demo folder -----------------------------------------------------------------


def test_config_errors_in_french(write: Write, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(str(tmp_path / "absent.yaml"))
    assert str(caught.value) == (
        f"{tmp_path / 'absent.yaml'} : fichier de configuration introuvable (indiqué par --config). "
        "Solution : copiez-y config.example.yaml, ou indiquez un autre fichier."
    )
    path = write("config.yaml", "- a\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(str(path))
    assert str(caught.value).startswith(f"{path}:1:1: le fichier de configuration doit être un ensemble de réglages")
    settings = {
        "daemon: {max_age: 0s}\n": "« max_age » : max_age doit être plus long que 0.",
        "daemon: {min_interval_overrides: {x: -1}}\n": "l'intervalle pour « x » est négatif.",
        "daemon: {poll_seconds: 0}\n": "« poll_seconds » : la valeur doit être supérieure à 0. Solution :",
        "daemon: {workers: 1000}\n": "la valeur doit être inférieure ou égale à 256.",
        "daemon: {wrokers: 2}\n": "clé inconnue « wrokers ». Vouliez-vous dire « workers » ?",
        "daemon: {zzz: 2}\n": "clé inconnue « zzz ». Permises ici : poll_seconds,",
        "language: de\n": "langue inconnue « de ». Solution : écrivez l'une de ces langues : en, fr",
        "database: ${NOT_SET_ANYWHERE}\n": "database : la variable d'environnement NOT_SET_ANYWHERE n'est pas définie.",
        "a: [1\n": "le « [ » ouvert ici n'est jamais fermé",
    }
    for text, expected in settings.items():
        path = write("config.yaml", text)
        with pytest.raises(ConfigError) as caught:
            load_settings(str(path), environ={})
        assert expected in str(caught.value), str(caught.value)
        assert_french(str(caught.value))
    assert (
        Settings(database_url="sqlite://", data_dir=tmp_path).config_location("x") == "(aucun fichier de configuration)"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, "une durée est attendue. Solution : écrivez-la comme 15m, 2h ou 1d"),
        (-5, "une durée ne peut pas être négative."),
        ("demain", "« demain » n'est pas une durée. Solution : écrivez-la comme 90s, 15m, 2h, 1h30m ou 1d"),
        ("99999d", "« 99999d » est une durée trop longue. Solution : ne dépassez pas 3650 jours"),
    ],
)
def test_durations_in_french(value: str | int | bool, expected: str) -> None:
    with pytest.raises(ValueError, match=re.escape(expected)):
        parse_duration(value)


def test_time_zone_and_wall_time_hints_in_french() -> None:
    with pytest.raises(ValueError, match="Solution : écrivez le fuseau d'une ville, comme America/Toronto"):
        zone("EST")
    with pytest.raises(ValueError, match=re.escape("« 9h » n'est pas une date et une heure")):
        parse_wall_time("9h")


def test_the_demo_refuses_a_folder_in_french(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("à moi", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        sandbox_settings(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path} existe et n'est pas un dossier de démonstration socialpost; la démonstration n'y écrira pas. "
        "Passez --workdir avec un dossier nouveau ou vide."
    )


# --- doctor ------------------------------------------------------------------------------------------------

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


def queued(status: str, *, reason: str | None = None, media: tuple[str, ...] = ()) -> doctor.QueuedPost:
    return doctor.QueuedPost(
        campaign="printemps",
        campaign_file="printemps.yaml",
        id=f"p-{status}",
        account="mastodon:acme",
        status=status,
        when=NOW + timedelta(hours=1),
        media=media,
        reason=reason,
    )


def test_doctor_findings_in_french(tmp_path: Path) -> None:
    findings = [
        *doctor.check_decisions([queued("failed", reason="refusé"), queued("held"), queued("unknown")]),
        *doctor.check_timezones(["Nulle/Part"], []),
        *doctor.check_timezones([], ["Nulle/Part"]),
        *doctor.check_media([queued("pending", media=(str(tmp_path / "absente.jpg"),))]),
        *doctor.check_clock(
            ["https://api.example"], lambda: NOW, lambda origin, timeout: NOW + timedelta(minutes=5), 1
        ),
        *doctor.check_clock(["https://api.example"], lambda: NOW, lambda origin, timeout: NOW - timedelta(days=3), 1),
        *doctor.check_clock(["https://api.example"], lambda: NOW, lambda origin, timeout: None, 1),
        *doctor.check_clock([], lambda: NOW, lambda origin, timeout: None, 1),
        *doctor.expiry_findings("account:x:acme", NOW - timedelta(days=1), [queued("pending")], NOW, "cmd"),
        *doctor.expiry_findings("account:x:acme", NOW + timedelta(minutes=30), [queued("pending")], NOW, "cmd"),
        *doctor.expiry_findings("account:x:acme", NOW + timedelta(days=2), [], NOW, "cmd"),
        doctor.crashed("media", RuntimeError("boum")),
    ]
    for finding in findings:
        assert_french(finding.message)
        assert finding.fix is None or "Fix:" not in finding.fix
    messages = [f.message for f in findings]
    fixes = [f.fix for f in findings]
    assert messages[0] == "printemps/p-failed vers mastodon:acme a échoué : refusé"
    assert (
        fixes[0]
        == "Corrigez ce que dit le message, puis renvoyez-la : socialpost retry printemps/p-failed@mastodon:acme"
    )
    assert messages[1].startswith(
        "printemps/p-held vers mastodon:acme est retenue : son heure (2027-01-10 13 h 00 UTC)"
    )
    assert messages[2] == "personne ne sait si printemps/p-unknown vers mastodon:acme est partie"
    assert messages[3].startswith("la base des fuseaux horaires manque : Nulle/Part ne peut pas être chargé")
    assert (
        messages[4]
        == "une campagne planifiée utilise le fuseau horaire « Nulle/Part », que cette machine ne peut pas charger."
    )
    assert messages[5] == (
        f"{tmp_path / 'absente.jpg'} manque; 1 publication en attente échouera sans lui : "
        "printemps/p-pending vers mastodon:acme."
    )
    assert messages[6].startswith("l'horloge de cette machine retarde de 5 min sur https://api.example (qui indique")
    assert messages[7].startswith("l'horloge de cette machine avance de 3 jours sur https://api.example")
    assert messages[8] == "non vérifié : aucune API de réseau n'a répondu (cette machine est peut-être hors ligne)"
    assert messages[9] == "non vérifié : aucun compte n'a d'adresse d'API avec laquelle comparer"
    assert messages[10] == (
        "le jeton d'accès a expiré le 2027-01-09 12 h 00 UTC; 1 publication en attente pour ce compte échouera"
    )
    assert messages[11].startswith("le jeton d'accès expire le 2027-01-10 12 h 30 UTC, avant 1 publication planifiée")
    assert messages[12] == "le jeton d'accès expire le 2027-01-12 12 h 00 UTC (dans 2 jours)."
    assert messages[13] == "la vérification media n'a pas pu se faire : RuntimeError: boum"
    assert fixes[13] is not None and fixes[13].startswith("C'est un bogue de socialpost;")


def test_doctor_with_a_broken_config_and_a_quiet_machine(tmp_path: Path) -> None:
    def broken() -> Settings:
        raise ConfigError("config.yaml:3:1: clé inconnue « x ».")

    report = doctor.run_checks(broken, clock=lambda: NOW)
    config = report.findings[0]
    assert (config.check, config.status) == ("config", "problem")
    assert config.fix == (
        "Corrigez le fichier de configuration à l'endroit indiqué (config.example.yaml contient tous les réglages). "
        "Les autres vérifications ont besoin des réglages : corrigez d'abord ceci."
    )
    assert report.as_json()["findings"][0].keys() == {"check", "status", "message", "fix"}  # keys stay English
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'socialpost.db'}", data_dir=tmp_path)
    report = doctor.run_checks(settings, clock=lambda: NOW, date_probe=lambda origin, timeout: None)
    shown = {f.check: f.message for f in report.findings}
    assert shown["config"] == "aucun fichier de configuration : socialpost utilise ses réglages par défaut"
    assert shown["database"].startswith(f"pas encore de base de données à {tmp_path / 'socialpost.db'} : elle sera")
    assert shown["timezones"] == "les données des fuseaux horaires sont installées"
    assert shown["accounts"].startswith("aucun compte n'est encore configuré (socialpost accounts add RÉSEAU NOM")
    assert all(f.status == "ok" for f in report.findings)


def test_doctor_daemon_and_many_posts_in_french(store: Store) -> None:
    seed_posts(store, 2, due=[NOW - timedelta(minutes=5), NOW + timedelta(hours=1)], campaign="printemps")
    Queue(store, "serveur-1", clock=lambda: NOW - timedelta(hours=2)).heartbeat(started=True)
    waiting, _zones = doctor.load_posts(store)
    (finding,) = doctor.check_daemon(store, waiting, NOW)
    assert finding.status == "problem"
    assert re.fullmatch(
        r"2 publications attendent de partir mais aucun démon n'est en marche \(le dernier, pid \d+ sur \S+, a été "
        r"vu il y a 2 h\); la prochaine est printemps/\S+ vers outbox:news, prévue le 2027-01-10 11 h 55 UTC\. "
        r"1 publication est déjà en retard\.",
        finding.message,
    ), finding.message
    Queue(store, "serveur-2", clock=lambda: NOW - timedelta(seconds=5)).heartbeat(started=True)
    (alive,) = doctor.check_daemon(store, waiting, NOW)
    assert alive.message.startswith("1 démon en marche (pid ")
    many = doctor.check_decisions([queued("held")] * (doctor.SHOWN_POSTS + 3))
    assert many[-1].message == "… et 3 autres publications held."


# --- the catalogue as a whole ------------------------------------------------------------------------------


def test_every_french_message_of_these_files_formats() -> None:
    """Each translation takes exactly the placeholders its code passes: formatting with the English
    message's own fields never raises, and leaves no field behind."""
    checked = 0
    for message in catalogue.read_catalog(catalogue.po_file("fr")):
        if not message.id or not any(file.startswith(FILES) for file, _line in message.locations):
            continue
        english = [str(text) for text in (message.id if isinstance(message.id, tuple) else (message.id,))]
        french = [
            str(text or "") for text in (message.string if isinstance(message.string, tuple) else (message.string,))
        ]
        assert len(french) == len(english) and all(french), f"not translated: {english[0]!r}"
        fields = {name: "X" for text in english for name in catalogue.placeholders(text)}
        for original, translated in zip(english, french, strict=True):
            assert catalogue.placeholders(translated) == catalogue.placeholders(original), (original, translated)
            translated.format(**fields)
        checked += 1
    assert checked > 200
