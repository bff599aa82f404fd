"""The guarded fetcher (socialpost.fetch): what a URL in a campaign can make socialpost fetch.

The real httpx and httpcore run; only names and routes are faked (tests/support/fetching.py): a
public-looking address the test's resolver gives is dialled to a local server, so no test uses real
DNS or the internet.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from socialpost import fetch as fetching
from socialpost.errors import FetchError
from socialpost.fetch import FetchPolicy, fetch, not_public
from tests.support.fetching import Dialler, Names
from tests.support.http import LocalServer, Reply

PUBLIC = "93.184.216.34"  # a public address: the Dialler sends it to a local server


@pytest.fixture
def site() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


def port_of(server: LocalServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def page(body: str = "<html><head><title>Hello</title></head></html>") -> Reply:
    return Reply(200, body.encode(), headers={"Content-Type": "text/html; charset=utf-8"})


def refused(url: str, **kwargs: Any) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch(url, max_bytes=100_000, **kwargs)
    return caught.value


# --- which addresses are public ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "category"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::127.0.0.1", "loopback"),  # IPv4-compatible
        ("2002:7f00:1::", "loopback"),  # 6to4 around 127.0.0.1
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 around 127.0.0.1
        ("10.1.2.3", "private network"),
        ("172.16.0.1", "private network"),
        ("192.168.1.1", "private network"),
        ("::ffff:192.168.1.1", "private network"),
        ("fd12:3456::1", "private network"),
        ("fec0::1", "private network"),  # site-local (Python calls it global)
        ("100.64.0.1", "carrier-grade NAT"),
        ("169.254.169.254", "link-local, where cloud metadata services answer"),
        ("::ffff:169.254.169.254", "link-local, where cloud metadata services answer"),
        ("fe80::1", "link-local, where cloud metadata services answer"),
        ("224.0.0.1", "multicast"),  # Python calls it global
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("ff0e::1", "multicast"),  # global scope multicast is still multicast
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("192.0.2.1", "reserved"),  # documentation
        ("198.18.0.1", "reserved"),  # benchmarking
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("2001:db8::1", "reserved"),
        ("64:ff9b:1::1", "reserved"),  # local-use NAT64
        ("8.8.8.8", None),
        (PUBLIC, None),
        ("2606:4700::1111", None),
        ("::ffff:8.8.8.8", None),  # mapped: it reaches 8.8.8.8
        ("64:ff9b::808:808", None),  # NAT64 (DNS64 networks): it reaches 8.8.8.8
        ("2002:808:808::", None),  # 6to4 around 8.8.8.8
    ],
)
def test_which_addresses_are_public(address: str, category: str | None) -> None:
    assert not_public(ipaddress.ip_address(address)) == category


# --- refused before any connection -------------------------------------------------------------


def test_a_page_on_loopback_is_refused_without_connecting(site: LocalServer) -> None:
    site.respond(page())
    error = refused(f"{site.url}/admin")
    assert error.refused
    assert error.message == "127.0.0.1 is not a public address (127.0.0.1: loopback); socialpost does not fetch it."
    assert site.requests == []


def test_an_ipv4_mapped_ipv6_address_is_refused(site: LocalServer) -> None:
    error = refused(f"http://[::ffff:127.0.0.1]:{port_of(site)}/admin")
    assert "::ffff:7f00:1: loopback" in error.message and error.refused
    assert site.requests == []


def test_the_metadata_address_is_refused_even_with_the_opt_in() -> None:
    for policy in (FetchPolicy(), FetchPolicy(allow_private=True)):
        error = refused("http://169.254.169.254/latest/meta-data/iam/security-credentials/", policy=policy)
        assert "169.254.169.254: link-local, where cloud metadata services answer" in error.message


def test_a_name_that_resolves_to_a_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the system resolver (socket.getaddrinfo patched for this one name: no real DNS)."""
    names = Names({"intranet.example": [["10.20.30.40"]]})
    monkeypatch.setattr(socket, "getaddrinfo", names.getaddrinfo(socket.getaddrinfo))
    dialler = Dialler({})
    error = refused("https://intranet.example/wiki", backend=dialler)
    assert error.message == (
        "intranet.example is not a public address (10.20.30.40: private network); socialpost does not fetch it."
    )
    assert names.asked == ["intranet.example"] and dialler.dialled == []


@pytest.mark.parametrize(
    "url", ["http://2130706433/", "http://0x7f.0.0.1/", "http://127.1/", "http://localhost/", "http://[::]/"]
)
def test_other_spellings_of_this_machine_are_refused(url: str) -> None:
    """Numeric forms and localhost, as the system resolver reads them (locally, no DNS query)."""
    error = refused(url)
    assert error.refused and ("loopback" in error.message or "unspecified" in error.message)


def test_every_address_of_a_name_must_be_public() -> None:
    names = Names({"mixed.example": [[PUBLIC, "127.0.0.1"]]})
    dialler = Dialler({(PUBLIC, 80): 9})
    error = refused("http://mixed.example/", resolver=names, backend=dialler)
    assert "127.0.0.1: loopback" in error.message
    assert dialler.dialled == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://files.example/a.png", "only http:// and https:// addresses are fetched, not ftp://."),
        ("file:///etc/passwd", "only http:// and https:// addresses are fetched, not file://."),
        ("http://user:secret@news.example/", "the address holds a user name or password"),
        ("http://news.example:22/", "port 22 is not allowed; socialpost fetches only from ports 80, 443."),
        ("https://news.example:5432/", "port 5432 is not allowed"),
        ("http:///nohost", "the address has no host"),
    ],
)
def test_schemes_credentials_and_ports_are_refused(url: str, reason: str) -> None:
    names = Names({"news.example": [[PUBLIC]]})
    dialler = Dialler({})
    error = refused(url, resolver=names, backend=dialler)
    assert reason in error.message and error.refused
    assert dialler.dialled == []


def test_a_name_that_does_not_resolve_says_so() -> None:
    error = refused("http://nowhere.example/", resolver=Names({}))
    assert error.message == "the host nowhere.example cannot be found." and not error.refused


# --- connecting to the checked address ---------------------------------------------------------


def test_the_connection_goes_to_the_address_that_was_checked(site: LocalServer) -> None:
    """DNS rebinding: the second answer (loopback) would be refused, but it is never asked for; the
    one connection goes to the checked address, and the Host header keeps the name."""
    site.respond(page())
    names = Names({"news.example": [[PUBLIC], ["127.0.0.1"]]})
    dialler = Dialler({(PUBLIC, 80): port_of(site)})
    fetched = fetch("http://news.example/story", max_bytes=10_000, resolver=names, backend=dialler)
    assert fetched.body.startswith(b"<html>") and fetched.url == "http://news.example/story"
    assert names.asked == ["news.example"]
    assert dialler.dialled == [(PUBLIC, 80)]
    assert [(r.path, r.headers["Host"]) for r in site.requests] == [("/story", "news.example")]
    assert site.requests[0].headers["User-Agent"].startswith("socialpost")


def test_another_port_is_fetched_once_the_config_allows_it(site: LocalServer) -> None:
    site.respond(page())
    names = Names({"news.example": [[PUBLIC]]})
    dialler = Dialler({(PUBLIC, 8080): port_of(site)})
    policy = FetchPolicy(ports=frozenset({80, 443, 8080}))
    fetched = fetch("http://news.example:8080/", max_bytes=10_000, resolver=names, backend=dialler, policy=policy)
    assert "text/html" in fetched.content_type
    assert dialler.dialled == [(PUBLIC, 8080)]


def test_the_opt_in_admits_a_test_server_on_loopback_on_any_port(site: LocalServer) -> None:
    site.respond(page())
    fetched = fetch(f"{site.url}/p", max_bytes=10_000, policy=FetchPolicy(allow_private=True))
    assert b"Hello" in fetched.body
    assert [r.path for r in site.requests] == ["/p"]


# --- redirects ---------------------------------------------------------------------------------


def test_a_redirect_chain_into_loopback_is_refused_at_the_hop(site: LocalServer) -> None:
    with LocalServer() as inside:
        inside.respond(page("<html><head><title>secret admin</title></head></html>"))
        redirects = {
            "/a": Reply(301, b"", headers={"Location": "http://news.example/b"}),
            "/b": Reply(302, b"", headers={"Location": f"{inside.url}/admin"}),
        }
        site.respond(lambda request: redirects[request.path])
        names = Names({"news.example": [[PUBLIC]]})
        dialler = Dialler({(PUBLIC, 80): port_of(site)})
        error = refused("http://news.example/a", resolver=names, backend=dialler)
        assert "127.0.0.1 is not a public address (127.0.0.1: loopback)" in error.message
        assert [r.path for r in site.requests] == ["/a", "/b"]
        assert inside.requests == []
        assert set(dialler.dialled) == {(PUBLIC, 80)}  # every hop to the name went to its checked address


def test_a_relative_redirect_is_resolved_against_the_hop_and_reported(site: LocalServer) -> None:
    answers = {
        "/old/post": Reply(308, b"", headers={"Location": "../blog/new?x=1"}),
        "/blog/new?x=1": page(),
    }
    site.respond(lambda request: answers[request.path])
    names = Names({"news.example": [[PUBLIC]]})
    fetched = fetch(
        "http://news.example/old/post", max_bytes=10_000, resolver=names, backend=Dialler({(PUBLIC, 80): port_of(site)})
    )
    assert fetched.url == "http://news.example/blog/new?x=1"


def test_redirects_stop_after_five(site: LocalServer) -> None:
    site.respond(lambda request: Reply(302, b"", headers={"Location": f"/hop{len(site.requests)}"}))
    names = Names({"news.example": [[PUBLIC]]})
    error = refused("http://news.example/", resolver=names, backend=Dialler({(PUBLIC, 80): port_of(site)}))
    assert error.message == "more than 5 redirects; socialpost stops there."
    assert len(site.requests) == 6


def test_a_redirect_to_another_scheme_or_a_private_name_is_refused(site: LocalServer) -> None:
    names = Names({"news.example": [[PUBLIC]], "db.internal": [["192.168.0.10"]]})
    dialler = Dialler({(PUBLIC, 80): port_of(site)})
    site.respond(Reply(302, b"", headers={"Location": "file:///etc/passwd"}))
    assert "not file://" in refused("http://news.example/", resolver=names, backend=dialler).message
    site.respond(Reply(307, b"", headers={"Location": "http://db.internal:5432/"}))
    assert "192.168.0.10: private network" in refused("http://news.example/", resolver=names, backend=dialler).message


def test_an_error_status_is_a_reason_not_a_refusal(site: LocalServer) -> None:
    site.respond(Reply(404, "gone"))
    error = refused(f"{site.url}/x", policy=FetchPolicy(allow_private=True))
    assert error.message == "the site answered 404 instead of the page." and not error.refused


# --- size and time -----------------------------------------------------------------------------


def test_an_answer_over_the_cap_is_refused_or_cut(site: LocalServer) -> None:
    site.respond(Reply(200, b"x" * 5000, headers={"Content-Type": "image/png"}))
    policy = FetchPolicy(allow_private=True)
    with pytest.raises(FetchError) as caught:
        fetch(f"{site.url}/big", max_bytes=1000, policy=policy)
    error = caught.value
    assert error.message == "the answer is larger than 1,000 bytes; socialpost stops there." and error.refused
    cut = fetch(f"{site.url}/big", max_bytes=1000, policy=policy, truncate=True)
    assert (len(cut.body), cut.truncated) == (1000, True)
    whole = fetch(f"{site.url}/big", max_bytes=5000, policy=policy)
    assert (len(whole.body), whole.truncated) == (5000, False)


class _Streaming(ThreadingHTTPServer):
    daemon_threads = True
    pause = 0.0  # seconds between chunks (a slow drip)
    length: str | None = None  # a Content-Length to claim, or None (chunked, endless)


def iter_pieces(first: bytes, then: bytes) -> Iterator[bytes]:
    yield first
    while True:
        yield then


class _Endless(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Streaming

    def log_message(self, *_args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        if self.server.length is not None:
            self.send_header("Content-Length", self.server.length)
        else:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"<p>" + b"a" * 4093
        chunked = self.server.length is None
        try:
            for piece in iter_pieces(b"<html><head><title>Endless</title></head><body>", chunk):
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
                self.wfile.flush()
                if self.server.pause:
                    time.sleep(self.server.pause)
        except OSError:
            return  # the client stopped reading


@pytest.fixture
def endless() -> Iterator[_Streaming]:
    server = _Streaming(("127.0.0.1", 0), _Endless)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_an_endless_page_is_read_only_up_to_the_cap(endless: _Streaming) -> None:
    url = f"http://127.0.0.1:{endless.server_address[1]}/"
    started = time.monotonic()
    fetched = fetch(url, max_bytes=64_000, policy=FetchPolicy(allow_private=True), truncate=True)
    assert len(fetched.body) == 64_000 and fetched.truncated
    assert fetched.body.startswith(b"<html><head><title>Endless</title>")
    assert time.monotonic() - started < 5
    with pytest.raises(FetchError, match="larger than 64,000 bytes"):
        fetch(url, max_bytes=64_000, policy=FetchPolicy(allow_private=True))


def test_a_declared_length_over_the_cap_is_refused_before_reading(endless: _Streaming) -> None:
    endless.length = "999999999"
    url = f"http://127.0.0.1:{endless.server_address[1]}/"
    with pytest.raises(FetchError, match="larger than 1,000 bytes"):
        fetch(url, max_bytes=1000, policy=FetchPolicy(allow_private=True))


def test_a_slow_drip_is_cut_at_the_deadline(endless: _Streaming) -> None:
    endless.pause = 0.05  # each chunk well within any read timeout: only a deadline stops it
    url = f"http://127.0.0.1:{endless.server_address[1]}/"
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch(url, max_bytes=50_000_000, policy=FetchPolicy(allow_private=True, timeout=1.0))
    assert caught.value.message == "no complete answer within 1 s." and caught.value.refused
    assert time.monotonic() - started < 3


def test_a_resolver_that_hangs_is_cut_at_the_deadline() -> None:
    def hanging(host: str, port: int) -> list[str]:
        time.sleep(3)
        return [PUBLIC]

    started = time.monotonic()
    error = refused("http://slow.example/", resolver=hanging, policy=FetchPolicy(timeout=0.5))
    assert error.message == "no complete answer within 0.5 s."
    assert time.monotonic() - started < 2


def test_the_reason_is_in_french_when_socialpost_speaks_french(site: LocalServer) -> None:
    from socialpost import i18n

    i18n.activate("fr")
    try:
        error = refused(f"{site.url}/admin")
    finally:
        i18n.activate("en")
    assert "n'est pas une adresse publique" in error.message and "bouclage local" in error.message


# --- TLS: the checked address, the host name's certificate -------------------------------------


def _certificates(tmp_path: Path, name: str) -> tuple[Path, Path, Path]:
    """A test CA (its certificate in a file) and a server certificate for ``name`` signed by it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "socialpost test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = tmp_path / "ca.pem", tmp_path / "server.pem", tmp_path / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_file, cert_file, key_file


class _Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = b"<html><head><title>TLS</title></head></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def tls_site(tmp_path: Path) -> Iterator[tuple[int, list[str | None], Path]]:
    """An HTTPS server on 127.0.0.1 with a certificate for news.example only; records each SNI."""
    ca_file, cert_file, key_file = _certificates(tmp_path, "news.example")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    seen: list[str | None] = []
    context.sni_callback = lambda _sock, name, _ctx: seen.append(name)  # type: ignore[assignment,misc,func-returns-value]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield int(server.server_address[1]), seen, ca_file
    server.shutdown()
    server.server_close()


def test_tls_sends_the_host_name_and_checks_its_certificate_on_the_checked_address(
    tls_site: tuple[int, list[str | None], Path],
) -> None:
    port, seen, ca_file = tls_site
    trusting = ssl.create_default_context(cafile=str(ca_file))  # the test CA, and only it
    names = Names({"news.example": [[PUBLIC]], "other.example": [[PUBLIC]]})
    dialler = Dialler({(PUBLIC, 443): port})
    fetched = fetch("https://news.example/", max_bytes=10_000, resolver=names, backend=dialler, verify=trusting)
    assert b"<title>TLS</title>" in fetched.body
    assert seen == ["news.example"] and dialler.dialled == [(PUBLIC, 443)]
    # the same address under a name its certificate does not carry: the certificate check refuses it
    error = refused("https://other.example/", resolver=names, backend=dialler, verify=trusting)
    assert error.message == "the site could not be reached (ConnectError)."
    assert seen[-1] == "other.example"


def test_the_default_backend_and_resolver_are_the_systems() -> None:
    assert type(fetching.new_backend()).__name__ == "SyncBackend"
    assert set(fetching.system_resolver("127.0.0.1", 80)) == {"127.0.0.1"}


def test_a_request_the_pinned_backend_was_not_given_is_never_dialled() -> None:
    pinned = fetching._PinnedBackend(Dialler({("127.0.0.1", 80): 9}))
    import httpcore

    with pytest.raises(httpcore.ConnectError, match="was not checked"):
        pinned.connect_tcp("news.example", 80)
    with pytest.raises(httpcore.ConnectError):
        pinned.connect_unix_socket("/run/postgresql/.s.PGSQL.5432")
