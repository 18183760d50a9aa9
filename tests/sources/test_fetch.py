"""The fetcher against a local HTTP server: outcomes, limits, and the address checks.

There is no internet here, and the fetcher must never reach one: an autouse guard makes any
connection to an address other than 127.0.0.1 fail in the test process before a packet is
sent, and answers DNS from a table, so a regression shows as a failing test, not as traffic.
"""

import dataclasses
import hashlib
import ipaddress
import socket
import ssl
import threading
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import trustme
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sources.extract import extract
from sources.fetch import FetchOptions, Outcome, default_user_agent, fetch, fetch_source
from tests.sources.test_extract import PARAGRAPHS, make_pdf, words

DATA = Path(__file__).resolve().parent.parent / "data" / "sources"
HTML = (DATA / "mobilization.html").read_bytes()
MB = 1_000_000


@dataclass
class Network:
    """What the code under test tried to reach, and the DNS answers it gets."""

    connects: list[tuple[str, int]] = field(default_factory=list)
    lookups: list[str] = field(default_factory=list)
    # Per name, the answers to successive lookups (the last repeats), or the error to raise.
    dns: dict[str, list[list[str]] | socket.gaierror] = field(default_factory=dict)


@pytest.fixture(autouse=True)
def network(monkeypatch) -> Network:
    """Record connections and name lookups; allow only 127.0.0.1; answer DNS from `dns`."""
    net = Network()
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(sock, address):
        net.connects.append((address[0], address[1]))
        if address[0] != "127.0.0.1":
            raise ConnectionAbortedError(f"test guard: no connection to {address[0]}")
        return real_connect(sock, address)

    def getaddrinfo(host, port, *args, **kwargs):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            return real_getaddrinfo(host, port, *args, **kwargs)  # numeric: no DNS involved
        net.lookups.append(host)
        answer = net.dns.get(host, socket.gaierror(socket.EAI_NONAME, "Name not known"))
        if isinstance(answer, socket.gaierror):
            raise answer
        # A changing answer is what a rebinding DNS server gives.
        ips = answer.pop(0) if len(answer) > 1 else answer[0]
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (ip, port),
            )
            for ip in ips
        ]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return net


@pytest.fixture
def options(httpserver) -> FetchOptions:
    """Limits for tests: the test server allowed, short timeouts."""
    return FetchOptions(
        allow=[f"127.0.0.1:{httpserver.port}"],
        connect_timeout=1.0,
        read_timeout=1.0,
        total_timeout=5.0,
    )


def test_html_page_is_fetched_whole_and_its_text_extracted(httpserver, options, settings):
    settings.WORKBENCH_BASE_URL = "https://workbench.example"
    httpserver.expect_request("/wiki/2022_Russian_mobilization").respond_with_data(
        HTML, content_type="text/html; charset=UTF-8"
    )
    url = httpserver.url_for("/wiki/2022_Russian_mobilization")

    result = fetch(url, options=options)

    assert result.outcome == Outcome.OK and result.ok and not result.dead
    assert (result.status, result.final_url, result.redirects) == (200, url, ())
    assert result.content == HTML
    assert result.sha256 == hashlib.sha256(HTML).hexdigest()
    assert result.size == len(HTML)
    assert result.content_type == "text/html; charset=UTF-8"
    assert result.address == "127.0.0.1"
    assert result.fetched_at.tzinfo is not None
    extracted = extract(result.content, result.content_type, url=result.final_url)
    assert extracted.title == "2022 Russian mobilization - Wikipedia"
    assert PARAGRAPHS[3] in extracted.text.replace("[12][13][14]", "")
    request, _response = httpserver.log[0]
    assert request.headers["User-Agent"] == (
        "TheWorkbench/1.0 (+https://workbench.example; fact-checking source archiver)"
    )
    assert request.headers["User-Agent"] == default_user_agent()
    assert request.headers["Host"] == f"127.0.0.1:{httpserver.port}"
    assert request.headers["Accept-Encoding"] == "identity"


def test_proxy_settings_in_the_environment_are_ignored(httpserver, options, network, monkeypatch):
    # A proxy would make the connection on our behalf, past every address check.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://10.9.9.9:3128")
    httpserver.expect_request("/page").respond_with_data("text", content_type="text/plain")

    result = fetch(httpserver.url_for("/page"), options=options)

    assert result.ok
    assert network.connects == [("127.0.0.1", httpserver.port)]


def test_pdf_is_fetched_and_its_pages_numbered(httpserver, options):
    pdf = make_pdf(PARAGRAPHS[:2])
    httpserver.expect_request("/report.pdf").respond_with_data(pdf, content_type="application/pdf")

    result = fetch(httpserver.url_for("/report.pdf"), options=options)

    assert result.ok and result.content == pdf
    extracted = extract(result.content, result.content_type)
    assert words(extracted.text) == words(PARAGRAPHS[0] + " " + PARAGRAPHS[1])
    assert extracted.page_at(extracted.text.index("Zaporizhzhia")) == 1
    assert extracted.page_at(extracted.text.index("Shoigu")) == 2


@pytest.mark.parametrize(
    ("status", "outcome", "message"),
    [
        (404, Outcome.DEAD, "The page is not found (HTTP 404)."),
        (410, Outcome.DEAD, "The page is gone (HTTP 410)."),
        (500, Outcome.ERROR, "HTTP 500 INTERNAL SERVER ERROR."),
        (503, Outcome.ERROR, "HTTP 503 SERVICE UNAVAILABLE."),
        # Paywalls and bot walls answer 401/403/429: the page may well exist.
        (403, Outcome.ERROR, "HTTP 403 FORBIDDEN."),
        (429, Outcome.ERROR, "HTTP 429 TOO MANY REQUESTS."),
    ],
)
def test_status_codes_give_dead_only_for_gone_pages(httpserver, options, status, outcome, message):
    httpserver.expect_request("/page").respond_with_data("no", status=status)

    result = fetch(httpserver.url_for("/page"), options=options)

    assert (result.outcome, result.status, result.message) == (outcome, status, message)
    assert (result.content, result.sha256, result.size) == (None, "", 0)


def test_redirects_are_followed_hop_by_hop(httpserver, options):
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/moved"}
    )
    httpserver.expect_request("/moved").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/page")}
    )
    httpserver.expect_request("/page").respond_with_data(
        PARAGRAPHS[0], content_type="text/plain; charset=utf-8"
    )

    result = fetch(httpserver.url_for("/old"), options=options)

    assert result.ok and result.content == PARAGRAPHS[0].encode()
    assert result.final_url == httpserver.url_for("/page")
    assert result.redirects == (httpserver.url_for("/old"), httpserver.url_for("/moved"))


def test_redirect_loop_is_an_error(httpserver, options):
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})

    result = fetch(httpserver.url_for("/a"), options=options)

    assert result.outcome == Outcome.ERROR
    assert result.message == f"Redirect loop (back to {httpserver.url_for('/a')})."
    assert len(httpserver.log) == 2


def test_too_many_redirects_is_an_error(httpserver, options):
    for hop in range(10):
        httpserver.expect_request(f"/r{hop}").respond_with_data(
            "", status=307, headers={"Location": f"/r{hop + 1}"}
        )
    few = dataclasses.replace(options, max_redirects=3)

    result = fetch(httpserver.url_for("/r0"), options=few)

    assert result.outcome == Outcome.ERROR
    assert result.message == "Too many redirects (more than 3)."
    assert len(httpserver.log) == 4


def test_body_over_the_cap_is_refused_while_streaming():
    """50 MB sent without Content-Length: the client stops after about 1 MB.

    A bare socket server streams the body, so the memory traced is the client's: werkzeug's
    server thread, in this same process, allocates in bursts of its own.
    """
    chunk = memoryview(b"x" * 65536)
    sent = [0]

    def serve(listener: socket.socket) -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)  # the request; its content does not matter here
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
            try:
                while sent[0] < 50 * MB:
                    connection.sendall(chunk)
                    sent[0] += len(chunk)
            except OSError:
                pass  # the client hung up, as it should

    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        server = threading.Thread(target=serve, args=(listener,))
        server.start()
        capped = FetchOptions(allow=[f"127.0.0.1:{port}"], max_bytes=1 * MB, read_timeout=2.0)
        tracemalloc.start()
        try:
            result = fetch(f"http://127.0.0.1:{port}/huge.txt", options=capped)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        server.join(5)

    assert (result.outcome, result.message) == (Outcome.ERROR, "Too large (over 1 MB).")
    assert result.content is None
    assert 1 * MB < result.size <= 1 * MB + len(chunk)
    assert peak < 3 * MB
    # What the server got out before the client hung up: the cap plus the socket buffers.
    assert sent[0] < 20 * MB


def test_declared_length_over_the_cap_is_refused_before_reading(httpserver, options):
    sent = [0]

    def body():
        for _ in range(800):
            sent[0] += 65536
            yield b"x" * 65536

    httpserver.expect_request("/huge.pdf").respond_with_response(
        Response(body(), content_type="application/pdf", headers={"Content-Length": str(50 * MB)})
    )
    capped = dataclasses.replace(options, max_bytes=2 * MB)

    result = fetch(httpserver.url_for("/huge.pdf"), options=capped)

    assert result.outcome == Outcome.ERROR
    assert result.message == "Too large (over 2 MB): 50,000,000 bytes declared."
    assert result.size == 0


@pytest.mark.parametrize(
    ("content_type", "shown"), [("image/png", "image/png"), ("", "none given")]
)
def test_unsupported_content_type_is_an_error(httpserver, options, content_type, shown):
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    response = Response(png)
    if content_type:
        response.headers["Content-Type"] = content_type
    else:
        del response.headers["Content-Type"]
    httpserver.expect_request("/image").respond_with_response(response)

    result = fetch(httpserver.url_for("/image"), options=options)

    assert result.outcome == Outcome.ERROR
    assert result.message == (f"Unsupported content type ({shown}): only HTML, PDF and plain text.")
    assert result.content is None


def test_slow_server_times_out(httpserver, options):
    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(3)
        return Response("late", content_type="text/plain")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    quick = dataclasses.replace(options, read_timeout=0.3)

    try:
        result = fetch(httpserver.url_for("/slow"), options=quick)
    finally:
        release.set()

    assert result.outcome == Outcome.ERROR
    assert result.message == "Timed out waiting for 127.0.0.1 to answer."
    assert result.elapsed < 1.5


def test_trickling_server_is_stopped_by_the_total_timeout(httpserver, options):
    release = threading.Event()

    def trickle():
        # Never idle for the read timeout, but never done: only the total time stops it.
        while not release.wait(0.05):
            yield b"still here\n"

    httpserver.expect_request("/drip").respond_with_response(
        Response(trickle(), content_type="text/plain")
    )
    patient = dataclasses.replace(options, read_timeout=1.0, total_timeout=0.5)

    try:
        result = fetch(httpserver.url_for("/drip"), options=patient)
    finally:
        release.set()

    assert (result.outcome, result.message) == (Outcome.ERROR, "Took longer than 0.5 s; stopped.")
    assert 0.5 < result.elapsed < 1.5


def test_total_timeout_also_bounds_a_chain_of_slow_redirects(httpserver, options):
    def slow_redirect(request: Request) -> Response:
        time.sleep(0.4)
        return Response("", status=302, headers={"Location": "/next"})

    httpserver.expect_request("/first").respond_with_handler(slow_redirect)
    httpserver.expect_request("/next").respond_with_data("text", content_type="text/plain")
    hurried = dataclasses.replace(options, total_timeout=0.3)

    result = fetch(httpserver.url_for("/first"), options=hurried)

    assert (result.outcome, result.message) == (Outcome.ERROR, "Took longer than 0.3 s; stopped.")
    assert [request.path for request, _ in httpserver.log] == ["/first"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "http://169.254.169.254/latest/meta-data/",
            "Refused: 169.254.169.254 is not a public address (link-local).",
        ),
        ("http://[::1]:{port}/", "Refused: [::1] is not a public address (loopback)."),
        (
            "http://0x7f000001:{port}/",
            "Refused: 0x7f000001 (127.0.0.1) is not a public address (loopback).",
        ),
        (
            "http://2130706433:{port}/",
            "Refused: 2130706433 (127.0.0.1) is not a public address (loopback).",
        ),
        ("http://127.1:{port}/", "Refused: 127.1 (127.0.0.1) is not a public address (loopback)."),
        ("http://10.1.2.3/", "Refused: 10.1.2.3 is not a public address (private)."),
        ("https://192.168.1.1/", "Refused: 192.168.1.1 is not a public address (private)."),
        (
            "http://localhost:{port}/",
            "Refused: localhost (127.0.0.1) is not a public address (loopback).",
        ),
        (
            "http://app.localhost:{port}/",
            "Refused: app.localhost (127.0.0.1) is not a public address (loopback).",
        ),
        (
            "http://[::ffff:127.0.0.1]:{port}/",
            "Refused: [::ffff:127.0.0.1] is not a public address (loopback).",
        ),
        (
            "http://[::ffff:10.0.0.1]/",
            "Refused: [::ffff:10.0.0.1] is not a public address (private).",
        ),
        (
            "http://[64:ff9b::a00:1]/",
            "Refused: [64:ff9b::a00:1] is not a public address (private).",
        ),
        ("http://[fe80::1]/", "Refused: [fe80::1] is not a public address (link-local)."),
        ("http://[fd00::1]/", "Refused: [fd00::1] is not a public address (private)."),
        ("http://0.0.0.0:{port}/", "Refused: 0.0.0.0 is not a public address (unspecified)."),
        ("http://[::]/", "Refused: [::] is not a public address (unspecified)."),
        ("http://224.0.0.1/", "Refused: 224.0.0.1 is not a public address (multicast)."),
        ("http://100.64.0.1/", "Refused: 100.64.0.1 is not a public address (non-public)."),
        ("http://0177.0.0.1/", "Not a valid URL (Invalid IPv4 address: '0177.0.0.1')."),
        ("file:///etc/passwd", "Only http and https URLs can be fetched."),
        ("ftp://127.0.0.1/", "Only http and https URLs can be fetched."),
    ],
)
def test_non_public_addresses_are_refused_without_connecting(
    httpserver, options, network, url, message
):
    result = fetch(url.format(port=httpserver.port), options=options)

    assert (result.outcome, result.message) == (Outcome.ERROR, message)
    assert network.connects == []
    assert network.lookups == []  # every spelling was recognised without asking DNS


def test_name_resolving_to_a_private_address_is_refused(options, network):
    network.dns["intranet.example"] = [["10.20.30.40"]]
    network.dns["split.example"] = [["93.184.215.14", "192.168.0.7"]]  # one public, one not

    private = fetch("http://intranet.example/", options=options)
    split = fetch("https://split.example/", options=options)

    assert private.message == (
        "Refused: intranet.example (10.20.30.40) is not a public address (private)."
    )
    assert split.message == (
        "Refused: split.example (192.168.0.7) is not a public address (private)."
    )
    assert private.outcome == split.outcome == Outcome.ERROR
    assert network.connects == []


def test_redirect_to_another_local_port_or_name_is_refused(httpserver, options, network):
    with socket.create_server(("127.0.0.1", 0)) as other:
        other_port = other.getsockname()[1]
        targets = {
            "/to-other-port": f"http://127.0.0.1:{other_port}/admin",
            "/to-localhost": f"http://localhost:{httpserver.port}/page",
            "/to-private": "http://10.0.0.1/",
            "/to-metadata": "http://169.254.169.254/latest/meta-data/",
        }
        for path, location in targets.items():
            httpserver.expect_request(path).respond_with_data(
                "", status=302, headers={"Location": location}
            )

        results = {path: fetch(httpserver.url_for(path), options=options) for path in targets}

        other.setblocking(False)
        with pytest.raises(BlockingIOError):
            other.accept()  # nobody knocked on the other port

    for path, location in targets.items():
        result = results[path]
        assert result.outcome == Outcome.ERROR, path
        assert result.message.startswith("Refused: "), result.message
        assert result.final_url == location
        assert result.redirects == (httpserver.url_for(path),)
        assert (result.status, result.address) == (None, "")  # the refused hop's, not the 302's
    assert set(network.connects) == {("127.0.0.1", httpserver.port)}


def test_connection_goes_to_the_address_checked_with_the_name_kept(httpserver, network):
    """DNS rebinding: the name is resolved once; a second answer would point inward."""
    network.dns["news.example"] = [["127.0.0.1"], ["10.0.0.1"]]
    httpserver.expect_request(
        "/story", headers={"Host": f"news.example:{httpserver.port}"}
    ).respond_with_data("text", content_type="text/plain")
    allowed = FetchOptions(allow=[f"news.example:{httpserver.port}"])

    result = fetch(f"http://news.example:{httpserver.port}/story", options=allowed)

    assert result.ok and result.address == "127.0.0.1"
    assert network.lookups == ["news.example"]
    assert network.connects == [("127.0.0.1", httpserver.port)]
    request, _response = httpserver.log[0]
    assert request.headers["Host"] == f"news.example:{httpserver.port}"


def test_allow_list_defaults_to_the_django_setting(httpserver, settings):
    httpserver.expect_request("/page").respond_with_data("text", content_type="text/plain")
    url = httpserver.url_for("/page")

    settings.WORKBENCH_FETCH_ALLOW = []
    refused = fetch(url)
    settings.WORKBENCH_FETCH_ALLOW = [f"127.0.0.1:{httpserver.port}"]
    allowed = fetch(url)

    assert refused.message == "Refused: 127.0.0.1 is not a public address (loopback)."
    assert allowed.ok and allowed.content == b"text"


def test_name_that_does_not_exist_is_dead_but_dns_failure_is_an_error(options, network):
    network.dns["temporary.example"] = socket.gaierror(socket.EAI_AGAIN, "Temporary failure")

    missing = fetch("https://no-such-host.example/article", options=options)
    flaky = fetch("https://temporary.example/article", options=options)

    assert (missing.outcome, missing.message) == (
        Outcome.DEAD,
        "The host no-such-host.example does not exist (DNS).",
    )
    assert missing.dead
    assert flaky.outcome == Outcome.ERROR
    assert flaky.message == "Could not resolve temporary.example (Temporary failure)."
    assert network.connects == []


def test_refused_connection_is_dead(network):
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    # The port is closed now: connecting to it is refused.

    result = fetch(f"http://127.0.0.1:{port}/", options=FetchOptions(allow=[f"127.0.0.1:{port}"]))

    assert (result.outcome, result.message) == (
        Outcome.DEAD,
        f"Connection refused by 127.0.0.1:{port}.",
    )


def test_archive_is_used_when_the_live_url_is_dead(httpserver, options):
    httpserver.expect_request("/live").respond_with_data("", status=404)
    httpserver.expect_request("/web/2022/live").respond_with_data(
        HTML, content_type="text/html; charset=utf-8"
    )

    found = fetch_source(
        httpserver.url_for("/live"), httpserver.url_for("/web/2022/live"), options=options
    )

    assert found.used == "archive"
    assert found.result is found.archive and found.result.ok
    assert found.result.content == HTML
    assert found.live is not None and found.live.dead


def test_archive_is_not_fetched_when_the_live_url_works(httpserver, options):
    httpserver.expect_request("/live").respond_with_data(HTML, content_type="text/html")

    found = fetch_source(
        httpserver.url_for("/live"), httpserver.url_for("/archive"), options=options
    )

    assert (found.used, found.archive) == ("live", None)
    assert found.result is found.live and found.result.ok
    assert [request.path for request, _ in httpserver.log] == ["/live"]


def test_when_both_fail_the_live_result_is_reported(httpserver, options):
    httpserver.expect_request("/live").respond_with_data("", status=410)
    httpserver.expect_request("/archive").respond_with_data("", status=503)

    found = fetch_source(
        httpserver.url_for("/live"), httpserver.url_for("/archive"), options=options
    )

    assert found.used == "live" and found.result is found.live
    assert found.result.dead
    assert found.archive is not None and found.archive.status == 503


def test_archive_alone_is_fetched_and_a_source_needs_one_url(httpserver, options):
    httpserver.expect_request("/archive").respond_with_data("text", content_type="text/plain")

    found = fetch_source("", httpserver.url_for("/archive"), options=options)

    assert (found.used, found.live) == ("archive", None) and found.result.ok
    with pytest.raises(ValueError, match="needs a URL"):
        fetch_source("", "")


@pytest.fixture(scope="module")
def tls_ca() -> trustme.CA:
    """A private certificate authority for HTTPS tests."""
    return trustme.CA()


@pytest.mark.parametrize(
    ("certified_for", "outcome"), [("news.example", Outcome.OK), ("other.example", Outcome.ERROR)]
)
def test_https_checks_the_certificate_for_the_name_not_the_address(
    tls_ca, network, certified_for, outcome
):
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert(certified_for).configure_cert(server_context)
    client_context = ssl.create_default_context()
    tls_ca.configure_trust(client_context)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=server_context)
    server.expect_request("/story").respond_with_data("text", content_type="text/plain")
    server.start()
    try:
        network.dns["news.example"] = [["127.0.0.1"]]
        result = fetch(
            f"https://news.example:{server.port}/story",
            options=FetchOptions(allow=[f"news.example:{server.port}"], verify=client_context),
        )
    finally:
        server.stop()

    assert result.outcome == outcome, result.message
    assert network.connects == [("127.0.0.1", server.port)]
    if outcome == Outcome.ERROR:
        assert "CERTIFICATE_VERIFY_FAILED" in result.message
    else:
        assert result.content == b"text" and result.address == "127.0.0.1"
