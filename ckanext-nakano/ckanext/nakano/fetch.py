"""Downloads of remote files (resource URLs, harvest sources) that cannot be
turned against the ward's own network: private, loopback, link-local and
other non-public addresses are refused unless the host is explicitly allowed.
"""
from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from urllib.parse import urljoin, urlparse

import requests

MAX_REDIRECTS = 5


class FetchRefused(Exception):
    """``code`` names a validation message; ``values`` fill it."""

    def __init__(self, code: str, **values: object):
        super().__init__(f"{code}: {values}")
        self.code, self.values = code, values


def _check_host(url: str, allowed_hosts: set[str]) -> None:
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


def safe_download(url: str, target: Path, *, max_bytes: int, allowed_hosts: set[str],
                  timeout: float = 30) -> int:
    """Stream ``url`` into ``target``; returns the size. Redirects are re-checked."""
    for _ in range(MAX_REDIRECTS + 1):
        _check_host(url, allowed_hosts)
        try:
            response = requests.get(url, stream=True, timeout=timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise FetchRefused("fetch-failed", url=url, detail=type(exc).__name__) from exc
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            response.close()
            continue
        if response.status_code != 200:
            raise FetchRefused("fetch-failed", url=url, detail=f"HTTP {response.status_code}")
        size = 0
        with response, target.open("wb") as out:
            for chunk in response.iter_content(1 << 16):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchRefused("too-large", size=f"> {max_bytes}", limit=max_bytes)
                out.write(chunk)
        return size
    raise FetchRefused("fetch-failed", url=url, detail="too many redirects")
