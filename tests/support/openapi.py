"""Check requests and answers against an OpenAPI 3 document (X's spec, for the Prism tier).

Prism validates what the spec declares (a wrong type, a value outside an enum) but lets through
a query parameter the operation does not declare, and X drops unknown fields silently with 200:
asking ``tweet.fields`` where the spec says ``post.fields`` would pass every test and read nothing
in the field. :meth:`OpenAPI.query_violations` closes that gap.

    spec = OpenAPI.load(path)
    spec.query_violations("GET", url)          # [] when every query parameter is declared and valid
    spec.response_violations("GET", url, body, strict=True)   # a scripted answer against the schema

``strict`` also refuses properties an object schema does not declare (X's schemas allow extra
ones), so a fixture written "in the spec's names" cannot slip back to the legacy names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Operation:
    method: str
    template: str  # "/2/users/{id}/tweets"
    spec: dict[str, Any]
    parameters: dict[tuple[str, str], dict[str, Any]]  # (in, name) → parameter, $refs resolved


class OpenAPI:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    @classmethod
    def load(cls, path: Path) -> OpenAPI:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def resolve(self, node: Mapping[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return dict(node)

    @cached_property
    def _paths(self) -> list[tuple[int, re.Pattern[str], str]]:
        """(number of templated segments, pattern, template), literal paths first."""
        found = []
        for template in self.document.get("paths", {}):
            pattern = re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in _pieces(template)))
            found.append((template.count("{"), pattern, template))
        return sorted(found, key=lambda item: item[0])

    def operation(self, method: str, url: str) -> Operation | None:
        path = urlsplit(url).path
        for _count, pattern, template in self._paths:
            if not pattern.fullmatch(path):
                continue
            item = self.document["paths"][template]
            spec = item.get(method.lower())
            if spec is None:
                continue
            parameters = {}
            for raw in [*item.get("parameters", []), *spec.get("parameters", [])]:
                parameter = self.resolve(raw)
                parameters[(parameter["in"], parameter["name"])] = parameter
            return Operation(method.upper(), template, spec, parameters)
        return None

    def query_violations(self, method: str, url: str) -> list[str]:
        """Every query parameter of ``url`` the operation does not declare, every required one
        missing, and every value outside its schema's enum (each item of a comma-separated list)."""
        operation = self.operation(method, url)
        where = f"{method.upper()} {urlsplit(url).path}"
        if operation is None:
            return [f"{where}: no operation of the spec serves this path"]
        where = f"{operation.method} {operation.template} ({operation.spec.get('operationId', '?')})"
        problems = []
        given = parse_qsl(urlsplit(url).query, keep_blank_values=True)
        names = {name for name, _value in given}
        for name, value in given:
            parameter = operation.parameters.get(("query", name))
            if parameter is None:
                problems.append(f"{where}: query parameter {name!r} is not declared (X would drop it silently)")
                continue
            schema = self.resolve(parameter.get("schema", {}))
            if schema.get("type") == "array" and not parameter.get("explode", True):
                items = self.resolve(schema.get("items", {}))
                values = value.split(",")
            else:
                items, values = schema, [value]
            allowed = items.get("enum")
            problems += [
                f"{where}: {name}={v!r} is not one of its values" for v in values if allowed and v not in allowed
            ]
        for (place, name), parameter in operation.parameters.items():
            if place == "query" and parameter.get("required") and name not in names:
                problems.append(f"{where}: required query parameter {name!r} is missing")
        return problems

    def response_violations(
        self, method: str, url: str, body: Any, *, status: str = "200", strict: bool = False
    ) -> list[str]:
        """``body`` against the operation's JSON answer schema for ``status``."""
        operation = self.operation(method, url)
        if operation is None:
            return [f"{method.upper()} {urlsplit(url).path}: no operation of the spec serves this path"]
        response = self.resolve(operation.spec["responses"][status])
        schema = response["content"]["application/json"]["schema"]
        return self._check(body, schema, "body", strict)

    def _check(self, value: Any, node: Mapping[str, Any], where: str, strict: bool) -> list[str]:
        schema = self.resolve(node)
        if "allOf" in schema:
            return [p for part in schema["allOf"] for p in self._check(value, part, where, strict)]
        for key in ("oneOf", "anyOf"):
            if key in schema:
                tries = [self._check(value, part, where, strict) for part in schema[key]]
                return [] if any(not t for t in tries) else min(tries, key=len)
        if value is None and schema.get("nullable"):
            return []
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            if not isinstance(value, dict):
                return [f"{where} is {type(value).__name__}, the spec says object"]
            problems = [f"{where}.{key} is required" for key in schema.get("required", []) if key not in value]
            properties = schema.get("properties", {})
            extra = schema.get("additionalProperties")
            for key, item in value.items():
                if key in properties:
                    problems += self._check(item, properties[key], f"{where}.{key}", strict)
                elif isinstance(extra, dict):
                    problems += self._check(item, extra, f"{where}.{key}", strict)
                elif strict and extra is not True and properties:
                    problems.append(f"{where}.{key} is not a property the spec declares")
            return problems
        if kind == "array":
            if not isinstance(value, list):
                return [f"{where} is {type(value).__name__}, the spec says array"]
            return [
                p for i, item in enumerate(value) for p in self._check(item, schema["items"], f"{where}[{i}]", strict)
            ]
        expected = {"string": str, "integer": int, "number": int | float, "boolean": bool}.get(str(kind))
        if expected is not None and (
            not isinstance(value, expected) or (kind in ("integer", "number") and isinstance(value, bool))
        ):
            return [f"{where} is {type(value).__name__}, the spec says {kind}"]
        if "enum" in schema and value not in schema["enum"]:
            return [f"{where}={value!r} is not one of {schema['enum']}"]
        return []


def _pieces(template: str) -> list[str]:
    return [p for p in re.split(r"(\{[^}]+\})", template) if p]
