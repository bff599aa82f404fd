"""Check HTTP requests against a Google API discovery document (the one google-api-python-client
ships, so the check follows the installed library, with no network access).

    from tests.support.discovery import Discovery

    youtube = Discovery.bundled("youtube", "v3")
    problems = youtube.violations("POST", uri, headers, body)   # [] when the request conforms
    youtube.method_id("GET", uri)                               # "youtube.videos.list"

What fails, each as one line naming the request and the rule:

* a path no method of the document serves (the simple and resumable media-upload paths count);
* a query parameter the method (or the document's global parameters) does not declare, a path
  parameter given in the query, a parameter given twice that is not ``repeated``, a required one
  missing, a value of the wrong type (booleans ``true``/``false``, integers within
  ``minimum``/``maximum``), a value outside the parameter's ``enum``, a ``deprecated`` one, and two
  parameters the document says are "not supported for use in conjunction with" each other;
* ``uploadType`` on a method without media upload, or a media upload without it;
* ``part`` (YouTube's list of resource parts) naming a part the resource does not have, and a
  body whose top-level properties are not all named in ``part`` (YouTube ignores them);
* a JSON body (plain or the metadata part of ``multipart/related``) with a property the schema
  does not declare, a value of the wrong type or outside its ``enum``, a ``readOnly`` or
  ``deprecated`` property, or without a property the schema's ``annotations.required`` names
  for this method; a body on a method that takes none; media of a type the method does not accept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesParser
from email.policy import HTTP
from fnmatch import fnmatch
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

_CONJUNCTION = re.compile(r"not supported for use in conjunction with the \[?`(\w+)`")
_UPLOAD_TYPES = {"media", "multipart", "resumable"}
_ENVELOPE = {"kind", "etag", "id"}  # resource properties a body may carry without naming them in part


@dataclass(frozen=True)
class Method:
    id: str  # "youtube.videos.insert"
    http_method: str
    pattern: re.Pattern[str]  # matches the request's path
    upload: bool  # matched through a media-upload path
    spec: dict[str, Any]


class Discovery:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.schemas: dict[str, Any] = document.get("schemas", {})

    @classmethod
    def bundled(cls, api: str, version: str) -> Discovery:
        """The document google-api-python-client ships for ``api`` ``version``."""
        import googleapiclient

        folder = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
        return cls(json.loads((folder / f"{api}.{version}.json").read_text(encoding="utf-8")))

    # --- finding the method ---------------------------------------------------------------------

    @cached_property
    def methods(self) -> list[Method]:
        root = urlsplit(self.document["rootUrl"]).path.rstrip("/")
        service = "/" + self.document.get("servicePath", "").strip("/")
        found: list[Method] = []

        def walk(resources: Mapping[str, Any]) -> None:
            for resource in resources.values():
                for spec in resource.get("methods", {}).values():
                    path = (root + service.rstrip("/") + "/" + spec["path"]).replace("//", "/")
                    found.append(Method(spec["id"], spec["httpMethod"], _template(path), False, spec))
                    for protocol in spec.get("mediaUpload", {}).get("protocols", {}).values():
                        upload = root + protocol["path"]
                        found.append(Method(spec["id"], spec["httpMethod"], _template(upload), True, spec))
                walk(resource.get("resources", {}))

        walk(self.document.get("resources", {}))
        return found

    def find(self, http_method: str, uri: str) -> Method | None:
        path = urlsplit(uri).path
        for method in self.methods:
            if method.http_method == http_method.upper() and method.pattern.fullmatch(path):
                return method
        return None

    def method_id(self, http_method: str, uri: str) -> str | None:
        method = self.find(http_method, uri)
        return method.id if method else None

    # --- the checks -----------------------------------------------------------------------------

    def violations(
        self, http_method: str, uri: str, headers: Mapping[str, str] | None = None, body: bytes = b""
    ) -> list[str]:
        """Every way the request breaks the document (empty when it conforms)."""
        method = self.find(http_method, uri)
        where = f"{http_method.upper()} {urlsplit(uri).path}"
        if method is None:
            return [f"{where}: no method of the discovery document serves this path"]
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        query = parse_qsl(urlsplit(uri).query, keep_blank_values=True)
        problems = self._query(method, query)
        problems += self._body(method, dict(query), headers, body)
        return [f"{where} ({method.id}): {problem}" for problem in problems]

    def _query(self, method: Method, query: list[tuple[str, str]]) -> list[str]:
        declared: dict[str, Any] = {**self.document.get("parameters", {}), **method.spec.get("parameters", {})}
        problems: list[str] = []
        given: dict[str, list[str]] = {}
        for name, value in query:
            given.setdefault(name, []).append(value)
        for name, values in given.items():
            spec = declared.get(name)
            if spec is None:
                problems.append(f"query parameter {name!r} is not declared")
                continue
            if spec.get("location") != "query":
                problems.append(f"{name!r} is a {spec.get('location')} parameter, given in the query")
            if len(values) > 1 and not spec.get("repeated"):
                problems.append(f"{name!r} is given {len(values)} times and is not repeated")
            if spec.get("deprecated"):
                problems.append(f"{name!r} is deprecated")
            problems += [p for value in values for p in _scalar(name, value, spec)]
        for name, spec in method.spec.get("parameters", {}).items():
            if spec.get("required") and spec.get("location") == "query" and name not in given:
                problems.append(f"required query parameter {name!r} is missing")
        for name, spec in declared.items():
            for other in _CONJUNCTION.findall(spec.get("description", "")):
                if name in given and other in given:
                    problems.append(f"{name!r} is not supported together with {other!r}")
        upload = given.get("uploadType")
        if upload is not None and not method.upload:
            problems.append("uploadType on a path that takes no media upload")
        if method.upload:
            if upload is None:
                problems.append("a media upload without uploadType")
            elif upload[0] not in _UPLOAD_TYPES:
                problems.append(f"uploadType {upload[0]!r} is not one of {sorted(_UPLOAD_TYPES)}")
        if "part" in given:
            problems += self._parts(method, ",".join(given["part"]))
        return problems

    def _resource(self, method: Method) -> dict[str, Any] | None:
        """The schema whose properties ``part`` names: the request's, or a list's items'."""
        request = method.spec.get("request")
        if request:
            return self._schema(request)
        response = self._schema(method.spec.get("response") or {})
        items = (response.get("properties") or {}).get("items") if response else None
        if items and items.get("type") == "array":
            return self._schema(items["items"])
        return response

    def _parts(self, method: Method, value: str) -> list[str]:
        resource = self._resource(method)
        if resource is None:
            return []
        known = set(resource.get("properties", {})) - {"kind", "etag"}  # "id" is a part of its own
        return [f"part {part!r} is not a part of the resource" for part in value.split(",") if part not in known]

    def _body(self, method: Method, query: dict[str, str], headers: dict[str, str], body: bytes) -> list[str]:
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        accept = method.spec.get("mediaUpload", {}).get("accept", [])
        media_type: str | None = None
        metadata: bytes | None = None
        if content_type == "multipart/related":
            parts = _multipart(headers["content-type"], body)
            if not parts:
                return ["a multipart/related body without parts"]
            (meta_type, metadata), *rest = parts
            if not meta_type.startswith("application/json"):
                return [f"the first part of a multipart upload is {meta_type!r}, not JSON metadata"]
            media_type = rest[0][0] if rest else None
        elif query.get("uploadType") == "media":
            media_type = content_type
        elif body:
            if content_type != "application/json":
                return [f"a body of type {content_type!r} where JSON is expected"]
            metadata = body
        if query.get("uploadType") == "resumable":
            media_type = headers.get("x-upload-content-type")
            if media_type is None:
                return ["a resumable upload that does not say its media type (X-Upload-Content-Type)"]
        problems: list[str] = []
        if media_type is not None and not any(fnmatch(media_type, pattern) for pattern in accept):
            problems.append(f"media of type {media_type!r}; the method accepts {accept}")
        request = method.spec.get("request")
        if metadata is not None:
            if not request:
                return [*problems, "a JSON body on a method that takes none"]
            try:
                value = json.loads(metadata)
            except ValueError:
                return [*problems, "the JSON body does not parse"]
            problems += self._value(value, request, "body", method.id)
            if isinstance(value, dict) and "part" in query:
                named = set(query["part"].split(","))
                problems += [
                    f"body property {key!r} is not named in part={query['part']!r} (YouTube ignores it)"
                    for key in value
                    if key not in _ENVELOPE and key not in named
                ]
        return problems

    def _schema(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"]]
        return dict(schema)

    def _value(self, value: Any, schema: Mapping[str, Any], where: str, method_id: str) -> list[str]:
        """``value`` against a discovery schema: types, enums, declared and required properties."""
        schema = self._schema(schema)
        kind = schema.get("type")
        if kind == "object":
            if not isinstance(value, dict):
                return [f"{where} is {type(value).__name__}, the document says object"]
            problems: list[str] = []
            properties = schema.get("properties", {})
            extra = schema.get("additionalProperties")
            for key, item in value.items():
                spec = properties.get(key)
                if spec is None and extra is None:
                    problems.append(f"{where}.{key} is not a property of {schema.get('id', 'this object')}")
                    continue
                spec = spec if spec is not None else extra
                if spec.get("readOnly"):
                    problems.append(f"{where}.{key} is read-only")
                if spec.get("deprecated"):
                    problems.append(f"{where}.{key} is deprecated")
                problems += self._value(item, spec, f"{where}.{key}", method_id)
            for key, spec in properties.items():
                if method_id in spec.get("annotations", {}).get("required", []) and key not in value:
                    problems.append(f"{where}.{key} is required by {method_id}")
            return problems
        if kind == "array":
            if not isinstance(value, list):
                return [f"{where} is {type(value).__name__}, the document says array"]
            items = schema["items"]
            return [p for i, item in enumerate(value) for p in self._value(item, items, f"{where}[{i}]", method_id)]
        return _typed(where, value, schema)


def _template(path: str) -> re.Pattern[str]:
    """A discovery path template (``{name}``, ``{+name}``) as a regular expression."""
    out = ""
    for piece in re.split(r"(\{\+?[^}]+\})", path):
        if piece.startswith("{+"):
            out += ".+"
        elif piece.startswith("{"):
            out += "[^/]+"
        else:
            out += re.escape(piece)
    return re.compile(out)


def _scalar(name: str, value: str, spec: Mapping[str, Any]) -> list[str]:
    """One query value against its parameter's type, bounds and enum."""
    kind = spec.get("type")
    if kind == "boolean" and value not in ("true", "false"):
        return [f"{name}={value!r} is not a boolean (true or false)"]
    if kind == "integer":
        try:
            number = int(value)
        except ValueError:
            return [f"{name}={value!r} is not an integer"]
        if "minimum" in spec and number < int(spec["minimum"]):
            return [f"{name}={number} is below its minimum {spec['minimum']}"]
        if "maximum" in spec and number > int(spec["maximum"]):
            return [f"{name}={number} is above its maximum {spec['maximum']}"]
    if "enum" in spec and value not in spec["enum"]:
        return [f"{name}={value!r} is not one of {spec['enum']}"]
    return []


def _typed(where: str, value: Any, schema: Mapping[str, Any]) -> list[str]:
    """A JSON scalar against its schema's type, format and enum."""
    kind = schema.get("type")
    form = schema.get("format", "")
    if kind == "string":
        if not isinstance(value, str):
            return [f"{where} is {type(value).__name__}, the document says string"]
        if form in ("int64", "uint64") and not value.lstrip("-").isdigit():
            return [f"{where}={value!r} is not a {form} string"]
        if form in ("date-time", "google-datetime"):
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return [f"{where}={value!r} is not an RFC 3339 date-time"]
            if parsed.tzinfo is None:
                return [f"{where}={value!r} has no time zone"]
    elif kind == "boolean" and not isinstance(value, bool):
        return [f"{where} is {type(value).__name__}, the document says boolean"]
    elif kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        return [f"{where} is {type(value).__name__}, the document says integer"]
    elif kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return [f"{where} is {type(value).__name__}, the document says number"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}={value!r} is not one of {schema['enum']}"]
    return []


def _multipart(content_type: str, body: bytes) -> list[tuple[str, bytes]]:
    """The (content type, payload) of each part of a ``multipart/related`` body."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    return [
        (part.get_content_type(), part.get_payload(decode=True) or b"")
        for part in message.iter_parts()  # type: ignore[attr-defined]
    ]
