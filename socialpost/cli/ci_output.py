"""`validate --format github|junit|sarif`: the judgement of campaign files as CI systems read it.

* ``github``: GitHub Actions workflow commands, one line per problem
  (``::error file=…,line=…,col=…,title=…::message``; advice as ``::warning``), which the runner
  turns into annotations on the pull request's changed lines. Data is escaped as GitHub's toolkit
  does (``%`` ``\\r`` ``\\n``; in properties also ``:`` and ``,``), so a message can neither end
  the command early nor start another one.
* ``junit``: JUnit XML, one test case per file (failed when it has errors, the advice in its
  ``system-out``), which GitLab shows in the merge request (``artifacts:reports:junit``).
* ``sarif``: SARIF 2.1.0, one result per problem, for GitHub code scanning and other viewers.

Each function returns the document as text; the command prints it. The exit status stays the
command's (0 valid, 2 not).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from socialpost import __version__
from socialpost.errors import Problem
from socialpost.i18n import _
from socialpost.terminal import json_safe, printable

ERROR_RULE = "campaign-error"  # SARIF needs a rule id for every result; errors carry none
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def github(errors: Sequence[Problem], warnings: Sequence[Problem]) -> str:
    """Workflow commands: ``::error`` for each error, ``::warning`` for each piece of advice."""
    lines = [_command("error", problem) for problem in errors]
    lines += [_command("warning", problem) for problem in warnings]
    return "".join(line + "\n" for line in lines)


def _command(kind: str, problem: Problem) -> str:
    properties = {"file": _shown_path(problem.file)}
    if problem.line:
        properties["line"] = str(problem.line)
        if problem.column:
            properties["col"] = str(problem.column)
    properties["title"] = f"socialpost [{problem.rule}]" if problem.rule else "socialpost"
    written = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    # what the escapes leave of control characters (a user's text may hold some) shown, not acted on
    return printable(f"::{kind} {written}::{escape_data(problem.message)}")


def escape_data(text: str) -> str:
    """A workflow command's message, as GitHub's toolkit escapes it (``%`` first)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: the message's escapes, and ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def junit(files: Sequence[str], errors: Sequence[Problem], warnings: Sequence[Problem]) -> str:
    """JUnit XML: a test suite "socialpost validate" with one test case per file."""
    names = list(dict.fromkeys([*files, *(p.file for p in errors), *(p.file for p in warnings)]))
    suite = ET.Element(
        "testsuite",
        name="socialpost validate",
        tests=str(len(names)),
        failures=str(len({p.file for p in errors})),
        errors="0",
        skipped="0",
    )
    for name in names:
        case = ET.SubElement(
            suite, "testcase", name=_shown_path(name), classname="socialpost.validate", file=_shown_path(name)
        )
        mine = [p for p in errors if p.file == name]
        if mine:
            failure = ET.SubElement(
                case,
                "failure",
                message=_clean(
                    _("{count} error(s); the first: {problem}").format(count=len(mine), problem=_shown(mine[0]))
                ),
                type="error",
            )
            failure.text = _clean("\n".join(_shown(p) for p in mine))
        advice = [p for p in warnings if p.file == name]
        if advice:
            out = ET.SubElement(case, "system-out")
            out.text = _clean(
                "\n".join(_("warning [{rule}]: {problem}").format(rule=p.rule, problem=_shown(p)) for p in advice)
            )
    root = ET.Element(
        "testsuites", name="socialpost", tests=suite.get("tests", "0"), failures=suite.get("failures", "0")
    )
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def sarif(errors: Sequence[Problem], warnings: Sequence[Problem]) -> str:
    """A SARIF 2.1.0 log: one run of the tool "socialpost", one result per problem."""
    results: list[dict[str, Any]] = []
    rules: dict[str, dict[str, Any]] = {}
    for level, problems in (("error", errors), ("warning", warnings)):
        for problem in problems:
            rule = problem.rule or ERROR_RULE
            rules.setdefault(
                rule,
                {
                    "id": rule,
                    "shortDescription": {"text": _rule_description(rule)},
                    "defaultConfiguration": {"level": level},
                },
            )
            location: dict[str, Any] = {"artifactLocation": {"uri": _uri(problem.file)}}
            if problem.line:
                location["region"] = {
                    "startLine": problem.line,
                    **({"startColumn": problem.column} if problem.column else {}),
                }
            results.append(
                {
                    "ruleId": rule,
                    "level": level,
                    "message": {"text": problem.message},
                    "locations": [{"physicalLocation": location}],
                }
            )
    ordered = sorted(rules)
    for result in results:
        result["ruleIndex"] = ordered.index(result["ruleId"])
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "socialpost",
                        "version": __version__,
                        "rules": [rules[rule] for rule in ordered],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json_safe(json.dumps(log, ensure_ascii=False, indent=2)) + "\n"


def _rule_description(rule: str) -> str:
    if rule == ERROR_RULE:
        return _("The campaign file cannot be scheduled as it is.")
    if rule == "not-connected":
        return _("An account the campaign names is not connected yet.")
    return _("Writing advice '{rule}' (silence it with quiet: [{rule}]).").format(rule=rule)


def _shown(problem: Problem) -> str:
    return f"{problem.line}:{problem.column}: {problem.message}" if problem.line else problem.message


def _shown_path(file: str) -> str:
    """A file as CI systems match it against the repository: relative to the current folder (the
    checkout's root in a CI job) where it is inside it, with forward slashes."""
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return path.as_posix()
    return path.as_posix().removeprefix("./")


def _uri(file: str) -> str:
    """A SARIF artifact URI: the relative path, percent-encoded (a space is %20)."""
    return urllib.parse.quote(_shown_path(file))


def _clean(text: str) -> str:
    """Text XML 1.0 can carry: control characters other than tab and line breaks become U+FFFD."""
    return "".join(ch if ch in "\t\n\r" or ord(ch) >= 0x20 else "\ufffd" for ch in text)
