"""Every outbound fetch goes through one guard (fetch.py) that refuses URLs
parsers read differently and checks the address actually connected to, on
every redirect, before anything is sent. xloader's job downloads through it.

Each refusal is checked on a loopback server that counts what reaches it: a
refused fetch must leave it at zero requests.
"""
from __future__ import annotations

import hashlib
import logging
import re
import socket

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers
from ckanext.xloader import jobs as xloader_jobs
from ckanext.xloader.job_exceptions import JobError

from ckanext.nakano import fetch, xloader_internals
from ckanext.nakano import messages

CSV = "町丁目,人口\n新井一丁目,1200\n".encode("utf-8")


def _forms(port: int) -> list[tuple[str, str]]:
    """(URL, expected code): parser-differential forms aimed at loopback."""
    return [
        (f"http://127.0.0.1:{port}\\@1.1.1.1/x.csv", "ambiguous-url"),          # backslash
        (f"http://127.0.0.1:{port}\\\\@1.1.1.1/x.csv", "ambiguous-url"),
        (f"http://1.1.1.1@127.0.0.1:{port}/x.csv", "credentials-in-url"),        # userinfo
        (f"http://user:pass@127.0.0.1:{port}/x.csv", "credentials-in-url"),
        (f"http://127.0.0.1%2f@1.1.1.1:{port}/x.csv", "credentials-in-url"),     # percent-encoding
        (f"http://%31%32%37.0.0.1:{port}/x.csv", "ambiguous-url"),
        (f"http://127.0.0.1:{port}/\tx.csv", "ambiguous-url"),                  # tab, newline, CR
        (f"http://1.1.1.1\n@127.0.0.1:{port}/x.csv", "ambiguous-url"),
        (f"http://127.0.0.1:{port}/x.csv\r\nX: y", "ambiguous-url"),
        (f" http://127.0.0.1:{port}/x.csv", "ambiguous-url"),
        (f"http://2130706433:{port}/x.csv", "ambiguous-url"),                   # decimal, octal, hex, short
        (f"http://0177.0.0.1:{port}/x.csv", "ambiguous-url"),
        (f"http://0x7f.0.0.1:{port}/x.csv", "ambiguous-url"),
        (f"http://0x7f000001:{port}/x.csv", "ambiguous-url"),
        (f"http://127.1:{port}/x.csv", "ambiguous-url"),
        (f"http://127\u30020\u30020\u30021:{port}/x.csv", "ambiguous-url"),   # ideographic full stops
        (f"http://[::1%25lo]:{port}/x.csv", "ambiguous-url"),                   # IPv6 zone id
        (f"http://127.0.0.1:{port}:80/x.csv", "ambiguous-url"),
        (f"file:///etc/passwd", "not-http"),
        (f"gopher://127.0.0.1:{port}/_x", "not-http"),
        (f"javascript:alert(1)//127.0.0.1:{port}", "not-http"),
    ]


def _connecting_forms(port: int) -> list[str]:
    """Forms that are well-formed but connect to loopback: refused at connect."""
    return [
        f"http://127.0.0.1:{port}/x.csv",
        f"http://localhost:{port}/x.csv",
        f"http://0.0.0.0:{port}/x.csv",
        f"http://127.0.0.1:{port}#@1.1.1.1/x.csv",                  # fragment
        f"http://LOCALHOST.:{port}/x.csv",
        f"http://[::ffff:127.0.0.1]:{port}/x.csv",                  # IPv4-mapped IPv6
        f"http://[::ffff:7f00:1]:{port}/x.csv",
        f"http://[::1]:{port}/x.csv",
    ]


@pytest.fixture()
def target(recorder):
    server = recorder()
    server.routes["/x.csv"] = (200, {"Content-Type": "text/csv"}, b"internal,secret\n")
    return server


def test_parser_differential_forms_are_refused_before_any_connection(target, tmp_path):
    for url, code in _forms(target.port):
        with pytest.raises(fetch.FetchRefused) as err:
            fetch.safe_download(url, tmp_path / "out", max_bytes=1000, allowed_hosts=set())
        assert err.value.code == code, url
    assert target.requests == []
    assert not (tmp_path / "out").exists()


def test_addresses_are_checked_where_the_socket_connects(target, tmp_path):
    # Also on IPv6: a dual-stack listener on the same port makes [::1] and ::ffff:127.0.0.1 connect.
    six = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    six.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    try:
        six.bind(("::1", target.port))
        six.listen(5)
    except OSError:
        six.close()
        six = None
    try:
        for url in _connecting_forms(target.port):
            if six is None and "[::1]" in url:
                continue
            with pytest.raises(fetch.FetchRefused) as err:
                fetch.safe_download(url, tmp_path / "out", max_bytes=1000, allowed_hosts=set())
            assert err.value.code in ("private-address", "fetch-failed"), (url, err.value)
            if err.value.code == "fetch-failed":   # nothing listening there: still nothing sent
                assert "ConnectionError" in str(err.value.values.get("detail")), (url, err.value)
    finally:
        if six is not None:
            six.close()
    assert target.requests == []


@pytest.mark.parametrize("address,public", [
    ("127.0.0.1", False), ("10.0.0.1", False), ("172.16.0.1", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False),
    ("::1", False), ("fe80::1", False), ("fc00::1", False), ("::ffff:127.0.0.1", False),
    ("2002:7f00:1::", False), ("64:ff9b::7f00:1", False), ("2001:0:4136:e378:8000:63bf:80ff:fffe", False),
    ("93.184.216.34", True), ("2606:4700:4700::1111", True), ("::ffff:93.184.216.34", True),
])
def test_what_counts_as_public(address, public):
    import ipaddress

    assert fetch.is_public(ipaddress.ip_address(address)) is public


def test_canonical_url_keeps_what_is_plain():
    assert fetch.canonical_url("HTTPS://Example.JP/データ/a.csv?x=1#top") == "https://example.jp/データ/a.csv?x=1"
    assert fetch.canonical_url("http://[2606:4700::1111]:8080/a") == "http://[2606:4700::1111]:8080/a"
    assert fetch.canonical_url("http://xn--eckwd4c7c.xn--zckzah/a") == "http://xn--eckwd4c7c.xn--zckzah/a"
    assert fetch.canonical_url("http://例え.テスト/a") == "http://xn--r8jz45g.xn--zckzah/a"


def test_a_redirect_to_an_internal_address_is_refused_before_it_is_followed(recorder, tmp_path):
    inside = recorder()
    inside.routes["/secret"] = (200, {}, b"private")
    front = recorder()   # an allowed host (by name) that redirects inside
    front.routes["/x.csv"] = (302, {"Location": inside.url("/secret")}, b"")
    front.routes["/to-file"] = (302, {"Location": "file:///etc/passwd"}, b"")
    front.routes["/to-differential"] = (302, {"Location": f"http://127.0.0.1:{inside.port}\\@1.1.1.1/secret"}, b"")
    for path, code in (("/x.csv", "private-address"), ("/to-file", "not-http"),
                       ("/to-differential", "ambiguous-url")):
        with pytest.raises(fetch.FetchRefused) as err:
            fetch.safe_download(front.url(path, host="localhost"), tmp_path / "out", max_bytes=1000,
                                allowed_hosts={"localhost"})
        assert err.value.code == code
    assert len(front.requests) == 3 and inside.requests == []
    # requests following redirects itself, with the guarded session: the same check.
    with pytest.raises(fetch.FetchRefused):
        fetch.guarded_session({"localhost"}).get(front.url("/x.csv", host="localhost"), timeout=5)
    assert inside.requests == []


def test_dns_rebinding_is_refused_before_the_request_is_sent(target, tmp_path, monkeypatch):
    """A name resolving to a public address for the check and to loopback for
    the connection (a rebinding DNS server, played here by getaddrinfo)."""
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34"])

    def rebinding(host, *args, **kwargs):
        if host == "rebind.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers, "127.0.0.1"), target.port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    fetch.check_host(f"http://rebind.example:{target.port}/x.csv", set())   # the early check saw a public address
    with pytest.raises(fetch.FetchRefused) as err:
        fetch.safe_download(f"http://rebind.example:{target.port}/x.csv", tmp_path / "out", max_bytes=1000,
                            allowed_hosts=set())
    assert err.value.code == "private-address" and err.value.values["address"] == "127.0.0.1"
    assert target.requests == []


def test_a_credential_never_follows_a_redirect_to_another_host(recorder):
    second = recorder()
    second.routes["/data"] = (200, {}, b"ok")
    first = recorder()
    first.routes["/data"] = (302, {"Location": second.url("/data", host="localhost")}, b"")
    seen = []
    original = second.server.RequestHandlerClass.do_GET

    def spy(handler):
        seen.append(handler.headers.get("Authorization"))
        original(handler)

    second.server.RequestHandlerClass.do_GET = spy
    body, _ = fetch.safe_get(first.url("/data"), max_bytes=100, allowed_hosts={"127.0.0.1", "localhost"},
                             headers={"Authorization": "secret-token"})
    assert body == b"ok" and seen == [None]


@pytest.mark.ckan_config("ckanext.nakano.fetch.allowed_hosts", "localhost")
def test_the_datastore_loader_downloads_through_the_guard(recorder, caplog):
    """xloader's own download (requests.get, redirects followed unchecked) is
    replaced: the same refusals, as a job error a clerk can read."""
    inside = recorder()
    inside.routes["/select"] = (200, {}, b"name,title\nprivate-1,secret\n")
    front = recorder()
    front.routes["/x.csv"] = (302, {"Location": inside.url("/select")}, b"")
    front.routes["/ok.csv"] = (200, {"Content-Type": "text/csv"}, CSV)
    assert xloader_jobs._download_resource_data is xloader_internals.download
    logger = logging.getLogger("test-xloader-job")
    for url in (front.url("/x.csv", host="localhost"), f"http://127.0.0.1:{inside.port}\\@1.1.1.1/select",
                inside.url("/select")):
        with pytest.raises(JobError) as err:
            xloader_jobs._download_resource_data({"url": url, "url_type": ""}, {}, "token", logger)
        said = messages.readable(str(err.value))     # stored coded, said in the reader's language
        assert "取得しません" in said or "読み方が一つに決まらない" in said, said
    assert inside.requests == []
    data: dict = {}
    tmp, digest = xloader_jobs._download_resource_data({"url": front.url("/ok.csv", host="localhost")}, data,
                                                       "token", logger)
    assert tmp.read() == CSV and digest == hashlib.md5(CSV).hexdigest()
    assert data["datastore_contains_all_records_of_source_file"] is True


def test_the_datastore_loader_reads_uploads_from_storage_without_a_token(clean_db, create_with_upload, recorder):
    user = factories.Sysadmin()
    org = factories.Organization()
    pkg = factories.Dataset(owner_org=org["id"], category="その他", license_id="cc-by", private=True)
    resource = create_with_upload(CSV, "population.csv", context={"user": user["name"]}, package_id=pkg["id"],
                                  format="CSV")
    tmp, digest = xloader_internals.download(resource, {}, None, logging.getLogger("t"))
    assert tmp.read() == CSV and digest == hashlib.md5(CSV).hexdigest()


def test_a_resource_url_that_parsers_read_differently_is_refused_on_save(clean_db, recorder):
    user = factories.Sysadmin()
    org = factories.Organization()
    pkg = factories.Dataset(owner_org=org["id"], category="その他", license_id="cc-by")
    for url, _code in _forms(8983):
        if url.startswith(" "):   # CKAN strips the space: a plain loopback URL, refused when fetched
            continue
        with pytest.raises(tk.ValidationError) as err:
            helpers.call_action("resource_create", context={"user": user["name"]}, package_id=pkg["id"],
                                url=url.strip(), format="CSV")
        message = str(err.value.error_dict)
        assert "URL" in message and re.search("[ぁ-んァ-ン]", message), (url, message)   # in the site's language
