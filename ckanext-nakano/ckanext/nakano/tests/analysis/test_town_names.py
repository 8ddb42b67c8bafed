"""Towns named in cells and addresses (town_names.py): the ways the ward's files write a town,
and an address of another municipality that is none of ours even where the name is."""
from __future__ import annotations

import pytest

from ckanext.nakano.town_names import WARD, Town, TownNames


@pytest.mark.parametrize("written, town", [
    ("中野五丁目", "中野五丁目"),
    ("中野区中野５丁目", "中野五丁目"),
    ("東京都中野区中野5-3-1", "中野五丁目"),
    ("〒164-0001 東京都中野区中野5丁目3番1号", "中野五丁目"),
    ("中野区東中野3-1", "東中野三丁目"),          # not 中野三丁目 inside it
    ("本町2の3", "本町二丁目"),
    ("松ケ丘一丁目", "松が丘一丁目"),
    ("中野区", None),
    ("東京都杉並区本町1-2-3", None),              # another ward's 本町
    ("静岡県焼津市本町2-16-32", None),
    ("", None),
    (None, None),
])
def test_the_wards_towns_however_written(written, town):
    found = TownNames.of_ward().find(written)
    assert (found.name if found else None) == town


def test_towns_of_another_municipality_are_its_own():
    names = TownNames([Town(WARD, "本町一丁目"), Town("高松市", "本町"), Town("高松市", "番町１丁目"),
                       Town("高松市", "塩上町"), Town("高松市", "塩上町１丁目")])
    assert names.find("高松市本町9-1") == Town("高松市", "本町")
    assert names.find("香川県高松市番町一丁目10-16") == Town("高松市", "番町１丁目")
    assert names.find("高松市塩上町1-2") == Town("高松市", "塩上町１丁目")
    assert names.find("高松市塩上町3000") == Town("高松市", "塩上町")     # no 3丁目: the town without
    assert names.find("本町1-2") == Town(WARD, "本町一丁目")               # no municipality written: the row's
    assert names.find("本町9", municipality="高松市") == Town("高松市", "本町")
    assert names.find("綾歌郡綾川町萱原822-1") is None
    assert Town("高松市", "本町").label == "高松市 本町" and Town(WARD, "本町一丁目").label == "本町一丁目"
