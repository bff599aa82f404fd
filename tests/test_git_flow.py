"""Campaigns in git, end to end on throwaway repositories: the pre-commit hook of
``.pre-commit-hooks.yaml`` (installed by pre-commit itself), ``validate --format github|junit|sarif``,
``plan --against`` and the CI recipes of docs/ci/ run as a CI job would run them.

Nothing here reaches a network: the hook's environment is built by pre-commit and pip from this
checkout, with no package index (``PIP_NO_INDEX``); the dependencies socialpost needs are the ones
this test environment has (``PYTHONPATH``), and hatchling (this one's build backend) builds it.
The team's config file names its tokens as ``${ENV}`` references that are never set: the hook and
the recipes must not need them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from socialpost.cli.ci_output import escape_data, escape_property, github
from socialpost.errors import Problem
from socialpost.settings.yamlfile import load_yaml
from tests.conftest import REPO

BIN = Path(sys.executable).parent
CAMPAIGN = """\
campaign: cafe
timezone: America/Montreal
accounts: [mastodon:cafe, outbox:main]
posts:
  - id: opening
    at: 2031-03-02 09:00
    text: "We open on Saturday: will you come by?"
  - id: menu
    at: 2031-03-03 09:00
    text: "The spring menu is here. What do you order first?"
  - id: tip
    at: 2031-03-04 09:00
    text: "Keep your beans dry. Where do you store them?"
"""
# The team's config: accounts and where their tokens come from, never the tokens.
CONFIG = """\
accounts:
  mastodon:
    cafe:
      instance: https://mastodon.example
      access_token: ${CAFE_MASTODON_TOKEN}
  outbox:
    main:
      folder: outbox
"""


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def _socialpost(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "socialpost", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "200", "SOCIALPOST_LANG": "en"},
    )


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """A campaigns repository as a team keeps one: a campaign and the config, committed on main."""
    repo = tmp_path / "team"
    (repo / "campaigns").mkdir(parents=True)
    (repo / "socialpost").mkdir()
    (repo / "campaigns" / "cafe.yaml").write_text(CAMPAIGN, encoding="utf-8")
    (repo / "socialpost" / "config.yaml").write_text(CONFIG, encoding="utf-8")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "cafe campaign")
    return repo


def _edit(repo: Path, old: str, new: str, name: str = "cafe.yaml") -> None:
    path = repo / "campaigns" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- the pre-commit hook --------------------------------------------------------------------------


@pytest.fixture
def hook_repo(tmp_path: Path) -> Path:
    """This checkout as pre-commit fetches a hook repository: its hook manifest, its package and
    what building it reads, committed in a repository of their own."""
    repo = tmp_path / "hooks"
    repo.mkdir()
    for name in (".pre-commit-hooks.yaml", "pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, repo / name)
    shutil.copytree(REPO / "socialpost", repo / "socialpost", ignore=shutil.ignore_patterns("__pycache__"))
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "socialpost")
    return repo


def _pre_commit(repo: Path, home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("git") is None:
        pytest.fail("git is needed to test the pre-commit hook")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "PIP_NO_INDEX": "1",  # nothing from the internet: the hook's environment is built from here
        "PIP_NO_BUILD_ISOLATION": "0",  # pip's spelling of --no-build-isolation: hatchling comes from PYTHONPATH
        "PYTHONPATH": sysconfig.get_paths()["purelib"],
        "VIRTUALENV_NO_PERIODIC_UPDATE": "1",  # virtualenv would look for newer seed wheels online
        "SOCIALPOST_LANG": "en",
        "COLUMNS": "200",
        **extra,
    }
    return subprocess.run(
        [str(BIN / "pre-commit"), *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )


@pytest.mark.slow
def test_pre_commit_hook_stops_a_broken_campaign_and_lets_a_good_one_through(
    team: Path, hook_repo: Path, tmp_path: Path
) -> None:
    """The hook as a team configures it: the repository's own config file (no secret in it) in
    args; pre-commit installs socialpost in the hook's environment from the hook repository."""
    rev = _git(hook_repo, "rev-parse", "HEAD")
    (team / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {hook_repo}\n"
        f"    rev: {rev}\n"
        "    hooks:\n"
        "      - id: socialpost-validate\n"
        "        args: [--config, socialpost/config.yaml]\n",
        encoding="utf-8",
    )
    home = tmp_path / "pre-commit-home"
    _edit(team, "at: 2031-03-03 09:00", "at: 2031-03-03")  # a date without a time
    _git(team, "add", "-A")
    broken = _pre_commit(team, home, "run")
    out = broken.stdout + broken.stderr
    assert broken.returncode == 1, out
    assert "socialpost validate" in out and "Failed" in out
    assert "campaigns/cafe.yaml:9:9: 'at': '2031-03-03' has no time" in out, out
    assert "CAFE_MASTODON_TOKEN" not in out  # the token is not needed to validate
    # the socialpost that ran is the one pre-commit installed in the hook's own environment
    installed = list(home.glob("repo*/py_env-*/lib/python*/site-packages/socialpost/cli/campaigns.py"))
    assert len(installed) == 1, list(home.iterdir())

    _edit(team, "at: 2031-03-03\n", "at: 2031-03-03 10:00\n")
    _git(team, "add", "-A")
    fixed = _pre_commit(team, home, "run")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "socialpost validate" in fixed.stdout and "Passed" in fixed.stdout

    # a file outside campaigns/ is not a campaign: the hook leaves it alone
    (team / "notes.yaml").write_text("not: [a campaign\n", encoding="utf-8")
    _git(team, "add", "-A")
    skipped = _pre_commit(team, home, "run", "--files", "notes.yaml")
    assert skipped.returncode == 0 and "(no files to check)Skipped" in skipped.stdout, skipped.stdout


@pytest.mark.slow
def test_pre_commit_try_repo_runs_the_published_hook(team: Path, hook_repo: Path, tmp_path: Path) -> None:
    """`pre-commit try-repo`, as a team tries the hook before adopting it (config from the environment)."""
    _edit(team, "Where do you store them?", "Where do you store them? " + "x" * 500)
    _git(team, "add", "-A")
    config = str(team / "socialpost" / "config.yaml")
    tried = _pre_commit(
        team, tmp_path / "home", "try-repo", str(hook_repo), "socialpost-validate", SOCIALPOST_CONFIG=config
    )
    out = tried.stdout + tried.stderr
    assert tried.returncode == 1, out
    assert "id: socialpost-validate" in out
    assert "campaigns/cafe.yaml:13:11: post 'tip' is 546 characters on mastodon, over the limit of 500 by 46." in out, (
        out
    )


# --- validate --format ----------------------------------------------------------------------------


def test_validate_format_github_annotates_the_changed_lines(team: Path) -> None:
    _edit(team, "at: 2031-03-03 09:00", "at: 2031-03-03")
    _edit(team, "Keep your beans dry. Where do you store them?", "KEEP YOUR BEANS DRY. WHERE DO YOU STORE THEM?")
    done = _socialpost(
        team,
        "--config",
        "socialpost/config.yaml",
        "validate",
        "--no-credentials",
        "--format",
        "github",
        "campaigns/cafe.yaml",
    )
    assert done.returncode == 2, done.stderr  # exit codes are the command's, whatever the format
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "::error file=campaigns/cafe.yaml,line=9,col=9,title=socialpost::'at': '2031-03-03' has no time. "
        "Fix: write the time too, like 2031-03-03 09:00."
    )
    assert any(
        line.startswith("::warning file=campaigns/cafe.yaml,line=13,col=11,title=socialpost [all-caps]::")
        for line in lines
    ), lines
    assert all(line.startswith(("::error ", "::warning ")) for line in lines), lines
    assert done.stderr == ""

    _edit(team, "at: 2031-03-03\n", "at: 2031-03-03 10:00\n")
    valid = _socialpost(
        team,
        "validate",
        "--no-credentials",
        "--config",
        "socialpost/config.yaml",
        "--format",
        "github",
        "campaigns/cafe.yaml",
    )
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert "::error" not in valid.stdout and "[all-caps]" in valid.stdout


def test_github_commands_escape_what_would_end_or_forge_a_command() -> None:
    """GitHub's toolkit escapes % CR LF in data, and also : and , in properties."""
    assert escape_data("100% sure\r\nnext") == "100%25 sure%0D%0Anext"
    assert escape_property("a,b:c%") == "a%2Cb%3Ac%25"
    problem = Problem("camp, 2:x.yaml", 3, 4, "line one\n::error::forged", rule=None)
    (line,) = github([problem], []).splitlines()
    assert line == "::error file=camp%2C 2%3Ax.yaml,line=3,col=4,title=socialpost::line one%0A::error::forged"
    unplaced = github([], [Problem("c.yaml", 0, 0, "whole file", rule="not-connected")])
    assert unplaced == "::warning file=c.yaml,title=socialpost [not-connected]::whole file\n"
    shown = github([Problem("c.yaml", 1, 1, "bell \x07 escape \x1b[31m")], [])
    assert "\x07" not in shown and "\x1b" not in shown


def test_validate_format_junit_is_a_report_gitlab_reads(team: Path) -> None:
    (team / "campaigns" / "other.yaml").write_text(
        CAMPAIGN.replace("campaign: cafe", "campaign: other"), encoding="utf-8"
    )
    _edit(team, "at: 2031-03-03 09:00", "at: 2031-03-03")
    done = _socialpost(
        team, "validate", "--no-credentials", "--format", "junit", "campaigns/cafe.yaml", "campaigns/other.yaml"
    )
    assert done.returncode == 2, done.stderr
    root = ET.fromstring(done.stdout.encode("utf-8"))
    assert root.tag == "testsuites"
    (suite,) = root
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"campaigns/cafe.yaml", "campaigns/other.yaml"}
    failure = cases["campaigns/cafe.yaml"].find("failure")
    assert failure is not None and "9:9: 'at': '2031-03-03' has no time" in (failure.text or "")
    assert cases["campaigns/other.yaml"].find("failure") is None
    out = cases["campaigns/other.yaml"].find("system-out")
    assert out is not None and "not-connected" in (out.text or "")  # no config: mastodon:cafe is not connected


def test_validate_format_sarif_is_a_sarif_2_1_0_log(team: Path) -> None:
    _edit(team, "at: 2031-03-03 09:00", "at: 2031-03-03")
    done = _socialpost(
        team,
        "--config",
        "socialpost/config.yaml",
        "validate",
        "--no-credentials",
        "--format",
        "sarif",
        "campaigns/cafe.yaml",
    )
    assert done.returncode == 2
    log = json.loads(done.stdout)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = log["runs"]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert run["tool"]["driver"]["name"] == "socialpost" and rules == sorted(rules)
    error = run["results"][0]
    assert error["level"] == "error" and error["ruleId"] == "campaign-error"
    assert rules[error["ruleIndex"]] == "campaign-error"
    assert error["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "campaigns/cafe.yaml"},
        "region": {"startLine": 9, "startColumn": 9},
    }
    assert "has no time" in error["message"]["text"]
    # the log is valid for SARIF 2.1.0's own schema (tests/data/specs, with its licence)
    schema = json.loads((REPO / "tests" / "data" / "specs" / "sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    assert [e.message for e in validator.iter_errors(log)] == []
    broken = {**log, "runs": [{**run, "results": [{**error, "level": "fatal"}]}]}
    assert list(validator.iter_errors(broken)), "the schema check would catch a wrong level"


def test_validate_without_credentials_needs_no_token_but_still_finds_a_typo(team: Path) -> None:
    config = ("--config", "socialpost/config.yaml")
    with_secrets = _socialpost(team, *config, "validate", "campaigns/cafe.yaml")
    assert with_secrets.returncode == 2 and "CAFE_MASTODON_TOKEN is not set" in with_secrets.stderr
    without = _socialpost(team, *config, "validate", "--no-credentials", "campaigns/cafe.yaml")
    assert without.returncode == 0, without.stderr
    assert "not-connected" not in without.stderr  # listed in the config: connected, for this judgement
    assert "mastodon:cafe" in without.stdout and "500" in without.stdout  # measured against Mastodon's limit
    _edit(team, "accounts: [mastodon:cafe, outbox:main]", "accounts: [mastodon:cafe, outbox:main, mastdon:cafe]")
    typo = _socialpost(team, *config, "validate", "--no-credentials", "campaigns/cafe.yaml")
    assert typo.returncode == 2 and "mastodon:cafe" in typo.stderr and "mastdon" in typo.stderr, typo.stderr
    _edit(team, "mastdon:cafe]", "bluesky:cafe]")
    unlisted = _socialpost(team, *config, "validate", "--no-credentials", "campaigns/cafe.yaml")
    assert (
        unlisted.returncode == 0 and "warning [not-connected]" in unlisted.stderr and "bluesky:cafe" in unlisted.stderr
    )


def test_validate_against_a_revision_keeps_a_running_campaign_valid(team: Path) -> None:
    """A post already in the previous version whose time has passed (it went out) is not new: the
    hook and CI judge a change, not the whole file against a clock; a new post in the past is."""
    _edit(team, "at: 2031-03-02 09:00", "at: 2021-03-02 09:00")
    _git(team, "commit", "-q", "-am", "the opening went out in 2021")
    _edit(team, "Keep your beans dry.", "Keep your beans cool.")
    config = ("--config", "socialpost/config.yaml", "--no-credentials")
    alone = _socialpost(team, "validate", *config, "campaigns/cafe.yaml")
    assert alone.returncode == 2 and "campaigns/cafe.yaml:6:9: post 'opening' is due" in alone.stderr
    judged = _socialpost(team, "validate", *config, "--against", "HEAD", "campaigns/cafe.yaml")
    assert judged.returncode == 0, judged.stderr
    _edit(team, "at: 2031-03-03 09:00", "at: 2021-03-03 09:00")  # moved into the past: new there
    moved = _socialpost(team, "validate", *config, "--against", "HEAD", "--format", "github", "campaigns/cafe.yaml")
    assert moved.returncode == 2
    assert moved.stdout.startswith("::error file=campaigns/cafe.yaml,line=9,col=9,title=socialpost::post 'menu' is due")
    assert "opening" not in moved.stdout


def test_validate_against_head_before_the_first_commit(tmp_path: Path) -> None:
    """The hook's --against HEAD on a repository's very first commit: every file is new."""
    repo = tmp_path / "fresh"
    (repo / "campaigns").mkdir(parents=True)
    (repo / "campaigns" / "cafe.yaml").write_text(CAMPAIGN, encoding="utf-8")
    _git(repo, "init", "-q")
    done = _socialpost(repo, "validate", "--no-credentials", "--against", "HEAD", "campaigns/cafe.yaml")
    assert done.returncode == 0, done.stderr
    plan = _socialpost(repo, "plan", "--no-credentials", "--against", "HEAD", "campaigns/cafe.yaml")
    assert plan.returncode == 0 and "Plan of the change no commit yet → the working tree" in plan.stdout
    # without a config file, mastodon:cafe is not connected: its posts would be queued held
    assert "3 to create, 0 to update, 0 to cancel, 0 unchanged." in plan.stdout
    assert "3 post(s) held until their account is connected (mastodon:cafe)" in plan.stdout


def test_the_config_named_after_the_command_also_chooses_the_language(team: Path) -> None:
    """A hook's args come after 'validate': its --config counts as the global one, language included."""
    config = team / "socialpost" / "config.yaml"
    config.write_text("language: fr\n" + CONFIG, encoding="utf-8")
    _edit(team, "at: 2031-03-03 09:00", "at: 2031-03-03")
    env = {k: v for k, v in os.environ.items() if k not in ("SOCIALPOST_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "socialpost",
            "validate",
            "--no-credentials",
            "--config",
            str(config),
            "campaigns/cafe.yaml",
        ],
        cwd=team,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**env, "LANG": "C.UTF-8"},
    )
    assert done.returncode == 2
    assert "erreur : campaigns/cafe.yaml:9:9:" in done.stderr, done.stderr


def test_json_and_another_format_are_refused_together(team: Path) -> None:
    done = _socialpost(team, "validate", "--json", "--format", "github", "campaigns/cafe.yaml")
    assert done.returncode == 2 and "choose one" in done.stderr


# --- plan --against -------------------------------------------------------------------------------


def _plan(team: Path, *args: str) -> dict[str, dict[str, object]]:
    done = _socialpost(team, "plan", "--no-credentials", "--config", "socialpost/config.yaml", "--json", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout)
    return {f"{p['campaign']}/{p['id']}@{p['account']}": p for p in data["posts"]} | {"": data["against"]}


def _actions(plan: dict[str, dict[str, object]]) -> dict[str, object]:
    return {key: item["action"] for key, item in plan.items() if key}


def test_plan_against_a_revision_shows_what_the_change_does_to_the_queue(team: Path) -> None:
    base = _git(team, "rev-parse", "HEAD")
    _edit(team, "The spring menu is here.", "The spring menu is here, with maple.")
    _edit(
        team, '  - id: tip\n    at: 2031-03-04 09:00\n    text: "Keep your beans dry. Where do you store them?"\n', ""
    )
    _edit(
        team,
        "  - id: opening",
        '  - id: party\n    at: 2031-03-05 18:00\n    text: "A party! Who brings the cake?"\n  - id: opening',
    )
    plan = _plan(team, "--against", "HEAD", "campaigns/cafe.yaml")
    assert _actions(plan) == {
        "cafe/party@mastodon:cafe": "create",
        "cafe/party@outbox:main": "create",
        "cafe/opening@mastodon:cafe": "unchanged",
        "cafe/opening@outbox:main": "unchanged",
        "cafe/menu@mastodon:cafe": "update",
        "cafe/menu@outbox:main": "update",
        "cafe/tip@mastodon:cafe": "cancel",
        "cafe/tip@outbox:main": "cancel",
    }
    assert plan["cafe/menu@outbox:main"]["text"] == "The spring menu is here, with maple. What do you order first?"
    assert plan["cafe/tip@outbox:main"]["text"] == "Keep your beans dry. Where do you store them?"
    assert plan[""] == {"kind": "git", "before": base, "after": None}

    text = _socialpost(
        team,
        "plan",
        "--no-credentials",
        "--config",
        "socialpost/config.yaml",
        "--against",
        "main",
        "campaigns/cafe.yaml",
    )
    assert text.returncode == 0, text.stderr
    assert (
        f"Plan of the change {base[:12]} → the working tree (from the files alone: not this machine's queue"
        in text.stdout
    )
    assert "2 to create, 2 to update, 2 to cancel, 2 unchanged." in text.stdout
    # no queue was read or made: the data folder stays empty
    assert not list((Path(os.environ["HOME"])).rglob("socialpost.db"))


def test_plan_against_two_revisions_and_a_pull_request_range(team: Path) -> None:
    base = _git(team, "rev-parse", "HEAD")
    _git(team, "switch", "-q", "-c", "spring")
    _edit(team, "We open on Saturday", "We open on Sunday")
    _git(team, "commit", "-q", "-am", "Sunday")
    head = _git(team, "rev-parse", "HEAD")
    _git(team, "switch", "-q", "main")
    _edit(team, "Keep your beans dry.", "Keep your beans cool.")
    _git(team, "commit", "-q", "-am", "cool beans")  # main moved on meanwhile

    two = _plan(team, "--against", f"{base}..{head}", "campaigns/cafe.yaml")
    assert (
        _actions(two)["cafe/opening@outbox:main"] == "update" and _actions(two)["cafe/tip@outbox:main"] == "unchanged"
    )
    # A...B: what the branch changed since it left main, whatever main did since (a pull request's diff)
    pull = _plan(team, "--against", "main...spring", "campaigns/cafe.yaml")
    assert pull[""] == {"kind": "git", "before": base, "after": head}
    assert {k: v for k, v in _actions(pull).items() if v != "unchanged"} == {
        "cafe/opening@mastodon:cafe": "update",
        "cafe/opening@outbox:main": "update",
    }
    # main..spring compares main's tip: it would also undo main's own change
    assert _actions(_plan(team, "--against", "main..spring", "campaigns/cafe.yaml"))["cafe/tip@outbox:main"] == "update"


def test_plan_against_a_deleted_and_a_new_campaign_file(team: Path) -> None:
    _git(team, "mv", "campaigns/cafe.yaml", "campaigns/bistro.yaml")
    _edit(team, "campaign: cafe", "campaign: bistro", name="bistro.yaml")
    plan = _plan(team, "--against", "HEAD", "campaigns/cafe.yaml", "campaigns/bistro.yaml")
    created = {k for k, v in _actions(plan).items() if v == "create"}
    cancelled = {k for k, v in _actions(plan).items() if v == "cancel"}
    assert len(created) == len(cancelled) == 6
    assert {plan[k]["campaign"] for k in created} == {"bistro"} and {plan[k]["campaign"] for k in cancelled} == {"cafe"}


def test_plan_against_a_version_that_had_errors_says_what_it_compared(team: Path) -> None:
    _edit(team, "at: 2031-03-03 09:00", "at: 2031-03-03")
    _git(team, "commit", "-q", "-am", "broken on main")
    _edit(team, "at: 2031-03-03\n", "at: 2031-03-03 09:00\n")
    done = _socialpost(
        team,
        "plan",
        "--no-credentials",
        "--config",
        "socialpost/config.yaml",
        "--against",
        "HEAD",
        "campaigns/cafe.yaml",
    )
    assert done.returncode == 0, done.stderr
    assert "warning [before-had-errors]: campaigns/cafe.yaml: its version at " in done.stderr
    assert "2 to create, 0 to update, 0 to cancel, 4 unchanged." in done.stdout  # the post it could not read


def test_plan_against_refuses_what_it_cannot_compare(team: Path, tmp_path: Path) -> None:
    unknown = _socialpost(team, "plan", "--against", "nosuchbranch", "campaigns/cafe.yaml")
    assert unknown.returncode == 2
    assert "'nosuchbranch' is not a commit of the git repository" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    option = _socialpost(team, "plan", "--against", "--upload-pack=x", "campaigns/cafe.yaml")
    assert option.returncode == 2 and "is not a git revision" in option.stderr
    outside = tmp_path / "plain"
    outside.mkdir()
    shutil.copy2(team / "campaigns" / "cafe.yaml", outside / "cafe.yaml")
    nogit = _socialpost(outside, "plan", "--against", "HEAD", "cafe.yaml")
    assert nogit.returncode == 2 and "--against needs a git repository" in nogit.stderr
    folder = _socialpost(team, "plan", "--against", "HEAD", "campaigns")
    assert (
        folder.returncode == 2 and "campaigns is a folder at" in folder.stderr and "campaigns/*.yaml" in folder.stderr
    )
    both = _socialpost(team, "plan", "--against", "HEAD", "--empty-queue", "campaigns/cafe.yaml")
    assert both.returncode == 2 and "choose one" in both.stderr
    _edit(team, "at: 2031-03-03 09:00", "at: 2031-03-03")
    broken = _socialpost(team, "plan", "--no-credentials", "--against", "HEAD", "campaigns/cafe.yaml")
    assert broken.returncode == 2 and "campaigns/cafe.yaml:9:9:" in broken.stderr


def test_plan_against_an_empty_queue_says_so_and_creates_no_queue(team: Path) -> None:
    done = _socialpost(
        team, "--config", "socialpost/config.yaml", "plan", "--no-credentials", "--empty-queue", "campaigns/cafe.yaml"
    )
    assert done.returncode == 0, done.stderr
    assert "Plan against an empty queue (not this machine's queue; nothing changed)" in done.stdout
    assert "6 to create, 0 to update, 0 to cancel, 0 unchanged." in done.stdout
    assert not list(Path(os.environ["HOME"]).rglob("socialpost.db"))


def test_plan_against_an_exported_queue_without_credentials(team: Path, tmp_path: Path) -> None:
    """A copy of the daemons' queue (an exported SQLite file) knows what went out; planning against
    it needs no credential either."""
    _edit(team, "accounts: [mastodon:cafe, outbox:main]", "accounts: [outbox:main]")
    queue = tmp_path / "queue.db"
    env = {**os.environ, "SOCIALPOST_DATABASE_URL": f"sqlite:///{queue}", "COLUMNS": "200", "SOCIALPOST_LANG": "en"}
    scheduled = subprocess.run(
        [sys.executable, "-m", "socialpost", "schedule", "campaigns/cafe.yaml"],
        cwd=team,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert scheduled.returncode == 0, scheduled.stderr
    export = tmp_path / "export.db"
    shutil.copy2(queue, export)
    _edit(team, "Keep your beans dry.", "Keep your beans cool.")
    planned = subprocess.run(
        [
            sys.executable,
            "-m",
            "socialpost",
            "plan",
            "--no-credentials",
            "--config",
            "socialpost/config.yaml",
            "campaigns/cafe.yaml",
        ],
        cwd=team,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**env, "SOCIALPOST_DATABASE_URL": f"sqlite:///{export}"},
    )
    assert planned.returncode == 0, planned.stderr
    assert "0 to create, 1 to update, 0 to cancel, 2 unchanged." in planned.stdout


# --- the CI recipes of docs/ci/ -------------------------------------------------------------------


def _pull_request(team: Path) -> str:
    """A branch that breaks nothing: edits a post, adds one; returns the base commit."""
    base = _git(team, "rev-parse", "HEAD")
    _git(team, "switch", "-q", "-c", "spring")
    _edit(team, "The spring menu is here.", "The spring menu is here, with maple.")
    _edit(
        team,
        "  - id: opening",
        '  - id: party\n    at: 2031-03-05 18:00\n    text: "A party! Who brings the cake?"\n  - id: opening',
    )
    _git(team, "commit", "-q", "-am", "spring")
    return base


def _run_script(team: Path, script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=team,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "SOCIALPOST_LANG": "en", **env},
    )


def test_the_github_actions_recipe_annotates_and_plans_a_pull_request(team: Path, tmp_path: Path) -> None:
    workflow = load_yaml(REPO / "docs" / "ci" / "github-actions.yml").data
    steps = {step.get("id"): step for step in workflow["jobs"]["review"]["steps"]}
    env = {"SOCIALPOST_CONFIG": workflow["jobs"]["review"]["env"]["SOCIALPOST_CONFIG"]}
    base = _pull_request(team)
    summary = tmp_path / "summary.md"
    env |= {"BASE": base, "GITHUB_STEP_SUMMARY": str(summary)}
    validate = _run_script(team, steps["validate"]["run"], env)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert "::error" not in validate.stdout
    plan = _run_script(team, steps["plan"]["run"], env)
    assert plan.returncode == 0, plan.stderr
    shown = summary.read_text(encoding="utf-8")
    assert shown.startswith("### What merging this pull request does to the queue")
    assert "2 to create, 2 to update, 0 to cancel, 4 unchanged." in shown
    assert "A party! Who brings the cake?" in shown

    _edit(team, "at: 2031-03-03 09:00", "at: 2031-03-03")
    _git(team, "commit", "-q", "-am", "oops")
    broken = _run_script(team, steps["validate"]["run"], env)
    assert broken.returncode == 123  # xargs: the command failed (exit 2): the step fails
    assert "::error file=campaigns/cafe.yaml,line=12,col=9,title=socialpost::" in broken.stdout


def test_the_gitlab_recipe_reports_junit_and_the_plan(team: Path) -> None:
    job = load_yaml(REPO / "docs" / "ci" / "gitlab-ci.yml").data["campaigns"]
    base = _pull_request(team)
    env = {"CI_MERGE_REQUEST_DIFF_BASE_SHA": base, **job["variables"]}
    done = _run_script(team, "\n".join(job["script"]), env)
    assert done.returncode == 0, done.stdout + done.stderr
    report = ET.parse(team / job["artifacts"]["reports"]["junit"]).getroot()
    assert [case.get("name") for case in report.iter("testcase")] == ["campaigns/cafe.yaml"]
    assert report.find(".//failure") is None
    plan = (team / "queue-plan.txt").read_text(encoding="utf-8")
    assert "2 to create, 2 to update, 0 to cancel, 4 unchanged." in plan and plan in done.stdout

    _edit(team, "at: 2031-03-03 09:00", "at: 2031-03-03")
    _git(team, "commit", "-q", "-am", "oops")
    failed = _run_script(team, "\n".join(job["script"]), env)
    assert failed.returncode != 0
    failure = ET.parse(team / "socialpost-validate.xml").getroot().find(".//failure")
    assert failure is not None and "12:9: 'at': '2031-03-03' has no time" in (failure.text or "")


@pytest.mark.parametrize(
    ("path", "schema"), [("github-actions.yml", "vendor.github-workflows"), ("gitlab-ci.yml", "vendor.gitlab-ci")]
)
def test_the_ci_recipes_are_valid_for_their_ci(path: str, schema: str) -> None:
    """check-jsonschema ships GitHub's and GitLab's own schemas for these files."""
    extra = ["--data-transform", "gitlab-ci"] if "gitlab" in schema else []
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            schema,
            *extra,
            str(REPO / "docs" / "ci" / path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_plan_against_keeps_queued_posts_in_their_slots_when_one_is_inserted(team: Path) -> None:
    queued = (
        "campaign: queued\ntimezone: America/Montreal\naccounts: [outbox:main]\n"
        'queue: {days: [mon, tue, wed, thu, fri], at: ["09:00"], from: 2031-03-03}\n'
        "posts:\n"
        '  - id: first\n    text: "First. What do you think?"\n'
        '  - id: second\n    text: "Second. What do you think?"\n'
    )
    (team / "campaigns" / "queued.yaml").write_text(queued, encoding="utf-8")
    _git(team, "add", "-A")
    _git(team, "commit", "-q", "-m", "a queued campaign")
    _edit(
        team,
        "  - id: second",
        '  - id: inserted\n    text: "Inserted. What do you think?"\n  - id: second',
        "queued.yaml",
    )
    plan = _plan(team, "--against", "HEAD", "campaigns/queued.yaml")
    slots = {key: (item["action"], item["due_at"], item["slot"]) for key, item in plan.items() if key}
    assert slots == {  # Monday 2031-03-03 09:00 EST is 14:00Z
        "queued/first@outbox:main": ("unchanged", "2031-03-03T14:00:00Z", {"why": "kept", "taken_by": None}),
        "queued/inserted@outbox:main": ("create", "2031-03-05T14:00:00Z", {"why": "next", "taken_by": None}),
        "queued/second@outbox:main": ("unchanged", "2031-03-04T14:00:00Z", {"why": "kept", "taken_by": None}),
    }
