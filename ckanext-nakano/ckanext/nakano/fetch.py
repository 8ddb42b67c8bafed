"""The one guard of every outbound fetch of the portal: validation, the
DataStore loader (xloader), harvesters, the link check.

Two checks, both before a single byte of a request is sent (a third, a DNS
lookup of the host, refuses most internal addresses before even a TCP
connection is tried, so the guard cannot be used to scan the ward's network):

1. ``canonical_url`` refuses every URL that parsers read differently
   (backslashes, user names, whitespace and control characters, percent signs
   in the host, decimal/octal/hex/short IPv4 forms, ports out of range) and
   anything but http(s). What is left means the same to ``urllib.parse``,
   urllib3 and a browser, so the host that was checked is the host connected to.
2. Every connection opened through ``guarded_session`` checks the address its
   socket is actually connected to, right after the TCP connect and before TLS
   or the request: a loopback, private, link-local, shared, multicast or
   reserved address is refused (also IPv4 inside IPv6: mapped, 6to4, Teredo,
   NAT64). Redirects open new connections, so every hop is checked, whoever
   follows them (our loop, ``requests`` or a library given the session); a
   name that resolves to a public address first and a private one later (DNS
   rebinding) is checked where it connects.

Host names in ``ckanext.nakano.fetch.allowed_hosts`` may be private (a
departmental server on the ward's network); they are matched on the host name
itself, never on where it resolves. docs/security.md says why the guard is our
own code (no library checks the connected address on every redirect).
"""
from __future__ import annotations

import hashlib
import ipaddress
import re
import socket
import time
from pathlib import Path
from typing import Any, Iterable, Iterator
from urllib.parse import urljoin, urlsplit

import idna
import requests
import urllib3.exceptions
import urllib3.util
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

MAX_REDIRECTS = 5
CHUNK = 1 << 16

# Space, every control character and the backslash: browsers and urllib3 strip
# or reinterpret them (tab and newline are removed, "\" becomes "/").
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")
# A host whose last label is a number or 0x… is read as an IPv4 address by
# browsers and some resolvers (2130706433, 0177.1, 0x7f.1).
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.I)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class FetchRefused(Exception):
    """``code`` names a validation message; ``values`` fill it."""

    def __init__(self, code: str, **values: object):
        super().__init__(f"{code}: {values}")
        self.code, self.values = code, values


def _shown(url: object) -> str:
    """A URL as it may be shown back in a message: printable, bounded."""
    text = _UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", str(url))
    return text if len(text) <= 200 else text[:200] + "…"


def canonical_url(url: str) -> str:
    """``url`` rewritten without its fragment, or FetchRefused when it is not
    http(s) or any parser could read it otherwise. No DNS lookup."""
    if not isinstance(url, str) or not url:
        raise FetchRefused("not-http", url=_shown(url))
    if _UNSAFE.search(url):
        raise FetchRefused("ambiguous-url", url=_shown(url))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:   # a port that is no number, or out of range; a broken IPv6 literal
        raise FetchRefused("ambiguous-url", url=_shown(url)) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        raise FetchRefused("not-http", url=_shown(url))
    if "@" in parts.netloc:
        raise FetchRefused("credentials-in-url", url=_shown(url))
    if "%" in parts.netloc or not parts.hostname:
        raise FetchRefused("ambiguous-url", url=_shown(url))
    host = _canonical_host(parts.hostname, url)
    # The library that connects must see the same host.
    try:
        seen = urllib3.util.parse_url(url).host or ""
    except urllib3.exceptions.LocationParseError as exc:
        raise FetchRefused("ambiguous-url", url=_shown(url)) from exc
    if _canonical_host(seen.strip("[]").lower(), url) != host:
        raise FetchRefused("ambiguous-url", url=_shown(url))
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return f"{scheme}://{netloc}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")


def _canonical_host(host: str, url: str) -> str:
    """A lower-case ASCII host name, or a canonical IP address."""
    host = host.rstrip(".").lower()
    if ":" in host:   # an IPv6 literal (brackets already removed); no zone ids
        try:
            return str(ipaddress.IPv6Address(host))
        except ValueError as exc:
            raise FetchRefused("ambiguous-url", url=_shown(url)) from exc
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise FetchRefused("ambiguous-url", url=_shown(url)) from exc
    if _NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]):
        # Only the dotted quad everyone reads alike (no leading zeros, four parts).
        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError as exc:
            raise FetchRefused("ambiguous-url", url=_shown(url)) from exc
    return host


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Reachable on the public internet: not loopback, private, link-local,
    shared (CGNAT), multicast, reserved or documentation, also when an IPv4
    address travels inside an IPv6 one."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if inner is None and address in _NAT64:
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is not None:
            return is_public(inner)
    return address.is_global and not address.is_multicast


def _allowed(hosts: Iterable[str] | str) -> frozenset[str]:
    if isinstance(hosts, str):   # a list option given as text (tests, environment variables)
        hosts = hosts.split()
    return frozenset(h.strip().rstrip(".").lower() for h in hosts if h and h.strip())


class _ConnectedAddressCheck:
    """Mixed into urllib3's connections: the socket's peer is checked as soon
    as TCP connects, before TLS or the request."""

    nakano_allowed: frozenset[str] = frozenset()
    host: str
    port: int

    def _new_conn(self) -> socket.socket:
        # urllib3 2's connection factory (stable across 1.x and 2.x; the hook a
        # subclass has to see the socket before anything is sent on it).
        sock = super()._new_conn()  # type: ignore[misc]
        if self.host.lower() in self.nakano_allowed:
            return sock
        try:
            address = ipaddress.ip_address(sock.getpeername()[0].split("%", 1)[0])
        except (OSError, ValueError):
            address = None
        if address is None or not is_public(address):
            sock.close()
            raise FetchRefused("private-address", host=self.host, address=str(address))
        return sock


class GuardedAdapter(HTTPAdapter):
    """A ``requests`` transport whose every connection passes the address check,
    and which sends only canonical http(s) URLs, never through a proxy."""

    def __init__(self, allowed_hosts: Iterable[str] = ()):
        self.allowed = _allowed(allowed_hosts)
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        check = {"nakano_allowed": self.allowed}
        http = type("GuardedHTTPConnection", (_ConnectedAddressCheck, HTTPConnection), check)
        https = type("GuardedHTTPSConnection", (_ConnectedAddressCheck, HTTPSConnection), check)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
        }

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        raise FetchRefused("fetch-failed", url=_shown(proxy), detail="proxy")

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        canonical_url(request.url or "")
        kwargs["proxies"] = {}
        return super().send(request, *args, **kwargs)


def guard(session: requests.Session, allowed_hosts: Iterable[str] = ()) -> requests.Session:
    """``session`` with every connection it opens (redirects included) checked;
    for sessions of code we do not own (ckanext-dcat's harvester)."""
    session.trust_env = False   # no proxy or .netrc from the environment
    adapter = GuardedAdapter(allowed_hosts)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def guarded_session(allowed_hosts: Iterable[str] = ()) -> requests.Session:
    return guard(requests.Session(), allowed_hosts)


def check_host(url: str, allowed_hosts: Iterable[str]) -> None:
    """An early answer without connecting: the URL is canonical and its host
    resolves only to public addresses (or is allowed). The connection is
    checked again whatever this said."""
    parsed = urlsplit(canonical_url(url))
    host = (parsed.hostname or "").lower()
    if host in _allowed(allowed_hosts):
        return
    try:
        infos = socket.getaddrinfo(host, parsed.port or (443 if parsed.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused("fetch-failed", url=_shown(url), detail=f"DNS: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not is_public(address):
            raise FetchRefused("private-address", host=host, address=str(address))


def open_url(url: str, allowed_hosts: Iterable[str], timeout: float,
             headers: dict[str, str] | None = None) -> requests.Response:
    """The final response (status 200, body not read) after following and
    re-checking up to MAX_REDIRECTS redirects."""
    session = guarded_session(allowed_hosts)
    for _ in range(MAX_REDIRECTS + 1):
        url = canonical_url(url)
        check_host(url, allowed_hosts)   # no connection at all to a name that resolves inside
        try:
            response = session.get(url, stream=True, timeout=timeout, allow_redirects=False, headers=headers)
        except requests.exceptions.SSLError as exc:
            raise FetchRefused("fetch-failed", url=_shown(url), detail="TLS") from exc
        except requests.RequestException as exc:
            raise FetchRefused("fetch-failed", url=_shown(url), detail=type(exc).__name__) from exc
        if response.is_redirect:
            location = response.headers.get("Location", "")
            response.close()
            url = urljoin(url, location)
            # A credential sent to the first host never follows a redirect elsewhere.
            if headers and urlsplit(url).netloc != urlsplit(response.url).netloc:
                headers = {k: v for k, v in headers.items() if k.lower() not in ("authorization", "cookie")}
            continue
        if response.status_code != 200:
            response.close()
            raise FetchRefused("fetch-failed", url=_shown(url), detail=f"HTTP {response.status_code}")
        return response
    raise FetchRefused("fetch-failed", url=_shown(url), detail="too many redirects")


def chunks(response: requests.Response, url: str, max_bytes: int, deadline: float | None) -> Iterator[bytes]:
    """Body chunks; ``read1`` returns whatever arrived, so a server that trickles
    bytes still meets the deadline (a per-read timeout alone would not)."""
    size = 0
    with response:
        raw = response.raw
        raw.decode_content = True
        while True:
            try:
                chunk = raw.read1(CHUNK)
            except Exception as exc:  # urllib3 read timeouts and broken connections
                raise FetchRefused("fetch-failed", url=_shown(url), detail=type(exc).__name__) from exc
            if not chunk:
                return
            size += len(chunk)
            if size > max_bytes:
                raise FetchRefused("too-large", size=f"> {max_bytes}", limit=max_bytes)
            if deadline is not None and time.monotonic() > deadline:
                raise FetchRefused("fetch-failed", url=_shown(url), detail="time limit")
            yield chunk


def safe_download(url: str, target: Path, *, max_bytes: int, allowed_hosts: Iterable[str],
                  timeout: float = 30, total_seconds: float | None = None) -> int:
    """Stream ``url`` into ``target``; returns the size. Redirects are re-checked.

    ``timeout`` bounds each wait for the server, ``total_seconds`` the whole download.
    """
    deadline = time.monotonic() + total_seconds if total_seconds else None
    response = open_url(url, allowed_hosts, timeout)
    size = 0
    with target.open("wb") as out:
        for chunk in chunks(response, url, max_bytes, deadline):
            size += len(chunk)
            out.write(chunk)
    return size


def safe_get(url: str, *, max_bytes: int, allowed_hosts: Iterable[str], timeout: float = 30,
             headers: dict[str, str] | None = None) -> tuple[bytes, str]:
    """A small document (a listing, an API page) in memory: (body, content type)."""
    response = open_url(url, allowed_hosts, timeout, headers)
    content_type = response.headers.get("Content-Type", "")
    deadline = time.monotonic() + max(timeout, 1) * 4
    return b"".join(chunks(response, url, max_bytes, deadline)), content_type


def probe(url: str, *, allowed_hosts: Iterable[str], timeout: float = 10) -> int:
    """Whether ``url`` answers (link checking): the final status after checked
    redirects, 200 on success; a refused address or failure raises FetchRefused.
    Only the headers are read."""
    response = open_url(url, allowed_hosts, timeout)
    response.close()
    return response.status_code


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
