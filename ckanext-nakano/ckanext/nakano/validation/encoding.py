"""Character encoding of a text file: BOMs, strict UTF-8, then CP932 (Shift_JIS).

Decoding is strict and streaming, so a CP932 file is never taken for UTF-8,
and a truncated multibyte character is found wherever it is.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20
BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
# Names people declare for the same encodings.
ALIASES = {"utf8": "utf-8", "utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "utf-8 (bom)": "utf-8-sig",
           "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "cp932": "cp932",
           "windows-31j": "cp932", "ms932": "cp932", "utf-16": "utf-16", "utf16": "utf-16"}


@dataclass
class Detected:
    encoding: str | None      # a Python codec name, or None when nothing decodes the file
    bom: bool = False
    error: str | None = None  # why no candidate decoded (byte offset included)


def _decodes(path: Path, encoding: str, skip: int = 0) -> str | None:
    """None if the whole file decodes strictly, else a description of where it fails."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with path.open("rb") as stream:
        stream.seek(skip)
        while chunk := stream.read(CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return f"byte {skip + offset + exc.start}"
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return f"truncated multibyte character at the end (byte {skip + offset})"
    return None


def detect(path: Path) -> Detected:
    with path.open("rb") as stream:
        head = stream.read(4)
    for bom, name in BOMS:
        if head.startswith(bom):
            problem = _decodes(path, "utf-16" if name == "utf-16" else "utf-8", 0 if name == "utf-16" else len(bom))
            return Detected(name, bom=True, error=problem)
    utf8 = _decodes(path, "utf-8")
    if utf8 is None:
        return Detected("utf-8")
    if utf8.startswith("truncated"):
        # Valid UTF-8 up to a cut-off last character: a truncated UTF-8 file,
        # not CP932 (which often happens to decode such bytes too).
        return Detected("utf-8", error=utf8)
    if _decodes(path, "cp932") is None:
        return Detected("cp932")
    return Detected(None, error=f"UTF-8: {utf8}")


def normalise_name(declared: str | None) -> str | None:
    if not declared:
        return None
    return ALIASES.get(declared.strip().lower(), declared.strip().lower())
