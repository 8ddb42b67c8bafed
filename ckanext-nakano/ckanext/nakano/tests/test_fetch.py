"""Remote downloads refuse non-public addresses unless a host is allowed."""
from __future__ import annotations

import pytest

from ckanext.nakano.fetch import FetchRefused, safe_download


@pytest.mark.parametrize("url,code", [
    ("http://127.0.0.1/data.csv", "private-address"),
    ("http://localhost/data.csv", "private-address"),
    ("http://10.1.2.3/data.csv", "private-address"),
    ("http://192.168.0.10/data.csv", "private-address"),
    ("http://169.254.169.254/latest/meta-data/", "private-address"),
    ("http://[::1]/data.csv", "private-address"),
    ("file:///etc/passwd", "not-http"),
    ("ftp://example.org/data.csv", "not-http"),
])
def test_refused_before_any_connection(tmp_path, url, code):
    with pytest.raises(FetchRefused) as err:
        safe_download(url, tmp_path / "x", max_bytes=1000, allowed_hosts=set())
    assert err.value.code == code
    assert not (tmp_path / "x").exists()


def test_size_limit_is_enforced_while_streaming(tmp_path, local_http):
    (tmp_path / "big.csv").write_bytes(b"a,b\n" * 10_000)
    url = f"{local_http}/big.csv"
    with pytest.raises(FetchRefused) as err:
        safe_download(url, tmp_path / "out", max_bytes=1000, allowed_hosts={"127.0.0.1"})
    assert err.value.code == "too-large"
    assert safe_download(url, tmp_path / "ok", max_bytes=10**6, allowed_hosts={"127.0.0.1"}) == 40_000


def test_dns_rebinding_is_refused_before_the_answer_is_read(tmp_path, local_http, monkeypatch):
    """A name that resolves to a public address for the check and to loopback for the
    connection (a rebinding DNS server, played here by getaddrinfo) is refused."""
    import socket

    real = socket.getaddrinfo
    port = int(local_http.rsplit(":", 1)[1])
    answers = iter(["93.184.216.34"])   # first answer public, then the loopback server

    def rebinding(host, *args, **kwargs):
        if host == "rebind.example":
            address = next(answers, "127.0.0.1")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    (tmp_path / "secret.csv").write_text("internal,data\n", encoding="utf-8")
    with pytest.raises(FetchRefused) as err:
        safe_download(f"http://rebind.example:{port}/secret.csv", tmp_path / "out", max_bytes=1000,
                      allowed_hosts=set())
    assert err.value.code == "private-address" and err.value.values["address"] == "127.0.0.1"
    assert not (tmp_path / "out").exists()
