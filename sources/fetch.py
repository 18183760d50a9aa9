"""Fetch a source's URL safely, for the snapshot kept beside the claims that cite it.

`fetch` downloads one URL and returns a `FetchResult` whose `outcome` is "ok" (the bytes are
there), "dead" (the page is gone: HTTP 404 or 410, a host name that does not exist, or a
refused connection; this is what suggests the source-unavailable stance) or "error" (anything
else that went wrong, which may pass: 5xx, timeouts, too large, unsupported type, refused
address, too many redirects). It never raises for a network problem.

Because editors choose the URLs, the fetcher must not become a way to reach the machine's own
network. Every hop (the URL and each redirect) is checked before any connection: the host is
resolved once, every address it resolves to must be public (not loopback, private, link-local,
multicast, reserved or unspecified, IPv4 or IPv6, including IPv4 inside IPv6 and numeric
spellings such as 0x7f000001), and the connection then goes to that checked address while the
Host header and TLS SNI/certificate check keep the name, so a DNS answer that changes between
the check and the connection (rebinding) cannot redirect it. Exact `host:port` pairs in
`FetchOptions.allow` (by default the Django setting WORKBENCH_FETCH_ALLOW) skip the address
check, for test servers on 127.0.0.1.

`fetch_source` tries the live URL and falls back to the archive URL.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import enum
import hashlib
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Iterable
from typing import Any, Literal

import httpx
from django.conf import settings

from sources.extract import SUPPORTED_TYPES, parse_content_type

ALLOWED_TYPES = frozenset(SUPPORTED_TYPES)

# 25 MB holds long reports as PDF; pages are a few hundred KB. More is not a citable source,
# and the body is kept in memory before it is stored.
MAX_BYTES = 25_000_000
MAX_REDIRECTS = 5
CONNECT_TIMEOUT = 10.0
# Time allowed between two bytes; the total below stops a server that trickles.
READ_TIMEOUT = 20.0
TOTAL_TIMEOUT = 60.0

_REDIRECTS = {301, 302, 303, 307, 308}
_DEAD = {404: "not found", 410: "gone"}
# getaddrinfo's answers for "this name does not exist" (as opposed to "DNS did not answer").
_NO_SUCH_NAME = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}
# Spellings of an IPv4 address that inet_aton reads but ipaddress does not (0x7f000001,
# 2130706433, 127.1); a real host name always has a letter outside a-f and x.
_NUMERIC_HOST = re.compile(r"[0-9a-fx.]+")
# NAT64 (RFC 6052) carries an IPv4 address in its last 32 bits.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Outcome(enum.StrEnum):
    """How a fetch ended."""

    OK = "ok"
    DEAD = "dead"
    ERROR = "error"


@dataclasses.dataclass(frozen=True)
class FetchOptions:
    """Limits of one fetch. None means "from the Django settings" (see `fetch`)."""

    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT
    total_timeout: float = TOTAL_TIMEOUT
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS
    allowed_types: frozenset[str] = ALLOWED_TYPES
    user_agent: str | None = None
    allow: Iterable[str] | None = None
    # The certificates HTTPS servers are checked against: True for the public CAs (certifi),
    # or an SSLContext trusting a private CA. Never False: an archived source must be the
    # page the name serves.
    verify: ssl.SSLContext | bool = True


@dataclasses.dataclass(frozen=True)
class FetchResult:
    """What one fetch found, ready to be stored as a snapshot.

    `content` holds the body only when the outcome is ok; `size` is its length, or for a body
    refused as too large the bytes read before stopping. `redirects` lists the URLs of the hops
    followed before `final_url`; `address` is the IP address the last hop connected to;
    `fetched_at` is when the fetch ended (UTC).
    """

    url: str
    outcome: Outcome
    message: str
    final_url: str
    status: int | None = None
    content_type: str = ""
    content: bytes | None = None
    sha256: str = ""
    size: int = 0
    elapsed: float = 0.0
    fetched_at: datetime.datetime = dataclasses.field(
        default_factory=lambda: datetime.datetime.now(datetime.UTC)
    )
    redirects: tuple[str, ...] = ()
    address: str = ""

    @property
    def ok(self) -> bool:
        """Return whether the body was fetched."""
        return self.outcome == Outcome.OK

    @property
    def dead(self) -> bool:
        """Return whether the source is gone (404/410, no such host, connection refused)."""
        return self.outcome == Outcome.DEAD


@dataclasses.dataclass(frozen=True)
class SourceFetch:
    """The result of trying a source's live URL, then its archive URL.

    `used` says which of the two `result` is: the live fetch when it worked (or when the archive
    did not help either), the archive's when the live URL failed and the archive worked. `live`
    stays available so a dead live link is still known when the archive served the text.
    """

    used: Literal["live", "archive"]
    result: FetchResult
    live: FetchResult | None
    archive: FetchResult | None


class _Stop(Exception):
    """End the fetch with this outcome and message."""

    def __init__(self, outcome: Outcome, message: str, size: int = 0):
        super().__init__(message)
        self.outcome, self.message, self.size = outcome, message, size


def default_user_agent() -> str:
    """Return the identifying User-Agent, naming the site so a webmaster can find who asks."""
    base = _setting("WORKBENCH_BASE_URL", "")
    where = f"+{base}; " if base else ""
    return f"TheWorkbench/1.0 ({where}fact-checking source archiver)"


def _setting(name: str, default: Any) -> Any:
    """Read a Django setting, so the functions also work where Django is not set up."""
    return getattr(settings, name, default) if settings.configured else default


def fetch(url: str, *, options: FetchOptions | None = None) -> FetchResult:
    """Download `url` within the limits of `options`; never raise for network trouble.

    `options.user_agent` defaults to `default_user_agent()` and `options.allow` to the Django
    setting WORKBENCH_FETCH_ALLOW (a list of exact "host:port" pairs exempt from the address
    check, e.g. ["127.0.0.1:8001"]; empty in production).
    """
    options = options or FetchOptions()
    allow = options.allow
    if allow is None:
        allow = _setting("WORKBENCH_FETCH_ALLOW", ())
    allowed = frozenset(entry.strip().lower() for entry in allow)
    headers = {
        "User-Agent": options.user_agent or default_user_agent(),
        "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8",
        # Uncompressed, so the cap counts what is sent. (A server that compresses anyway is
        # decoded chunk by chunk and the cap applies to the decoded bytes.)
        "Accept-Encoding": "identity",
    }
    timeout = httpx.Timeout(
        connect=options.connect_timeout,
        read=options.read_timeout,
        write=options.read_timeout,
        pool=options.connect_timeout,
    )
    started = time.monotonic()
    hops: list[str] = []
    current = url
    address: str
    status: int | None
    content_type: str
    try:
        while True:
            # Each hop reports for itself: a refused redirect target has no status yet.
            address, status, content_type = "", None, ""
            if time.monotonic() - started > options.total_timeout:
                raise _Stop(
                    Outcome.ERROR, f"Took longer than {options.total_timeout:g} s; stopped."
                )
            target = _parse(current)
            addresses = _checked_addresses(target, allowed)
            # One client per hop: pools are keyed by address, and a TLS connection verified for
            # one name must not carry a request for another name on the same address.
            # trust_env=False: a proxy from the environment would connect in our stead.
            with httpx.Client(timeout=timeout, trust_env=False, verify=options.verify) as client:
                address, response = _send(client, target, addresses, headers)
                with contextlib.closing(response):
                    status = response.status_code
                    content_type = response.headers.get("content-type", "")
                    if status not in _REDIRECTS:
                        content = _read(response, options, started)
                        break
                    current = _next_hop(target, response, hops, options.max_redirects)
    except _Stop as stop:
        return FetchResult(
            url=url,
            outcome=stop.outcome,
            message=stop.message,
            final_url=current,
            status=status,
            content_type=content_type,
            size=stop.size,
            elapsed=time.monotonic() - started,
            redirects=tuple(hops),
            address=address,
        )
    return FetchResult(
        url=url,
        outcome=Outcome.OK,
        message=f"Fetched {len(content):,} bytes.",
        final_url=current,
        status=status,
        content_type=content_type,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        elapsed=time.monotonic() - started,
        redirects=tuple(hops),
        address=address,
    )


def fetch_source(
    url: str, archive_url: str = "", *, options: FetchOptions | None = None
) -> SourceFetch:
    """Fetch a source's live `url`, and its `archive_url` if the live one is dead or failing."""
    if not url and not archive_url:
        raise ValueError("A source needs a URL or an archive URL to fetch.")
    live = fetch(url, options=options) if url else None
    if live is not None and (live.ok or not archive_url):
        return SourceFetch(used="live", result=live, live=live, archive=None)
    archive = fetch(archive_url, options=options)
    if archive.ok or live is None:
        return SourceFetch(used="archive", result=archive, live=live, archive=archive)
    # Neither worked: the live outcome is what the source's stance should reflect.
    return SourceFetch(used="live", result=live, live=live, archive=archive)


def _parse(url: str) -> httpx.URL:
    try:
        target = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise _Stop(Outcome.ERROR, f"Not a valid URL ({exc}).") from exc
    if target.scheme not in ("http", "https"):
        raise _Stop(Outcome.ERROR, "Only http and https URLs can be fetched.")
    if not target.host:
        raise _Stop(Outcome.ERROR, "The URL has no host.")
    return target


def _port(target: httpx.URL) -> int:
    return target.port or (443 if target.scheme == "https" else 80)


def _display(target: httpx.URL) -> tuple[str, int]:
    """Return the host as written in a URL (IPv6 in brackets, lower case) and the port."""
    host = target.raw_host.decode("ascii").lower()
    return (f"[{host}]" if ":" in host else host), _port(target)


def _checked_addresses(
    target: httpx.URL, allowed: frozenset[str]
) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Resolve the URL's host once and refuse it unless every address is public or allowed."""
    host = target.raw_host.decode("ascii").lower()
    display_host, port = _display(target)
    addresses = _resolve(host, port)
    if f"{display_host}:{port}" in allowed:
        return addresses
    for ip in addresses:
        reason = _refusal(ip)
        if reason:
            shown = display_host if _is_ip_literal(host) else f"{display_host} ({ip})"
            raise _Stop(Outcome.ERROR, f"Refused: {shown} is not a public address ({reason}).")
    return addresses


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _send(
    client: httpx.Client,
    target: httpx.URL,
    addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address],
    headers: dict[str, str],
) -> tuple[str, httpx.Response]:
    """Send the GET to the first checked address that accepts; return it and the response."""
    display_host, port = _display(target)
    # The name, not the address connected to, in Host and in TLS (SNI and the certificate
    # check), so virtual hosts and CDNs answer and HTTPS is verified for the name.
    headers = {**headers, "Host": target.netloc.decode("ascii")}
    sni = {"sni_hostname": target.raw_host.decode("ascii")}
    error: httpx.ConnectError | None = None
    for ip in addresses:
        request = client.build_request(
            "GET", target.copy_with(host=str(ip)), headers=headers, extensions=sni
        )
        try:
            return str(ip), client.send(request, stream=True)
        except httpx.ConnectError as exc:
            error = exc
        except httpx.ConnectTimeout as exc:
            raise _Stop(Outcome.ERROR, f"Timed out connecting to {display_host}.") from exc
        except httpx.TimeoutException as exc:
            raise _Stop(Outcome.ERROR, f"Timed out waiting for {display_host} to answer.") from exc
        except httpx.HTTPError as exc:
            raise _Stop(Outcome.ERROR, f"Request failed ({exc or type(exc).__name__}).") from exc
    if _caused_by(error, ConnectionRefusedError):
        raise _Stop(Outcome.DEAD, f"Connection refused by {display_host}:{port}.")
    raise _Stop(Outcome.ERROR, f"Could not connect to {display_host}:{port} ({error}).")


def _caused_by(exc: BaseException | None, kind: type[BaseException]) -> bool:
    while exc is not None:
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Return the addresses of `host`: itself if an IP literal, else what DNS says, once."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(host):
        try:
            return [ipaddress.IPv4Address(socket.inet_aton(host))]
        except OSError:
            pass  # e.g. "cafe.de": only looked numeric
    if host == "localhost" or host.endswith(".localhost"):
        # RFC 6761: always loopback, whatever a resolver would say.
        return [ipaddress.IPv4Address("127.0.0.1")]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        if exc.errno in _NO_SUCH_NAME:
            raise _Stop(Outcome.DEAD, f"The host {host} does not exist (DNS).") from exc
        raise _Stop(Outcome.ERROR, f"Could not resolve {host} ({exc.strerror}).") from exc
    except UnicodeError as exc:
        raise _Stop(Outcome.ERROR, f"Not a valid host name: {host}.") from exc
    addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        # Drop an IPv6 zone ("fe80::1%eth0"); the address alone is what is checked.
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise _Stop(Outcome.DEAD, f"The host {host} has no address (DNS).")
    return addresses


def _refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Return why `ip` may not be fetched ("" when it is a public address)."""
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address carried inside IPv6 reaches that IPv4 host: judge it as such.
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip.teredo:
            embedded = ip.teredo[1]
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return _refusal(embedded)
    for reason, flag in (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    ):
        if flag:
            return reason
    # Shared (carrier-grade NAT) space, documentation ranges and the like are not "private"
    # to Python but are not on the internet either.
    return "" if ip.is_global else "non-public"


def _next_hop(
    target: httpx.URL,
    response: httpx.Response,
    hops: list[str],
    max_redirects: int,
) -> str:
    location = response.headers.get("location")
    if not location:
        raise _Stop(Outcome.ERROR, f"HTTP {response.status_code} redirect without a Location.")
    try:
        following = str(target.join(location))
    except httpx.InvalidURL as exc:
        raise _Stop(Outcome.ERROR, f"Redirected to an invalid URL ({location}).") from exc
    hops.append(str(target))
    if following in hops:
        raise _Stop(Outcome.ERROR, f"Redirect loop (back to {following}).")
    if len(hops) > max_redirects:
        raise _Stop(Outcome.ERROR, f"Too many redirects (more than {max_redirects}).")
    return following


def _read(response: httpx.Response, options: FetchOptions, started: float) -> bytes:
    """Check the final response and read its body within the byte and time limits."""
    status = response.status_code
    if status in _DEAD:
        raise _Stop(Outcome.DEAD, f"The page is {_DEAD[status]} (HTTP {status}).")
    if not 200 <= status < 300:
        reason = response.reason_phrase or "error"
        raise _Stop(Outcome.ERROR, f"HTTP {status} {reason}.")
    media_type, _charset = parse_content_type(response.headers.get("content-type", ""))
    if media_type not in options.allowed_types:
        shown = media_type or "none given"
        raise _Stop(
            Outcome.ERROR, f"Unsupported content type ({shown}): only HTML, PDF and plain text."
        )
    limit = _megabytes(options.max_bytes)
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > options.max_bytes:
        raise _Stop(Outcome.ERROR, f"Too large (over {limit}): {int(declared):,} bytes declared.")
    body = bytearray()
    try:
        for chunk in response.iter_bytes():
            if len(body) + len(chunk) > options.max_bytes:
                raise _Stop(Outcome.ERROR, f"Too large (over {limit}).", len(body) + len(chunk))
            body += chunk
            if time.monotonic() - started > options.total_timeout:
                raise _Stop(
                    Outcome.ERROR, f"Took longer than {options.total_timeout:g} s; stopped."
                )
    except httpx.TimeoutException as exc:
        raise _Stop(Outcome.ERROR, "Timed out waiting for the server to send the page.") from exc
    except httpx.HTTPError as exc:
        raise _Stop(
            Outcome.ERROR, f"The download broke off ({exc or type(exc).__name__})."
        ) from exc
    return bytes(body)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g} MB"
