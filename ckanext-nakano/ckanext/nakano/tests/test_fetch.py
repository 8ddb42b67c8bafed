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
