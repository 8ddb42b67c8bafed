"""The small icon font (assets/icons.css, scripts/subset-icons.py): its glyphs
are CKAN's Font Awesome glyphs, and the pages a resident opens first use no
solid icon outside it, so they never load the full 155 KB font, and no icon of
the brands or regular fonts (in-process)."""
from __future__ import annotations

import base64
import importlib.util
import io
import re

import pytest
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont

from ckan.tests import factories

from ckanext.nakano.tests.conftest import ROOT

pytestmark = [pytest.mark.usefixtures("clean_db", "clean_index", "with_request_context"), pytest.mark.services]

ICONS_CSS = ROOT / "ckanext-nakano" / "ckanext" / "nakano" / "assets" / "icons.css"
_spec = importlib.util.spec_from_file_location("subset_icons", ROOT / "scripts" / "subset-icons.py")
subset_icons = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(subset_icons)
# Style and size classes, not icons.
_NOT_ICONS = {"fa", "fas", "far", "fab", "fa-solid", "fa-regular", "fa-brands", "fa-fw", "fa-lg", "fa-sm", "fa-xs",
              "fa-2x", "fa-3x", "fa-spin", "fa-stack", "fa-inverse"}


def _declared() -> tuple[set[int], TTFont]:
    css = ICONS_CSS.read_text(encoding="utf-8")
    ranges = {int(point, 16) for point in re.findall(r"U\+([0-9A-F]+)", css.split("unicode-range:", 1)[1])}
    data = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", css).group(1))
    return ranges, TTFont(io.BytesIO(data))


def _outline(font: TTFont, code_point: int) -> list:
    name = font.getBestCmap()[code_point]
    pen = RecordingPen()
    font.getGlyphSet()[name].draw(pen)
    return pen.value


def test_small_font_holds_ckans_glyphs_for_every_declared_icon():
    """Fails after a CKAN upgrade that changed Font Awesome: run scripts/subset-icons.py."""
    ranges, small = _declared()
    full = TTFont(subset_icons.FONTAWESOME / "webfonts" / "fa-solid-900.ttf")
    listed = [line.strip() for line in (ICONS_CSS.parent / "icons.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    assert ranges == set(subset_icons.code_points(listed).values())
    for point in ranges:
        assert _outline(small, point) == _outline(full, point), hex(point)


def test_first_pages_use_only_icons_of_the_small_font(app):
    org = factories.Organization()
    dataset = factories.Dataset(owner_org=org["id"], category="人口・世帯", license_id="cc-by")
    resource = factories.Resource(package_id=dataset["id"], url="https://www.city.tokyo-nakano.lg.jp/a.csv",
                                  format="CSV")
    ranges, _ = _declared()
    css = (subset_icons.FONTAWESOME / "css" / "all.css").read_text(encoding="utf-8")
    missing, other_fonts = set(), set()
    for path in ("/", "/en/", "/dataset/", "/about", f"/dataset/{dataset['name']}",
                 f"/dataset/{dataset['name']}/resource/{resource['id']}"):
        page = app.get(path).body
        for classes in re.findall(r'class="([^"]*\bfa-[^"]*)"', page):
            names = set(classes.split())
            if names & {"fab", "fa-brands", "far", "fa-regular"}:
                other_fonts.add((path, classes))  # CKAN's share buttons loaded the 118 KB brands font
                continue
            for name in names - _NOT_ICONS:
                if not name.startswith("fa-"):
                    continue
                point = re.search(r"\." + re.escape(name) + r" \{\s*--fa: \"\\([0-9a-f]+)\"", css)
                assert point, (path, name)
                if int(point.group(1), 16) not in ranges:
                    missing.add((path, name))
    assert not missing, f"icons not in assets/icons.txt (add them, run scripts/subset-icons.py): {sorted(missing)}"
    assert not other_fonts, f"icons of another Font Awesome font: {sorted(other_fonts)}"
