"""The image of a reuse: only clean PNG/JPEG/WebP pictures get in, re-encoded as WebP.

Every file here is made by Pillow (or by hand, for the hostile ones) in the test.
"""
from __future__ import annotations

import io
import os
import resource
import struct
import time
import zlib
from pathlib import Path

import pytest
import yaml
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from ckan.lib import files

from ckanext.nakano.reuses import images

SCRIPT = b"<script>alert(document.cookie)</script>"


def _encoded(picture: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    picture.save(out, format=fmt, **params)
    return out.getvalue()


def _noise(size: tuple[int, int]) -> Image.Image:
    return Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))


def _opened(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


def _refused(data, code: str, **values) -> images.ImageRefused:
    with pytest.raises(images.ImageRefused) as refused:
        images.accept(data)
    assert refused.value.code == code
    for name, value in values.items():
        assert refused.value.values[name] == value
    return refused.value


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_bomb(side: int) -> bytes:
    """A 1-bit grey PNG of side × side pixels, all black: about 100 KB for 900 million pixels."""
    row = b"\x00" * (1 + (side + 7) // 8)   # filter byte + packed bits
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row * 1000) for _ in range(side // 1000)) + packer.flush()
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
            + _chunk(b"IDAT", idat) + _chunk(b"IEND", b""))


def _jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header (SOF0) claims another size."""
    data = bytearray(_encoded(Image.new("RGB", (16, 16), "white"), "JPEG"))
    at = data.index(b"\xff\xc0")
    data[at + 5:at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- accepted pictures ------------------------------------------------------------------------------

def test_a_png_comes_out_as_webp_of_the_same_picture():
    data, content_type = images.accept(_encoded(Image.new("RGB", (120, 80), (200, 30, 30)), "PNG"), "map.png")
    assert content_type == "image/webp"
    out = _opened(data)
    assert (out.format, out.size) == ("WEBP", (120, 80))
    assert all(abs(a - b) < 8 for a, b in zip(out.convert("RGB").getpixel((60, 40)), (200, 30, 30)))


def test_a_phone_jpeg_is_turned_upright_and_loses_its_exif_and_gps():
    picture = Image.new("RGB", (60, 40), "red")
    picture.paste((0, 0, 255), (30, 0, 60, 40))   # left half red, right half blue
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6   # "rotate 90° clockwise to show"
    exif[ExifTags.Base.Model] = "NakanoPhone 12"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (35.0, 42.0, 27.0)
    jpeg = _encoded(picture, "JPEG", exif=exif, quality=95)
    assert _opened(jpeg).getexif().get_ifd(ExifTags.IFD.GPSInfo)   # the input really has a position

    data, _ = images.accept(jpeg, "IMG_0001.JPG")

    out = _opened(data)
    assert out.size == (40, 60)
    assert not out.getexif() and not {"exif", "xmp", "icc_profile"} & set(out.info)
    assert b"Exif" not in data and b"NakanoPhone" not in data
    top, bottom = out.convert("RGB").getpixel((20, 5)), out.convert("RGB").getpixel((20, 55))
    assert top[0] > 200 and top[2] < 60   # the left (red) half is now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_a_webp_with_transparency_keeps_it():
    picture = Image.new("RGBA", (50, 50), (0, 128, 0, 255))
    picture.paste((0, 0, 0, 0), (0, 0, 25, 50))
    data, _ = images.accept(_encoded(picture, "WEBP", lossless=True))
    out = _opened(data)
    assert out.mode == "RGBA" and out.getpixel((5, 5))[3] == 0 and out.getpixel((45, 5))[3] == 255


def test_an_embedded_colour_profile_is_applied_then_dropped():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    png = _encoded(Image.new("RGB", (30, 30), (10, 120, 240)), "PNG", icc_profile=srgb)
    data, _ = images.accept(png)
    out = _opened(data)
    assert "icc_profile" not in out.info
    assert all(abs(a - b) < 8 for a, b in zip(out.convert("RGB").getpixel((15, 15)), (10, 120, 240)))


def test_cmyk_and_16_bit_grey_become_ordinary_rgb():
    cmyk, _ = images.accept(_encoded(Image.new("CMYK", (20, 20), (0, 255, 255, 0)), "JPEG"))
    assert _opened(cmyk).convert("RGB").getpixel((10, 10))[0] > 200
    grey16 = Image.new("I;16", (20, 20), 32768)
    grey, _ = images.accept(_encoded(grey16, "PNG"))
    assert 110 < _opened(grey).convert("L").getpixel((10, 10)) < 146   # mid grey, not clipped to white


def test_a_large_photo_is_downscaled_to_fit_1600_pixels():
    picture = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    started = time.monotonic()
    data, _ = images.accept(_encoded(picture, "JPEG", quality=85))
    assert _opened(data).size == (1600, 1200)
    assert time.monotonic() - started < 5
    tall, _ = images.accept(_encoded(Image.new("RGB", (900, 3000), "white"), "PNG"))
    assert _opened(tall).size == (480, 1600)


# --- hostile or wrong files ---------------------------------------------------------------------------

def test_svg_named_png_is_refused_as_svg():
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    _refused(io.BytesIO(svg), "image-not-allowed", kind="SVG")
    with pytest.raises(images.ImageRefused):
        images.accept(svg, "logo.png")


def test_html_named_jpg_is_refused_as_html():
    assert _refused(b"<!DOCTYPE html><html><body>" + SCRIPT, "image-not-allowed").values == {"kind": "HTML"}


@pytest.mark.parametrize("data, kind", [
    (_encoded(Image.new("P", (10, 10)), "GIF"), "GIF"),
    (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "PDF"),
    (_encoded(Image.new("RGB", (10, 10)), "BMP"), "BMP"),
    (_encoded(Image.new("RGB", (10, 10)), "TIFF"), "TIFF"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "HEIC"),
])
def test_other_kinds_of_file_are_named_in_the_refusal(data, kind):
    _refused(data, "image-not-allowed", kind=kind)


def test_a_file_that_is_nothing_known_and_an_empty_file_are_refused():
    _refused("名称,住所\n中野区役所,中野4-11-19\n".encode("cp932"), "image-not-a-picture")
    _refused(b"", "image-empty")


def test_bytes_after_a_png_never_reach_the_output():
    png = _encoded(_noise((64, 64)), "PNG") + b"<html><body>" + SCRIPT
    data, _ = images.accept(png)
    assert b"<script" not in data and b"<html" not in data
    assert _opened(data).size == (64, 64)


def test_html_hidden_in_a_png_text_chunk_is_dropped():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SCRIPT.decode())
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>" + SCRIPT.decode() + "</x:xmpmeta>")
    data, _ = images.accept(_encoded(_noise((32, 32)), "PNG", pnginfo=info))
    assert b"<script" not in data and b"xmpmeta" not in data


def test_html_followed_by_a_png_is_refused():
    _refused(b"<html><body>" + SCRIPT + b"</body></html>" + _encoded(_noise((8, 8)), "PNG"),
             "image-not-allowed", kind="HTML")


@pytest.mark.parametrize("side", [7000, 30000])   # over our limit; over Pillow's own too
def test_a_png_decompression_bomb_is_refused_before_decoding(side):
    bomb = _png_bomb(side)
    assert len(bomb) < 500_000
    before, started = _peak_rss_mb(), time.monotonic()
    _refused(bomb, "image-too-many-pixels")
    assert time.monotonic() - started < 2
    assert _peak_rss_mb() - before < 40   # decoding takes a byte a pixel: 49 MB, 900 MB


@pytest.mark.parametrize("size", [(8000, 6000), (60000, 60000)])
def test_a_jpeg_declaring_too_many_pixels_is_refused(size):
    started = time.monotonic()
    _refused(_jpeg_declaring(*size), "image-too-many-pixels", limit=40)
    assert time.monotonic() - started < 2


def test_a_webp_declaring_a_huge_canvas_is_refused_before_libwebp_sees_it():
    webp = bytearray(_encoded(Image.new("RGBA", (16, 16), (1, 2, 3, 128)), "WEBP", lossless=True))
    assert webp[12:16] == b"VP8L"
    bits = (8000 - 1) | ((8000 - 1) << 14)   # 14-bit width-1, 14-bit height-1: 64 million pixels
    webp[21:25] = (bits | (int.from_bytes(webp[21:25], "little") & 0xF0000000)).to_bytes(4, "little")
    started = time.monotonic()
    _refused(bytes(webp), "image-too-many-pixels", width=8000, height=8000)
    assert time.monotonic() - started < 2


def test_a_file_over_5_mb_is_refused_without_reading_all_of_it():
    class Endless(io.RawIOBase):
        """A stream that would go on forever; counts what was asked of it."""
        given = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            buffer[:] = b"\x00" * len(buffer)
            self.given += len(buffer)
            return len(buffer)

    stream = Endless()
    _refused(io.BufferedReader(stream, 65536), "image-too-large", limit=5)
    assert stream.given < images.MAX_BYTES + 200_000
    _refused(b"\x89PNG\r\n\x1a\n" + b"\x00" * images.MAX_BYTES, "image-too-large")


def test_a_truncated_png_is_refused_as_unreadable():
    png = _encoded(_noise((200, 200)), "PNG")
    _refused(png[:len(png) // 2], "image-unreadable")


def test_every_code_raised_has_a_message_that_fills():
    catalog = yaml.safe_load((Path(images.__file__).parent / "messages.yaml").read_text(encoding="utf-8"))
    source = Path(images.__file__).read_text(encoding="utf-8")
    assert {code for code in catalog if f'"{code}"' in source} == set(catalog)
    for text in catalog.values():
        assert text.format(limit=5, kind="SVG") and text.endswith("again.")


# --- storage ----------------------------------------------------------------------------------------

@pytest.fixture()
def local_storage(ckan_config, monkeypatch, tmp_path):
    monkeypatch.setitem(ckan_config, "ckan.storage_path", str(tmp_path))
    monkeypatch.setitem(ckan_config, images.CONFIG_STORAGE, "")
    return tmp_path / "nakano" / "reuse-images"


def test_store_read_remove_round_trip_on_local_storage(local_storage):
    data, _ = images.accept(_encoded(_noise((40, 30)), "PNG"))
    location = images.store("3f2a-reuse_1", data)
    assert location.startswith("3f2a-reuse_1/") and location.endswith(".webp")
    assert (local_storage / location).read_bytes() == data
    assert images.read(location) == data
    assert images.store("3f2a-reuse_1", data) == location   # the same picture again: one file

    images.remove(location)
    assert not (local_storage / location).exists()
    images.remove(location)   # already gone: fine
    with pytest.raises(FileNotFoundError):
        images.read(location)


def test_store_refuses_an_id_that_is_a_path(local_storage):
    for bad in ("../etc", "a/b", "", "x" * 101):
        with pytest.raises(ValueError):
            images.store(bad, b"RIFF")


def test_a_location_outside_the_storage_is_not_read(local_storage):
    images.storage()   # made on first use
    (local_storage.parent / "secret.txt").write_text("no")
    with pytest.raises(files.exc.LocationError):
        images.read("../secret.txt")


def test_a_named_storage_is_used_when_configured(ckan_config, monkeypatch, tmp_path, reset_storages):
    for key, value in {"type": "ckan:fs", "path": str(tmp_path / "named"), "initialize": "true"}.items():
        monkeypatch.setitem(ckan_config, f"ckan.files.storage.reuse_images.{key}", value)
    monkeypatch.setitem(ckan_config, images.CONFIG_STORAGE, "reuse_images")
    reset_storages()
    try:
        data, _ = images.accept(_encoded(_noise((10, 10)), "PNG"))
        location = images.store("r1", data)
        assert (tmp_path / "named" / location).read_bytes() == images.read(location) == data
        images.remove(location)
        assert not (tmp_path / "named" / location).exists()
    finally:
        monkeypatch.undo()
        for key in [k for k in ckan_config if k.startswith("ckan.files.storage.reuse_images.")]:
            del ckan_config[key]   # defaults the storage's declaration added
        reset_storages()
