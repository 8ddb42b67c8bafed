"""CSS/JS bundles sent precompressed by CKAN itself (precompressed.py): Brotli or
gzip as the browser accepts, the same bytes once decompressed, and the bundle
as it is when its folder cannot hold the compressed copies (in-process)."""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest

from ckan.lib.webassets_tools import get_webassets_path

pytestmark = [pytest.mark.usefixtures("with_request_context"), pytest.mark.services]


def _bundle(app, suffix: str) -> str:
    home = app.get("/").body
    return next(url for url in re.findall(r'(?:src|href)="(/webassets/[^"?]+)"', home)
                if url.endswith(suffix) and "vendor" in url)


@pytest.mark.parametrize("suffix", [".js", ".css"])
def test_bundles_go_out_as_brotli_or_gzip(app, suffix):
    url = _bundle(app, suffix)
    plain = app.get(url, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    for offered, coding, decode in (("gzip, deflate, br", "br", brotli.decompress),
                                    ("gzip, deflate", "gzip", gzip.decompress),
                                    ("br;q=0, *", "gzip", gzip.decompress)):
        sent = app.get(url, headers={"Accept-Encoding": offered})
        assert sent.status_code == 200 and sent.headers["Content-Encoding"] == coding, (url, offered)
        assert decode(sent.data) == plain.data, (url, coding)
        assert len(sent.data) < 0.4 * len(plain.data), (url, coding, len(sent.data), len(plain.data))
        assert "Accept-Encoding" in sent.headers["Vary"] and "Content-Disposition" not in sent.headers
        assert sent.headers["Content-Type"].count("charset") <= 1
        # Conditional requests still work on the compressed copy.
        again = app.get(url, headers={"Accept-Encoding": offered, "If-None-Match": sent.headers["ETag"]})
        assert again.status_code == 304, (url, coding)


def test_paths_outside_the_bundles_folder_are_left_to_ckan(app):
    for path in ("/webassets/../../etc/passwd", "/webassets/%2e%2e/ckan.ini", "/webassets/no-such-bundle.js"):
        answer = app.get(path, headers={"Accept-Encoding": "br"})
        assert answer.status_code == 404 and "Content-Encoding" not in answer.headers, path


def test_a_copy_that_cannot_be_written_leaves_the_bundle_as_it_is(app):
    """A folder CKAN cannot write to: the bundle goes out uncompressed (nginx gzips it).
    The copy's place is taken by a folder, which no process (root included) can replace by a file."""
    url = _bundle(app, ".js")
    source = Path(get_webassets_path()) / url.split("/webassets/", 1)[1]
    blocked = source.with_name(source.name + ".br")
    if blocked.is_file():
        blocked.unlink()
    blocked.mkdir()
    try:
        sent = app.get(url, headers={"Accept-Encoding": "br"})
        assert sent.status_code == 200 and "Content-Encoding" not in sent.headers
        assert sent.data == source.read_bytes()
        assert not list(source.parent.glob(".nakano-*"))   # no half-written copy left behind
    finally:
        blocked.rmdir()
