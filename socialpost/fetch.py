"""The one way socialpost fetches a URL by itself (a link card's page and image; later feeds and
media URLs), guarded against server-side request forgery.

A campaign file may come from someone who does not run the machine (a colleague, an agency, a pull
request), and what such a URL returns can end up in a public post. So a fetch must not reach inside
the machine or its network:

* only ``http`` and ``https``, and no ``user:password@`` in the URL;
* the host is resolved once, and every address it resolves to must be a public one (``ipaddress``'s
  ``is_global``, with IPv4 inside IPv6 — mapped, compatible, 6to4, NAT64 — unwrapped first):
  loopback, private networks, link-local (cloud metadata services answer on 169.254.169.254),
  carrier-grade NAT, multicast, reserved and unspecified addresses are refused;
* the TCP connection goes to an address that was checked: the transport's network backend dials
  the checked addresses and refuses any host it was not given, so a second DNS answer (rebinding)
  is never asked for; TLS still sends the host name (SNI) and verifies the certificate for it, and
  the ``Host`` header keeps it;
* redirects are followed by hand, at most :data:`MAX_REDIRECTS`, each hop checked like the first;
* ports 80 and 443 only, unless the policy allows others (``fetch: ports:`` in the config);
* the body is streamed and never read past a size cap, and the whole fetch has a deadline.

Only an explicit per-account opt-in (:attr:`FetchPolicy.allow_private`, for a test server) admits
loopback, private and carrier-grade NAT addresses, on any port; link-local, multicast, reserved and
unspecified addresses stay refused even then. Every refusal is a :class:`FetchError` whose message
says why, in plain words.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from socialpost.errors import FetchError
from socialpost.i18n import N_, _, formats
from socialpost.networks.base import decimal_mark
from socialpost.networks.common.tls import ssl_context

DEFAULT_PORTS = frozenset({80, 443})
MAX_REDIRECTS = 5
DEFAULT_TIMEOUT = 10.0  # seconds for the whole fetch, redirects included
USER_AGENT = "socialpost (+https://github.com/socialpost)"
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]  # (host, port) → IP addresses as text

# Why an address is not public; a refusal names the category. The opt-in admits only _OPT_IN.
LOOPBACK = N_("loopback")
PRIVATE = N_("private network")
SHARED = N_("carrier-grade NAT")
LINK_LOCAL = N_("link-local, where cloud metadata services answer")
MULTICAST = N_("multicast")
UNSPECIFIED = N_("unspecified")
RESERVED = N_("reserved")
_OPT_IN = frozenset({LOOPBACK, PRIVATE, SHARED})

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052's well-known prefix: the IPv4 is the last 32 bits
_PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fec0::/10")
)


@dataclass(frozen=True)
class FetchPolicy:
    """What one fetch may reach. The defaults are the safe ones."""

    allow_private: bool = False  # the per-account opt-in for a test server; nothing else sets it
    ports: frozenset[int] = DEFAULT_PORTS  # for public addresses; the opt-in admits any port on private ones
    max_redirects: int = MAX_REDIRECTS
    timeout: float = DEFAULT_TIMEOUT  # seconds for the whole fetch


@dataclass(frozen=True)
class Fetched:
    """A 200 answer: the URL it came from after redirects (relative links resolve against it)."""

    url: str
    content_type: str
    body: bytes
    truncated: bool = False  # the body was cut at the size cap (only with ``truncate=True``)
    status: int = 200  # 304 only for a conditional GET (``headers`` with If-None-Match / If-Modified-Since)
    etag: str | None = None  # the validators a later conditional GET sends back
    last_modified: str | None = None


def not_public(address: IPAddress) -> str | None:
    """Why ``address`` is not a public internet address (one of the categories above, untranslated),
    or None when it is one. An IPv4 address carried inside an IPv6 one is judged as itself."""
    inner = _embedded_ipv4(address)
    if inner is not None:
        reason = _category(inner)
        if reason is not None:
            return reason
        if isinstance(address, ipaddress.IPv6Address) and (address.ipv4_mapped is not None or address in _NAT64):
            return None  # ::ffff:a.b.c.d and 64:ff9b::a.b.c.d reach a.b.c.d
    return _category(address)


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    number = int(address)
    if address in _NAT64 or (number >> 32 == 0 and number > 1):  # NAT64, or IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(number & 0xFFFFFFFF)
    return None


def _category(address: IPAddress) -> str | None:
    if address.is_unspecified:
        return UNSPECIFIED
    if address.is_loopback:
        return LOOPBACK
    if address.is_link_local:
        return LINK_LOCAL
    if address.is_multicast:
        return MULTICAST
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return SHARED
    if any(address in network for network in _PRIVATE_NETWORKS):
        return PRIVATE
    if address.is_reserved or address.is_private or not address.is_global:
        return RESERVED
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses from the system resolver (``socket.getaddrinfo``), each once."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def new_backend() -> httpcore.NetworkBackend:
    """The backend that dials checked addresses (tests map a public-looking address to a local server)."""
    return httpcore.SyncBackend()


def fetch(
    url: str,
    *,
    max_bytes: int,
    accept: str = "*/*",
    policy: FetchPolicy | None = None,
    truncate: bool = False,
    resolver: Resolver | None = None,
    backend: httpcore.NetworkBackend | None = None,
    verify: ssl.SSLContext | None = None,
    headers: dict[str, str] | None = None,
) -> Fetched:
    """GET ``url`` under ``policy``; the 200 answer, or :class:`FetchError` with the reason.

    A body longer than ``max_bytes`` is refused, or with ``truncate`` cut there (a page's ``<head>``
    is at its top); reading stops at the cap either way. ``verify`` is the TLS context (default:
    the one the adapters share, with certifi's certificates). ``headers`` adds request headers: with
    ``If-None-Match`` or ``If-Modified-Since`` (a feed's conditional GET), a 304 answer is returned
    as a :class:`Fetched` with ``status`` 304 and no body."""
    policy = policy or FetchPolicy()
    deadline = time.monotonic() + policy.timeout
    pinned = _PinnedBackend(backend or new_backend())
    transport = _PinnedTransport(pinned, verify or ssl_context())
    sent = {"User-Agent": USER_AGENT, "Accept": accept, "Accept-Encoding": "identity", **(headers or {})}
    conditional = any(name.lower() in ("if-none-match", "if-modified-since") for name in headers or {})
    current = _parse(url)
    try:
        with httpx.Client(transport=transport, headers=sent, follow_redirects=False, trust_env=False) as client:
            for _hop in range(policy.max_redirects + 1):
                host, port, addresses = _check(current, policy, resolver or system_resolver, deadline)
                pinned.pin(host, port, addresses)
                with client.stream("GET", current, timeout=_remaining(deadline, policy)) as response:
                    if response.status_code in _REDIRECT_STATUSES:
                        current = _next_hop(response)
                        continue
                    if response.status_code == 304 and conditional:
                        return Fetched(
                            str(response.url),
                            "",
                            b"",
                            status=304,
                            etag=response.headers.get("etag"),
                            last_modified=response.headers.get("last-modified"),
                        )
                    if response.status_code != 200:
                        raise FetchError(
                            _("the site answered {status} instead of the page.").format(status=response.status_code)
                        )
                    return _read(response, max_bytes=max_bytes, truncate=truncate, deadline=deadline, policy=policy)
    except httpx.TimeoutException:
        raise _too_slow(policy) from None
    except (httpx.HTTPError, httpx.StreamError, httpx.InvalidURL, OSError, ValueError) as exc:
        # whatever a site sends back, the reason is a sentence, never a traceback or an unknown post
        raise FetchError(_("the site could not be reached ({error}).").format(error=exc.__class__.__name__)) from None
    raise FetchError(
        _("more than {count} redirects; socialpost stops there.").format(count=policy.max_redirects), refused=True
    )


def _parse(url: str | httpx.URL) -> httpx.URL:
    try:
        return httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise FetchError(_("the address is not a valid URL."), refused=True) from None


def _next_hop(response: httpx.Response) -> httpx.URL:
    location = response.headers.get("location", "").strip()
    if not location:
        raise FetchError(_("the site answered {status} without saying where to.").format(status=response.status_code))
    try:
        return response.url.join(location)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise FetchError(_("the site redirected to an address that is not a valid URL."), refused=True) from None


def _check(url: httpx.URL, policy: FetchPolicy, resolver: Resolver, deadline: float) -> tuple[str, int, list[str]]:
    """(host as the connection pool names it, port, checked addresses) for one hop, or FetchError."""
    if url.scheme not in ("http", "https"):
        raise FetchError(
            _("only http:// and https:// addresses are fetched, not {scheme}://.").format(scheme=url.scheme or "?"),
            refused=True,
        )
    if url.userinfo:
        raise FetchError(_("the address holds a user name or password; socialpost does not fetch it."), refused=True)
    host = url.raw_host.decode("ascii")
    if not host:
        raise FetchError(_("the address has no host."), refused=True)
    port = url.port or (443 if url.scheme == "https" else 80)
    literal = _ip(host)
    addresses = [literal] if literal is not None else _resolve(resolver, host, port, deadline, policy)
    private = False
    for address in addresses:
        reason = not_public(address)
        if reason is None:
            continue
        if not (policy.allow_private and reason in _OPT_IN):
            raise FetchError(
                _("{host} is not a public address ({address}: {reason}); socialpost does not fetch it.").format(
                    host=url.host, address=address, reason=_(reason)
                ),
                refused=True,
            )
        private = True
    if not private and port not in policy.ports:
        raise FetchError(
            _("port {port} is not allowed; socialpost fetches only from ports {ports}.").format(
                port=port, ports=", ".join(str(p) for p in sorted(policy.ports))
            ),
            refused=True,
        )
    return host, port, [str(a) for a in addresses]


def _ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _resolve(resolver: Resolver, host: str, port: int, deadline: float, policy: FetchPolicy) -> list[IPAddress]:
    """Resolve once, within the deadline (the system resolver has no timeout of its own)."""
    answer: list[Sequence[str]] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            answer.append(resolver(host, port))
        except Exception as exc:  # noqa: BLE001 - reported below, in plain words
            failure.append(exc)

    worker = threading.Thread(target=run, name="socialpost-resolve", daemon=True)
    worker.start()
    worker.join(max(deadline - time.monotonic(), 0.0))
    if worker.is_alive():
        raise _too_slow(policy)
    addresses = [a for a in (_ip(str(text)) for text in (answer[0] if answer else ())) if a is not None]
    if failure or not addresses:
        raise FetchError(_("the host {host} cannot be found.").format(host=host))
    return addresses


def _remaining(deadline: float, policy: FetchPolicy) -> httpx.Timeout:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _too_slow(policy)
    return httpx.Timeout(left)


def _too_slow(policy: FetchPolicy) -> FetchError:
    return FetchError(
        _("no complete answer within {seconds} s.").format(seconds=decimal_mark(f"{policy.timeout:g}")), refused=True
    )


def _read(response: httpx.Response, *, max_bytes: int, truncate: bool, deadline: float, policy: FetchPolicy) -> Fetched:
    declared = response.headers.get("content-length", "")
    if not truncate and declared.isdigit() and int(declared) > max_bytes:
        raise _too_big(max_bytes)
    body = bytearray()
    cut = False
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            if not truncate:
                raise _too_big(max_bytes)
            del body[max_bytes:]
            cut = True
            break
        if time.monotonic() > deadline:
            raise _too_slow(policy)
    return Fetched(
        str(response.url),
        response.headers.get("content-type", ""),
        bytes(body),
        cut,
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
    )


def _too_big(max_bytes: int) -> FetchError:
    return FetchError(
        _("the answer is larger than {limit} bytes; socialpost stops there.").format(limit=formats.integer(max_bytes)),
        refused=True,
    )


class _PinnedBackend(httpcore.NetworkBackend):
    """Dials only addresses the fetcher checked. httpcore asks for ``host:port`` with the host name
    (which TLS keeps for SNI and the certificate check); this dials the checked addresses instead of
    resolving the name again, and refuses a host it was not given."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner
        self._pins: dict[tuple[str, int], tuple[str, ...]] = {}

    def pin(self, host: str, port: int, addresses: Iterable[str]) -> None:
        self._pins[(host, port)] = tuple(addresses)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self._pins.get((host, port))
        if not addresses:
            raise httpcore.ConnectError(f"{host}:{port} was not checked")
        failure: Exception = httpcore.ConnectError(f"{host}:{port}: no address")
        for address in addresses:
            try:
                return self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("socialpost never fetches through a Unix socket")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _PinnedTransport(httpx.HTTPTransport):
    """httpx's own transport (request and response mapping, errors), over a connection pool that
    dials through :class:`_PinnedBackend`. httpx takes no network backend, so the pool it built is
    replaced (``tests/test_fetch.py`` proves the connection goes where the check said)."""

    def __init__(self, backend: _PinnedBackend, context: ssl.SSLContext) -> None:
        super().__init__(verify=context, trust_env=False)
        self._pool = httpcore.ConnectionPool(ssl_context=context, network_backend=backend, max_connections=4)
