"""The campaign JSON Schema works in the validators editors and CI really use.

ajv (draft 2020-12, strict: the validator inside VS Code's YAML extension) and check-jsonschema
(the Python CLI and pre-commit hook) must both accept the schema itself, accept every example
campaign, and reject each broken campaign below for its own reason. They read the copy shipped in
``socialpost/campaign/campaign.schema.json`` (what a ``$schema`` line points at; kept equal to
``socialpost schema`` by tests/test_campaign_format.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from socialpost.campaign.models import json_schema
from socialpost.settings.yamlfile import load_yaml
from tests.conftest import REPO

SCHEMA = REPO / "socialpost" / "campaign" / "campaign.schema.json"
AJV_DIR = REPO / ".test-servers" / "ajv"
EXAMPLES = sorted(p for p in (REPO / "campaigns").glob("*.yaml") if p.name != "broken.yaml")

VALID_HEAD = "campaign: c\ntimezone: America/Montreal\naccounts: [outbox:main]\n"
# Each broken campaign, and the JSON path (as each tool writes it) of the error it must cause.
BROKEN: dict[str, tuple[str, str, str]] = {
    "account-without-network": (
        "campaign: c\ntimezone: America/Montreal\naccounts: [twitter]\n"
        "posts: [{id: a, at: '2027-03-02 09:00', text: hi}]\n",
        "/accounts/0",
        "$.accounts[0]",
    ),
    "account-network-in-capitals": (
        VALID_HEAD + "posts: [{id: a, at: '2027-03-02 09:00', text: hi, accounts: ['X:shop']}]\n",
        "/posts/0/accounts/0",
        "$.posts[0].accounts[0]",
    ),
    "unknown-key": (
        VALID_HEAD + "posts: [{id: a, at: '2027-03-02 09:00', txt: hi}]\n",
        "/posts/0",
        "$.posts[0]",
    ),
    "date-without-time": (
        VALID_HEAD + "posts: [{id: a, at: '2027-03-02', text: hi}]\n",
        "/posts/0/at",
        "$.posts[0].at",
    ),
    "weekday-misspelt": (
        VALID_HEAD + "posts: [{id: a, every: {days: [funday], at: '10:30', from: '2027-03-01'}, texts: [a]}]\n",
        "/posts/0/every",
        "$.posts[0].every",
    ),
    "no-timezone": (
        "campaign: c\naccounts: [outbox:main]\nposts: [{id: a, at: '2027-03-02 09:00', text: hi}]\n",
        "",
        "$",
    ),
    "except-not-a-date": (
        VALID_HEAD + "posts: [{id: a, every: {days: [fri], at: '10:30', from: '2027-03-01', "
        "except: ['2027-12-25', '2027-12-24 to 2027-12-26']}, texts: [a]}]\n",
        "/posts/0/every/except/1",
        "$.posts[0].every.except[1]",
    ),
    "queue-weekday-misspelt": (
        VALID_HEAD + "queue: {days: [mon, funday], at: ['09:00']}\nposts: [{id: a, text: hi}]\n",
        "/queue/days/1",
        "$.queue.days[1]",
    ),
    "queue-per-slot-zero": (
        VALID_HEAD + "queue: {days: [mon], at: ['09:00'], per_slot: 0}\nposts: [{id: a, text: hi}]\n",
        "/queue/per_slot",
        "$.queue.per_slot",
    ),
    "country-not-a-code": (
        VALID_HEAD + "country: Canada\nposts: [{id: a, at: '2027-03-02 09:00', text: hi}]\n",
        "/country",
        "$.country",
    ),
    "language-not-a-code": (
        VALID_HEAD + "language: French\nposts: [{id: a, at: '2027-03-02 09:00', text: hi}]\n",
        "/language",
        "$.language",
    ),
}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the schema must be checked by ajv)", pytrace=False)
    pytest.skip(reason)


def _as_json(path: Path) -> Any:
    """A campaign as an editor's YAML 1.2 parser hands it to the validator (dates stay text)."""
    return load_yaml(path).data


def _ajv(documents: list[Any], schema: Path = SCHEMA) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None or not (AJV_DIR / "node_modules" / "ajv").is_dir():
        _unavailable("ajv is not installed; run: bash scripts/ajv/install.sh")
    assert node is not None
    result = subprocess.run(
        [node, str(AJV_DIR / "validate.js"), str(schema)],
        input=json.dumps(documents),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "SOCIALPOST_AJV_DIR": str(AJV_DIR)},
    )
    assert result.returncode == 0, f"ajv refused the schema: {result.stdout}{result.stderr}"
    found: list[dict[str, Any]] = json.loads(result.stdout)
    return found


def _check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_every_pattern_is_an_ecma_regular_expression() -> None:
    """Python-only syntax ((?P<name>…), possessive quantifiers, \\Z…) breaks every JS validator."""
    patterns: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                patterns.append(node["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json_schema())
    assert patterns, "the schema has no pattern at all: this test checks nothing"
    for pattern in patterns:
        assert "(?P" not in pattern and "\\Z" not in pattern and "\\A" not in pattern, pattern


def test_check_jsonschema_accepts_the_schema_and_every_example() -> None:
    meta = _check_jsonschema("--check-metaschema", str(SCHEMA))
    assert meta.returncode == 0, meta.stdout + meta.stderr
    examples = _check_jsonschema("--schemafile", str(SCHEMA), *map(str, EXAMPLES))
    assert examples.returncode == 0, examples.stdout + examples.stderr
    assert len(EXAMPLES) >= 4


def test_ajv_compiles_the_schema_and_accepts_every_example() -> None:
    results = _ajv([_as_json(path) for path in EXAMPLES])
    for path, result in zip(EXAMPLES, results, strict=True):
        assert result["valid"], f"{path.name}: {result['errors']}"


def test_ajv_refused_the_old_python_only_pattern(tmp_path: Path) -> None:
    """The check above would catch the bug this schema had: ajv refuses a named group."""
    schema = json_schema()
    schema["properties"]["accounts"]["items"]["pattern"] = "^(?P<network>[a-z]+):(?P<name>.+)$"
    path = tmp_path / "old.schema.json"
    path.write_text(json.dumps(schema), encoding="utf-8")
    node = shutil.which("node")
    if node is None or not (AJV_DIR / "node_modules" / "ajv").is_dir():
        _unavailable("ajv is not installed; run: bash scripts/ajv/install.sh")
    assert node is not None
    result = subprocess.run(
        [node, str(AJV_DIR / "validate.js"), str(path)], input="[]", capture_output=True, text=True, check=False
    )
    assert result.returncode == 2 and "Invalid regular expression" in json.loads(result.stdout)["schema_error"]
    old = _check_jsonschema("--check-metaschema", str(path))
    assert old.returncode != 0 and "is not a 'regex'" in old.stdout


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_campaign_is_rejected_for_its_own_reason(name: str, tmp_path: Path) -> None:
    text, ajv_path, cj_path = BROKEN[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    (result,) = _ajv([_as_json(path)])
    assert not result["valid"]
    assert ajv_path in {e["path"] for e in result["errors"]}, result["errors"]
    checked = _check_jsonschema("--schemafile", str(SCHEMA), "--verbose", str(path))
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert f"{cj_path}:" in checked.stdout, checked.stdout
