"""nginx in front of the portal (docker/nginx/templates, run by scripts/services.sh
for `make up` as the nginx image runs it in docker): security headers, uploads
never active content, request size limit, API rate limit, cached static assets."""
from __future__ import annotations

import re
import socket
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def front(portal) -> str:
    url = f"http://127.0.0.1:{portal['ports']['nginx']}"
    assert requests.get(url + "/api/3/action/status_show", timeout=30).status_code == 200
    return url


def test_security_headers_on_pages_api_and_errors(front):
    for path in ("/", "/dataset/", "/api/3/action/package_list", "/no-such-page"):
        answer = requests.get(front + path, timeout=60)
        assert answer.status_code in (200, 404), path
        assert answer.headers["X-Content-Type-Options"] == "nosniff", path
        assert answer.headers["X-Frame-Options"] == "SAMEORIGIN", path
        assert answer.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        assert "frame-ancestors 'self'" in answer.headers["Content-Security-Policy"], path
        assert answer.headers.get("Server") == "nginx", path  # no version


def test_uploaded_files_are_sandboxed(front):
    """An uploaded file (here a CSV of 「ポータル利用統計」) comes with a sandbox CSP,
    so that an uploaded HTML or SVG file cannot run script in the portal's origin."""
    pkg = requests.get(front + "/api/3/action/package_show", params={"id": "portal-usage-statistics"},
                       timeout=60).json()["result"]
    upload = next(r for r in pkg["resources"] if r["url_type"] == "upload")
    answer = requests.get(front + urlsplit(upload["url"]).path, timeout=60)
    assert answer.status_code == 200 and answer.content
    assert answer.headers["Content-Security-Policy"].startswith("sandbox;")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_request_larger_than_uploads_allow_is_refused_before_ckan(front):
    host, port = urlsplit(front).hostname, urlsplit(front).port
    with socket.create_connection((host, port), timeout=30) as conn:
        conn.sendall(b"POST /api/3/action/resource_create HTTP/1.1\r\nHost: portal\r\n"
                     b"Content-Type: application/octet-stream\r\nContent-Length: 106954753\r\n\r\n")
        status = conn.recv(200).decode("latin-1")
    assert status.startswith("HTTP/1.1 413"), status
    small = requests.post(front + "/api/3/action/package_search", json={"rows": 1}, timeout=60)
    assert small.status_code == 200


def test_api_is_rate_limited_but_pages_are_not(front):
    def call(path: str) -> int:
        return requests.get(front + path, timeout=60).status_code

    with ThreadPoolExecutor(20) as pool:
        api = list(pool.map(call, ["/api/3/action/status_show"] * 200))
    assert set(api) <= {200, 429} and api.count(429) > 0 and api.count(200) >= 40   # burst 40
    with ThreadPoolExecutor(20) as pool:
        pages = list(pool.map(call, ["/robots.txt"] * 100))
    assert pages.count(200) == 100


def test_static_assets_are_cached_by_nginx(front):
    home = requests.get(front + "/", timeout=60).text
    asset = re.search(r'href="(/webassets/[^"]+\.css)"', home).group(1)
    first = requests.get(front + asset, timeout=60)
    second = requests.get(front + asset, timeout=60)
    assert first.status_code == second.status_code == 200
    assert first.headers["X-Cache-Status"] in ("MISS", "HIT") and second.headers["X-Cache-Status"] == "HIT"
    assert "max-age=604800" in second.headers["Cache-Control"] and "Set-Cookie" not in second.headers
    assert second.content == first.content
