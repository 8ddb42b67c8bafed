"""nginx in front of the portal (docker/nginx/templates, run by scripts/services.sh
for `make up` as the nginx image runs it in docker): security headers, uploads
never active content, request size limit, API rate limit, static assets compressed
and cached, pages compressed, a Japanese page while CKAN is down."""
from __future__ import annotations

import gzip
import re
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import brotli
import pytest
import requests

from ckanext.nakano.tests.conftest import ROOT

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def front(portal) -> str:
    url = f"http://127.0.0.1:{portal['ports']['nginx']}"
    assert requests.get(url + "/api/3/action/status_show", timeout=30).status_code == 200
    return url


def _usage_statistics_table(front: str) -> tuple[dict, dict]:
    """「ポータル利用統計」 and its first uploaded file, once the worker has loaded it into the
    DataStore: on a fresh portal it is still busy with the demo catalog's jobs for a few minutes."""
    pkg = requests.get(front + "/api/3/action/package_show", params={"id": "portal-usage-statistics"},
                       timeout=60).json()["result"]
    upload = next(r for r in pkg["resources"] if r["url_type"] == "upload")
    deadline = time.monotonic() + 900
    while not requests.get(front + "/api/3/action/resource_show", params={"id": upload["id"]},
                           timeout=60).json()["result"].get("datastore_active"):
        assert time.monotonic() < deadline, "the worker did not load the usage statistics into the DataStore"
        time.sleep(5)
    return pkg, upload


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
    pkg, upload = _usage_statistics_table(front)
    path = urlsplit(upload["url"]).path
    without_name = path.rsplit("/", 1)[0]
    for variant in (path, "/en" + path, "/ja" + path, without_name, "/en" + without_name,
                    f"/datastore/dump/{upload['id']}", f"/en/datastore/dump/{upload['id']}?format=json",
                    *(f"{prefix}/dataset/{pkg['id']}/resource/{upload['id']}/{copy}.csv"
                      for prefix in ("", "/vi") for copy in ("excel", "table"))):   # (a UTF-8 file has no utf8 copy)
        answer = requests.get(front + variant, timeout=60)
        assert answer.status_code == 200 and answer.content, variant
        policies = answer.headers["Content-Security-Policy"]
        assert policies.startswith("sandbox;") and "script-src 'self'" not in policies, variant
        assert answer.headers["Content-Disposition"].startswith("attachment"), variant
        assert answer.headers["X-Content-Type-Options"] == "nosniff", variant


def test_only_the_chart_embed_page_may_be_framed_by_the_ward_site(front):
    """The chart-only page is framed by the ward's pages (its policy names them, and nginx sends
    no X-Frame-Options that would forbid it); the builder, its CSV and SVG are not."""
    pkg, table = _usage_statistics_table(front)
    base = f"/dataset/{pkg['name']}/resource/{table['id']}/chart"
    for prefix in ("", "/en"):
        embed = requests.get(front + prefix + base + "/embed", timeout=60)
        assert embed.status_code == 200 and "X-Frame-Options" not in embed.headers, prefix
        assert "frame-ancestors 'self' https://www.city.tokyo-nakano.lg.jp" in embed.headers["Content-Security-Policy"]
        builder = requests.get(front + prefix + base, timeout=60)
        assert builder.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert re.search(r"frame-ancestors 'self'(;|$)", builder.headers["Content-Security-Policy"])
    columns = requests.get(front + "/api/3/action/nakano_chart_columns", params={"resource_id": table["id"]},
                           timeout=60).json()["result"]
    x = next(c["name"] for c in columns if c["kind"] in ("text", "date"))
    for download in ("chart.csv", "chart.svg"):
        answer = requests.get(front + base.rsplit("/", 1)[0] + "/" + download, params={"x": x}, timeout=60)
        assert answer.status_code == 200 and answer.headers["Content-Security-Policy"].startswith("sandbox;"), download
        assert answer.headers["Content-Disposition"].startswith("attachment"), download


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

    for prefix in ("", "/en", "/ja", "/zh_Hans_CN", "/fr"):
        with ThreadPoolExecutor(20) as pool:
            api = list(pool.map(call, [prefix + "/api/3/action/status_show"] * 200))
        codes = [a.status_code for a in api]
        # /fr is no locale of this portal: CKAN answers 404, but only after nginx's limit.
        answered = 200 if prefix != "/fr" else 404
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


def test_account_registration_is_limited_per_client_like_logins(front):
    assert requests.get(front + "/user/register", timeout=60).status_code == 200   # residents may register
    answers = [requests.post(front + prefix + "/user/register", data={"name": f"flood-{n}"}, timeout=60,
                             allow_redirects=False) for n, prefix in enumerate(("", "/en") * 8)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited, [a.status_code for a in answers]
    assert "アカウント作成" in limited[0].text and int(limited[0].headers["Retry-After"]) > 0


def test_static_assets_are_cached_by_nginx(front):
    home = requests.get(front + "/", timeout=60).text
    asset = re.search(r'href="(/webassets/[^"]+\.css)"', home).group(1)
    first = requests.get(front + asset, timeout=60)
    second = requests.get(front + asset, timeout=60)
    assert first.status_code == second.status_code == 200
    assert first.headers["X-Cache-Status"] in ("MISS", "HIT") and second.headers["X-Cache-Status"] == "HIT"
    assert "Set-Cookie" not in second.headers
    assert second.content == first.content


def _raw(url: str, encoding: str) -> requests.Response:
    """The answer as sent (not decompressed by requests), body in ``.sent``."""
    answer = requests.get(url, headers={"Accept-Encoding": encoding}, timeout=60, stream=True)
    answer.sent = answer.raw.read(decode_content=False)
    return answer


def _decoded(answer: requests.Response) -> bytes:
    coding = answer.headers.get("Content-Encoding", "")
    return {"br": brotli.decompress, "gzip": gzip.decompress}.get(coding, lambda data: data)(answer.sent)


def test_text_assets_are_compressed_and_bundles_kept_a_year(front):
    """Every CSS/JS bundle of the home page (CKAN's vendor.js among them, sent as
    text/javascript) goes out as Brotli or gzip, whichever the browser takes, and
    under its hashed name may stay a year in the browser's cache; nginx keeps
    one copy per encoding."""
    home = requests.get(front + "/", timeout=60).text
    bundles = sorted(set(re.findall(r'(?:src|href)="(/webassets/[^"?]+\.(?:js|css))', home)))
    assert any(b.endswith(".js") for b in bundles) and any(b.endswith(".css") for b in bundles), bundles
    for bundle in bundles:
        plain = _raw(front + bundle, "identity")
        assert plain.status_code == 200 and "Content-Encoding" not in plain.headers, bundle
        for offered, expected in (("gzip, deflate, br, zstd", "br"), ("gzip, deflate", "gzip")):
            for attempt in ("MISS", "HIT"):
                sent = _raw(front + bundle, offered)
                assert sent.headers.get("Content-Encoding") == expected, (bundle, offered, sent.headers)
                assert _decoded(sent) == plain.sent, (bundle, expected)
                assert "Accept-Encoding" in sent.headers.get("Vary", ""), (bundle, sent.headers)
                if attempt == "HIT":
                    assert sent.headers["X-Cache-Status"] == "HIT", (bundle, offered)
            if len(plain.sent) > 20_000:   # CSS and minified JS: at most a third of their size
                assert len(sent.sent) <= 0.34 * len(plain.sent), (bundle, expected, len(sent.sent), len(plain.sent))
            control = sent.headers["Cache-Control"]
            assert "max-age=31536000" in control and "immutable" in control, (bundle, control)
    # Files whose names do not change with their content stay a week, and are not "immutable".
    image = re.search(r'(?:src|href)="(/base/[^"?]+)"', home) or re.search(r'url\((/base/[^)]+)\)', home)
    other = requests.get(front + (image.group(1) if image else "/base/images/ckan.ico"), timeout=60)
    assert "max-age=604800" in other.headers["Cache-Control"] and "immutable" not in other.headers["Cache-Control"]


def test_pages_and_api_answers_are_compressed(front):
    for path in ("/", "/en/dataset/", "/about", "/api/3/action/package_search?rows=5", "/catalog.ttl"):
        plain = _raw(front + path, "identity")
        sent = _raw(front + path, "gzip, deflate, br")
        assert sent.status_code == 200 and sent.headers.get("Content-Encoding") == "gzip", (path, sent.headers)
        assert "Accept-Encoding" in sent.headers.get("Vary", ""), path
        assert len(sent.sent) <= 0.5 * len(plain.sent), (path, len(sent.sent), len(plain.sent))
        assert "immutable" not in sent.headers.get("Cache-Control", ""), path


def test_pages_while_ckan_is_down_say_so_in_japanese(front, portal):
    """CKAN stopped behind nginx: pages get a 503 page in Japanese (English
    below) with a way on, API clients JSON; never nginx's "502 Bad Gateway"."""
    services = [str(ROOT / "scripts" / "services.sh")]
    subprocess.run(services + ["stop", "ckan"], env=portal["env"], check=True, capture_output=True, timeout=180)
    try:
        page = requests.get(front + "/dataset/", timeout=60)
        assert page.status_code == 503 and int(page.headers["Retry-After"]) > 0
        assert page.headers["Content-Type"].startswith("text/html") and '<html lang="ja">' in page.text
        assert "ただいまページを表示できません" in page.text and 'href="/"' in page.text
        assert "https://www.city.tokyo-nakano.lg.jp/" in page.text and "Bad Gateway" not in page.text
        assert page.headers["X-Content-Type-Options"] == "nosniff" and "default-src 'none'" in \
            page.headers["Content-Security-Policy"]
        api = requests.get(front + "/en/api/3/action/status_show", timeout=60)
        assert api.status_code == 503 and api.json()["success"] is False and "30秒" in api.json()["error"]["message"]
    finally:
        subprocess.run(services + ["start", "ckan"], env=portal["env"], check=True, capture_output=True, timeout=300)
    assert requests.get(front + "/dataset/", timeout=60).status_code == 200
