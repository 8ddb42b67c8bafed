"""Downloads of remote files (resource URLs, harvest sources) that cannot be
turned against the ward's own network: private, loopback, link-local and
other non-public addresses are refused unless the host is explicitly allowed.
"""
from __future__ import annotations

import hashlib
import ipaddress
import socket
import time
from pathlib import Path
from urllib.parse import urljoin, urlparse

import requests

MAX_REDIRECTS = 5
CHUNK = 1 << 16


class FetchRefused(Exception):
    """``code`` names a validation message; ``values`` fill it."""

    def __init__(self, code: str, **values: object):
        super().__init__(f"{code}: {values}")
        self.code, self.values = code, values


def check_host(url: str, allowed_hosts: set[str]) -> None:
    """Refuse a URL whose host resolves to a non-public address (unless allowed)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise FetchRefused("not-http", url=url)
    host = parsed.hostname
    if host in allowed_hosts:
        return
    try:
        infos = socket.getaddrinfo(host, parsed.port or (443 if parsed.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise FetchRefused("fetch-failed", url=url, detail=f"DNS: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise FetchRefused("private-address", host=host, address=str(address))


def _check_peer(response: requests.Response, url: str, allowed_hosts: set[str]) -> None:
    """The address actually connected to must pass the same rule: a name that
    resolved to a public address for the check and to a private one for the
    connection (DNS rebinding) is refused before its answer is read."""
    host = urlparse(url).hostname or ""
    if host in allowed_hosts:
        return
    # urllib3 2 keeps the socket on http.client's reader; unknown → refused (fail closed).
    sock = getattr(getattr(response.raw, "_connection", None), "sock", None) or getattr(
        getattr(getattr(getattr(response.raw, "_fp", None), "fp", None), "raw", None), "_sock", None)
    address = ipaddress.ip_address(sock.getpeername()[0]) if sock else None
    if address is None or not address.is_global:
        response.close()
        raise FetchRefused("private-address", host=host, address=str(address))


def _open(url: str, allowed_hosts: set[str], timeout: float,
          headers: dict[str, str] | None = None) -> requests.Response:
    """The final response after following (and re-checking) redirects."""
    for _ in range(MAX_REDIRECTS + 1):
        check_host(url, allowed_hosts)
        try:
            response = requests.get(url, stream=True, timeout=timeout, allow_redirects=False,
                                    headers=headers)
        except requests.exceptions.SSLError as exc:
            raise FetchRefused("fetch-failed", url=url, detail="TLS") from exc
        except requests.RequestException as exc:
            raise FetchRefused("fetch-failed", url=url, detail=type(exc).__name__) from exc
        _check_peer(response, url, allowed_hosts)
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            response.close()
            continue
        if response.status_code != 200:
            response.close()
            raise FetchRefused("fetch-failed", url=url, detail=f"HTTP {response.status_code}")
        return response
    raise FetchRefused("fetch-failed", url=url, detail="too many redirects")


def _chunks(response: requests.Response, url: str, max_bytes: int, deadline: float | None):
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
                raise FetchRefused("fetch-failed", url=url, detail=type(exc).__name__) from exc
            if not chunk:
                return
            size += len(chunk)
            if size > max_bytes:
                raise FetchRefused("too-large", size=f"> {max_bytes}", limit=max_bytes)
            if deadline is not None and time.monotonic() > deadline:
                raise FetchRefused("fetch-failed", url=url, detail="time limit")
            yield chunk


def safe_download(url: str, target: Path, *, max_bytes: int, allowed_hosts: set[str],
                  timeout: float = 30, total_seconds: float | None = None) -> int:
    """Stream ``url`` into ``target``; returns the size. Redirects are re-checked.

    ``timeout`` bounds each wait for the server, ``total_seconds`` the whole download.
    """
    deadline = time.monotonic() + total_seconds if total_seconds else None
    response = _open(url, allowed_hosts, timeout)
    size = 0
    with target.open("wb") as out:
        for chunk in _chunks(response, url, max_bytes, deadline):
            size += len(chunk)
            out.write(chunk)
    return size


def safe_get(url: str, *, max_bytes: int, allowed_hosts: set[str], timeout: float = 30,
             headers: dict[str, str] | None = None) -> tuple[bytes, str]:
    """A small document (a listing, an API page) in memory: (body, content type)."""
    response = _open(url, allowed_hosts, timeout, headers)
    content_type = response.headers.get("Content-Type", "")
    deadline = time.monotonic() + max(timeout, 1) * 4
    return b"".join(_chunks(response, url, max_bytes, deadline)), content_type


def probe(url: str, *, allowed_hosts: set[str], timeout: float = 10) -> int:
    """Whether ``url`` answers (link checking): the final status after checked
    redirects, 200 on success; a refused address or failure raises FetchRefused.
    Only the headers are read."""
    response = _open(url, allowed_hosts, timeout)
    response.close()
    return response.status_code


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
