"""nginx in front of the portal (docker/nginx/templates, run by scripts/services.sh
for `make up` as the nginx image runs it in docker): security headers, uploads
never active content, request size limit, API rate limit, cached static assets."""
from __future__ import annotations

import re
import socket
import time
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
    """An uploaded file (here a CSV of 「ポータル利用統計」) comes with a sandbox CSP
    as a download, under every locale prefix and with or without its file name,
    so that an uploaded HTML or SVG file cannot run script in the portal's origin."""
    pkg = requests.get(front + "/api/3/action/package_show", params={"id": "portal-usage-statistics"},
                       timeout=60).json()["result"]
    upload = next(r for r in pkg["resources"] if r["url_type"] == "upload")
    path = urlsplit(upload["url"]).path
    without_name = path.rsplit("/", 1)[0]
    for variant in (path, "/en" + path, "/ja" + path, without_name, "/en" + without_name,
                    f"/datastore/dump/{upload['id']}", f"/en/datastore/dump/{upload['id']}?format=json"):
        answer = requests.get(front + variant, timeout=60)
        assert answer.status_code == 200 and answer.content, variant
        policies = answer.headers["Content-Security-Policy"]
        assert policies.startswith("sandbox;") and "script-src 'self'" not in policies, variant
        assert answer.headers["Content-Disposition"].startswith("attachment"), variant
        assert answer.headers["X-Content-Type-Options"] == "nosniff", variant


def test_pages_carry_a_script_policy(front):
    for path in ("/", "/en/dataset/", "/user/login"):
        policy = requests.get(front + path, timeout=60).headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "sandbox" not in policy, path
    # nginx's own answers (a 404 of a static file nginx looks up is CKAN's; a 413 is nginx's).
    answer = requests.post(front + "/api/3/action/resource_create", data=b"x" * (102 * 1024 * 1024), timeout=120)
    assert answer.status_code == 413 and "default-src 'none'" in answer.headers["Content-Security-Policy"]


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
    def call(path: str) -> requests.Response:
        return requests.get(front + path, timeout=60)

    for prefix in ("", "/en", "/ja", "/zh_Hans_CN"):
        with ThreadPoolExecutor(20) as pool:
            api = list(pool.map(call, [prefix + "/api/3/action/status_show"] * 200))
        codes = [a.status_code for a in api]
        # /zh_Hans_CN is no locale of this portal: CKAN answers 404, but only after nginx's limit.
        answered = 200 if prefix != "/zh_Hans_CN" else 404
        assert set(codes) <= {answered, 429} and codes.count(429) > 0 and codes.count(answered) >= 40, prefix
        limited = next(a for a in api if a.status_code == 429)
        assert limited.headers["Retry-After"] == "1" and limited.headers["Content-Type"].startswith("application/json")
        assert limited.json()["success"] is False and "1秒後" in limited.json()["error"]["message"]
        time.sleep(3)   # the bucket refills
    with ThreadPoolExecutor(20) as pool:
        pages = list(pool.map(call, ["/robots.txt"] * 100))
    assert [p.status_code for p in pages].count(200) == 100


def test_login_attempts_are_limited_per_client_with_a_japanese_answer(front):
    page = requests.get(front + "/user/login", timeout=60)
    assert page.status_code == 200
    # A new account name each time: CKAN's own count per account (login_throttle.py) stays out of it.
    answers = [requests.post(front + prefix + "/user/login", data={"login": f"nobody-{n}", "password": "x"},
                             timeout=60, allow_redirects=False)
               for n, prefix in enumerate(("", "/en") * 8)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited, [a.status_code for a in answers]
    assert "秒ほど待って" in limited[0].text and int(limited[0].headers["Retry-After"]) > 0
    assert requests.get(front + "/user/login", timeout=60).status_code == 200   # reading the form is not limited


def test_static_assets_are_cached_by_nginx(front):
    home = requests.get(front + "/", timeout=60).text
    asset = re.search(r'href="(/webassets/[^"]+\.css)"', home).group(1)
    first = requests.get(front + asset, timeout=60)
    second = requests.get(front + asset, timeout=60)
    assert first.status_code == second.status_code == 200
    assert first.headers["X-Cache-Status"] in ("MISS", "HIT") and second.headers["X-Cache-Status"] == "HIT"
    assert "max-age=604800" in second.headers["Cache-Control"] and "Set-Cookie" not in second.headers
    assert second.content == first.content
