"""The image of a reuse (活用事例): checked, cleaned and kept in CKAN's file storage.

A resident's upload is never stored as it came. :func:`accept` reads at most
:data:`MAX_BYTES`, recognises a PNG, JPEG or WebP picture by its content (the
name is ignored), refuses anything else — SVG, HTML, GIF, PDF, polyglots — and
any picture of more than :data:`MAX_PIXELS` pixels before decoding it (a
decompression bomb), then re-encodes the pixels alone as WebP, no larger than
:data:`MAX_SIDE` pixels a side. Re-encoding is what makes the file safe: bytes
hidden after the image or in its chunks, EXIF (GPS position, camera serial),
XMP and ICC profiles do not survive it.

Storage: ``ckanext.nakano.reuse.image_storage`` names a storage configured as
``ckan.files.storage.<name>.*`` (``nakano:s3`` for a bucket shared by every web
node); when empty, a local ``ckan:fs`` storage (CKAN's own file-system
adapter) at ``<ckan.storage_path>/nakano/reuse-images``, outside the public
upload folders: images are served by our view, after the reuse's access check.
A stored image's location is ``<reuse id>/<sha256 prefix>.webp``, so storing
the same picture twice is one file and a changed picture a new location (safe
to cache for long).
"""
from __future__ import annotations

import hashlib
import io
import re
from functools import cache
from typing import BinaryIO

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

import ckan.plugins.toolkit as tk
from ckan.lib import files

from ..messages import CodedError

__all__ = ["MAX_BYTES", "MAX_PIXELS", "MAX_SIDE", "CONTENT_TYPE", "ImageRefused", "accept", "store", "read",
           "remove", "storage"]

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 1600
CONTENT_TYPE = "image/webp"
QUALITY = 82

FORMATS = ("PNG", "JPEG", "WEBP")
CONFIG_STORAGE = "ckanext.nakano.reuse.image_storage"
LOCAL_FOLDER = ("nakano", "reuse-images")
_REUSE_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
_SRGB = ImageCms.createProfile("sRGB")


class ImageRefused(CodedError):
    """An upload that is not an acceptable picture. ``code`` is a message code of
    ``reuses/messages.yaml``; ``values`` fill its placeholders."""


# --- checking and cleaning ------------------------------------------------------------------------

def accept(stream: BinaryIO | bytes, filename: str | None = None) -> tuple[bytes, str]:
    """The upload re-encoded as a clean WebP: ``(bytes, "image/webp")``.

    ``filename`` is not used to decide anything (a name proves nothing); it is
    accepted so callers can pass what they have.

    :raises ImageRefused: with code ``image-too-large``, ``image-empty``,
        ``image-not-allowed`` (a known other kind: SVG, HTML, GIF, PDF, HEIC, …),
        ``image-not-a-picture``, ``image-too-many-pixels`` or ``image-unreadable``
    """
    data = _read_capped(stream)
    if not data:
        raise ImageRefused("image-empty")
    size = _webp_canvas(data)
    if size:   # libwebp allocates the whole canvas when Pillow opens the file: check it first
        _check_pixels(*size)
    try:
        picture = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError as exc:
        # Pillow's own limit (about 179 million pixels) fired while reading the header.
        raise ImageRefused("image-too-many-pixels", limit=MAX_PIXELS // 1_000_000) from exc
    except UnidentifiedImageError as exc:
        kind = sniff(data)
        if kind:
            raise ImageRefused("image-not-allowed", kind=kind) from exc
        raise ImageRefused("image-not-a-picture") from exc
    with picture:
        _check_pixels(*picture.size)
        try:
            return _reencode(picture), CONTENT_TYPE
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            # Pillow's ways of saying the pixel data is truncated or corrupt.
            raise ImageRefused("image-unreadable") from exc


def _read_capped(stream: BinaryIO | bytes) -> bytes:
    if isinstance(stream, (bytes, bytearray, memoryview)):
        data = bytes(stream)
    else:
        data = stream.read(MAX_BYTES + 1)   # one byte more tells "too large" from "exactly the limit"
    if len(data) > MAX_BYTES:
        raise ImageRefused("image-too-large", limit=MAX_BYTES // (1024 * 1024))
    return data


def _check_pixels(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ImageRefused("image-too-many-pixels", width=width, height=height, limit=MAX_PIXELS // 1_000_000)


def _webp_canvas(data: bytes) -> tuple[int, int] | None:
    """(width, height) a WebP file declares, read from its first chunk; None for other files."""
    if len(data) < 30 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunk, body = data[12:16], data[20:30]
    if chunk == b"VP8X":
        return 1 + int.from_bytes(body[4:7], "little"), 1 + int.from_bytes(body[7:10], "little")
    if chunk == b"VP8 " and body[3:6] == b"\x9d\x01\x2a":
        return int.from_bytes(body[6:8], "little") & 0x3FFF, int.from_bytes(body[8:10], "little") & 0x3FFF
    if chunk == b"VP8L" and body[0] == 0x2F:
        bits = int.from_bytes(body[1:5], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    return None


def _reencode(picture: Image.Image) -> bytes:
    if picture.format in ("JPEG", "MPO"):   # MPO: a phone's JPEG with a second picture inside
        # Decode at a reduced scale when the result will be downscaled anyway: less memory and time.
        picture.draft("RGB", (MAX_SIDE, MAX_SIDE))
    picture.load()
    try:
        upright = ImageOps.exif_transpose(picture)
    except Exception:  # malformed EXIF fails in many ways; the picture is fine unrotated
        upright = picture
    pixels = _to_srgb(upright)
    pixels.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    # A new image holds the pixels and nothing else: no info dict, so no EXIF, XMP or ICC to carry over.
    clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    clean.save(out, format="WEBP", quality=QUALITY, method=4)
    return out.getvalue()


def _to_srgb(picture: Image.Image) -> Image.Image:
    """RGB or RGBA in sRGB: an embedded colour profile (a phone's Display P3, a
    print shop's CMYK) is applied rather than dropped, so colours stay right."""
    alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    if picture.mode.startswith("I"):
        # 16-bit grey: a plain convert would clip every tone above 255 to white
        picture = picture.convert("I").point(lambda value: value / 256).convert("L")
    mode = "RGBA" if alpha else "RGB"
    icc = picture.info.get("icc_profile")
    if icc and picture.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(picture, source, _SRGB,
                                                  outputMode="RGBA" if picture.mode == "RGBA" else "RGB")
            if converted is not None:
                picture = converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass   # a broken or unusual profile: the pixels as they are are still a picture
    picture = picture.convert(mode)
    if alpha and picture.getextrema()[3] == (255, 255):
        picture = picture.convert("RGB")   # fully opaque: an alpha channel would only cost bytes
    return picture


def sniff(data: bytes) -> str | None:
    """What a file that is not an acceptable picture is, from its first bytes, for the message."""
    head = data[:1024]
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:5] == b"%PDF-":
        return "PDF"
    if head[:2] == b"BM":
        return "BMP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "AVIF"
        if brand in (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1"):
            return "HEIC"
    if head[:4] == b"\x00\x00\x01\x00":
        return "ICO"
    if head[:4] == b"PK\x03\x04":
        return "ZIP"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in text:
        return "SVG"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<meta", b"<iframe",
                        b"<!--")) or b"<html" in text or b"<script" in text:
        return "HTML"
    if text.startswith(b"<?xml"):
        return "XML"
    return None


# --- storage ----------------------------------------------------------------------------------------

def storage() -> files.Storage:
    """The storage of reuse images: the named one, else the local one under ``ckan.storage_path``."""
    name = str(tk.config.get(CONFIG_STORAGE) or "")
    if name:
        return files.get_storage(name)
    root = str(tk.config.get("ckan.storage_path") or "")
    if not root:
        raise RuntimeError(f"Set {CONFIG_STORAGE} or ckan.storage_path: reuse images need somewhere to live.")
    return _local_storage(root)


@cache
def _local_storage(root: str) -> files.Storage:
    # One per storage path (tests change it); built once, like CKAN's configured storages.
    path = "/".join((root.rstrip("/"),) + LOCAL_FOLDER)
    return files.make_storage("nakano-reuse-images", {
        "type": "ckan:fs", "path": path, "initialize": True, "overwrite_existing": True,
        "max_size": MAX_BYTES, "supported_types": [CONTENT_TYPE]})


def store(reuse_id: str, data: bytes) -> str:
    """Keep an image :func:`accept` made; returns its location in the storage.

    :raises ValueError: the id is not a reuse id (it becomes part of a path)
    """
    if not _REUSE_ID.fullmatch(reuse_id):
        raise ValueError(f"not a reuse id: {reuse_id!r}")
    into = storage()
    location = into.prepare_location(f"{reuse_id}/{hashlib.sha256(data).hexdigest()[:16]}.webp")
    try:
        return into.upload(location, files.make_upload(data, CONTENT_TYPE)).location
    except files.exc.ExistingFileError:
        return location   # the location is the content's hash: the same bytes are there already


def read(location: str) -> bytes:
    """The stored image.

    :raises FileNotFoundError: the storage holds no such file
    """
    try:
        return storage().content(files.FileData(files.Location(location)))
    except files.exc.MissingFileError as exc:
        raise FileNotFoundError(location) from exc


def remove(location: str) -> None:
    """Delete a stored image; one already gone is fine."""
    try:
        storage().remove(files.FileData(files.Location(location)))
    except files.exc.MissingFileError:
        pass   # already gone: what the caller wanted
