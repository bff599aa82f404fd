"""A real S3-compatible server on loopback: moto's server mode, behind a gate that checks
requests the way S3 does (moto itself accepts any signature, and presigned URLs forever).

What the gate enforces, as S3 documents it ("Authenticating Requests (AWS Signature Version 4)",
"Signature Calculations for the Authorization Header", "Authenticating Requests: Using Query
Parameters", the S3 error responses):

* every request is signed with SigV4 (``AWS4-HMAC-SHA256``), in the ``Authorization`` header or in
  the query string (a presigned URL); an unsigned request to the private bucket gets 403
  ``AccessDenied`` / ``Access Denied``, a SigV2 one 400 ``InvalidRequest``;
* the access key must be known (403 ``InvalidAccessKeyId``) and the signature, recomputed from
  the canonical request with its secret, must match (403 ``SignatureDoesNotMatch``);
* a signed payload hash (``x-amz-content-sha256``) must be the body's (400
  ``XAmzContentSHA256Mismatch``);
* a header-signed request more than 15 minutes from the server's clock is refused (403
  ``RequestTimeTooSkewed``);
* a presigned URL lives ``X-Amz-Expires`` seconds from ``X-Amz-Date``, at most 604800 (400
  ``AuthorizationQueryParametersError``), and is refused afterwards with 403 ``AccessDenied`` /
  ``Request has expired``.

The server's clock is the real one plus ``offset`` (a test moves it forward instead of waiting), or,
once a test sets ``frozen_at``, that instant exactly (a test at the edge of an expiry must not
depend on how long a loaded machine takes between signing and fetching).
Error bodies are S3's XML (``<Error><Code>…</Code><Message>…</Message>…</Error>``).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

ACCESS_KEY = "AKIASOCIALPOSTTEST01"
SECRET_KEY = "s3-test-secret-" + "k" * 25
REGION = "us-east-1"
LONGEST = 604_800
SKEW = timedelta(minutes=15)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _error(start: StartResponse, status: str, code: str, message: str) -> list[bytes]:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>"
        f"<RequestId>{secrets.token_hex(8).upper()}</RequestId></Error>"
    ).encode()
    start(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
    return [body]


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


class SigV4Gate:
    """WSGI middleware in front of moto: checks every request as S3 does (see the module)."""

    def __init__(self, app: WsgiApp, keys: dict[str, str], now: Callable[[], datetime]) -> None:
        self.app = app
        self.keys = keys
        self.now = now
        self.requests: list[tuple[str, str, str]] = []  # (method, path, how it was signed)

    def __call__(self, environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        query = self._query(environ)
        auth = environ.get("HTTP_AUTHORIZATION", "")
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if "X-Amz-Algorithm" in query:
            self.requests.append((method, path, "presigned"))
            refusal = self._presigned(environ, query, start)
        elif auth.startswith("AWS4-HMAC-SHA256 "):
            self.requests.append((method, path, "header"))
            refusal = self._header(environ, query, auth, start)
        elif auth:
            self.requests.append((method, path, "other"))
            refusal = _error(
                start,
                "400 Bad Request",
                "InvalidRequest",
                "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
            )
        else:
            self.requests.append((method, path, "none"))
            refusal = _error(start, "403 Forbidden", "AccessDenied", "Access Denied")
        if refusal is not None:
            return refusal
        return self.app(environ, start)

    @staticmethod
    def _query(environ: dict[str, Any]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for pair in filter(None, environ.get("QUERY_STRING", "").split("&")):
            key, _sep, value = pair.partition("=")
            found.setdefault(unquote(key.replace("+", " ")), []).append(unquote(value.replace("+", " ")))
        return found

    def _presigned(
        self, environ: dict[str, Any], query: dict[str, list[str]], start: StartResponse
    ) -> list[bytes] | None:
        one = {key: values[0] for key, values in query.items()}
        needed = ("X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature")
        if one.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" or any(k not in one for k in needed):
            return _error(
                start,
                "400 Bad Request",
                "AuthorizationQueryParametersError",
                "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
                "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
            )
        expires = int(one["X-Amz-Expires"])
        if not 0 < expires <= LONGEST:
            return _error(
                start,
                "400 Bad Request",
                "AuthorizationQueryParametersError",
                "X-Amz-Expires must be less than a week (in seconds) that is; 604800",
            )
        signed_at = datetime.strptime(one["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if self.now() > signed_at + timedelta(seconds=expires):
            return _error(start, "403 Forbidden", "AccessDenied", "Request has expired")
        return self._verify(
            environ,
            query,
            start,
            credential=one["X-Amz-Credential"],
            amz_date=one["X-Amz-Date"],
            signed_headers=one["X-Amz-SignedHeaders"],
            signature=one["X-Amz-Signature"],
            payload="UNSIGNED-PAYLOAD",
        )

    def _header(
        self, environ: dict[str, Any], query: dict[str, list[str]], auth: str, start: StartResponse
    ) -> list[bytes] | None:
        fields = dict(re.findall(r"(\w+)=([^,\s]+)", auth))
        amz_date = environ.get("HTTP_X_AMZ_DATE", "")
        if not {"Credential", "SignedHeaders", "Signature"} <= fields.keys() or not amz_date:
            return _error(
                start, "400 Bad Request", "AuthorizationHeaderMalformed", "The authorization header is malformed"
            )
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if abs(self.now() - signed_at) > SKEW:
            return _error(
                start,
                "403 Forbidden",
                "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.",
            )
        payload = environ.get("HTTP_X_AMZ_CONTENT_SHA256", "")
        if not payload:
            return _error(
                start,
                "400 Bad Request",
                "InvalidRequest",
                "Missing required header for this request: x-amz-content-sha256",
            )
        if re.fullmatch(r"[0-9a-f]{64}", payload):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            if hashlib.sha256(body).hexdigest() != payload:
                return _error(
                    start,
                    "400 Bad Request",
                    "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                )
        return self._verify(
            environ,
            query,
            start,
            credential=fields["Credential"],
            amz_date=amz_date,
            signed_headers=fields["SignedHeaders"],
            signature=fields["Signature"],
            payload=payload,
        )

    def _verify(
        self,
        environ: dict[str, Any],
        query: dict[str, list[str]],
        start: StartResponse,
        *,
        credential: str,
        amz_date: str,
        signed_headers: str,
        signature: str,
        payload: str,
    ) -> list[bytes] | None:
        try:
            key_id, day, region, service, terminal = credential.split("/")
        except ValueError:
            return _error(start, "400 Bad Request", "AuthorizationHeaderMalformed", "The Credential is malformed")
        secret = self.keys.get(key_id)
        if secret is None:
            return _error(
                start,
                "403 Forbidden",
                "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.",
            )
        if terminal != "aws4_request" or service != "s3" or day != amz_date[:8]:
            return _error(start, "400 Bad Request", "AuthorizationHeaderMalformed", "The Credential scope is wrong")
        canonical_query = "&".join(
            f"{_encode(k)}={_encode(v)}"
            for k, values in sorted(query.items())
            for v in sorted(values)
            if k != "X-Amz-Signature"
        )
        headers = []
        for name in signed_headers.split(";"):
            key = name.upper().replace("-", "_")
            value = environ.get(key if key in {"CONTENT_TYPE", "CONTENT_LENGTH"} else f"HTTP_{key}", "")
            headers.append(f"{name}:{' '.join(str(value).split())}\n")
        raw_path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(environ.get("PATH_INFO", ""))
        canonical = "\n".join(
            [
                environ["REQUEST_METHOD"],
                raw_path.split("?", 1)[0],
                canonical_query,
                "".join(headers),
                signed_headers,
                payload,
            ]
        )
        scope = f"{day}/{region}/{service}/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        expected = hmac.new(_signing_key(secret, day, region, service), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return _error(
                start,
                "403 Forbidden",
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. "
                "Check your key and signing method.",
            )
        return None


class S3Server(ThreadedMotoServer):
    """moto's S3 behind :class:`SigV4Gate`, on a free loopback port."""

    def __init__(self) -> None:
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)
        self.offset = timedelta(0)
        self.frozen_at: datetime | None = None
        self._gate: SigV4Gate | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        if self.frozen_at is not None:
            return self.frozen_at
        return datetime.now(UTC) + self.offset

    def _server_entry(self) -> None:
        self._gate = SigV4Gate(DomainDispatcherApplication(create_backend_app), {ACCESS_KEY: SECRET_KEY}, self.now)
        self._server = make_server(
            self._ip_address, self._port, self._gate, threaded=True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()

    @property
    def gate(self) -> SigV4Gate:
        assert self._gate is not None
        return self._gate

    @property
    def endpoint(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"

    def admin(self) -> Any:
        """A boto3 client of the bucket owner (signed requests through the gate)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def create_bucket(self, name: str) -> str:
        """Create the bucket ``name`` as its owner would."""
        self.admin().create_bucket(Bucket=name)
        return name
