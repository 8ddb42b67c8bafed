"""What the portal does with a file a clerk uploads (the resource form or the API).

- **Its name is kept.** CKAN's uploaders store ``munge_filename(name)``, which
  keeps ASCII only: 救護所一覧.csv became ``.csv`` (ckan/ideas#236), and
  ``resource_dictize`` munges the stored name again when it builds the link.
  The readable name (Japanese and spaces kept; path parts, control and URL
  syntax characters dropped) is kept in the resource's ``file_name`` field,
  and the download link ends with it (``shown_url``), so the file
  downloads under the name the clerk gave it.
- **Its format comes from its bytes** when none was chosen (CKAN guesses from
  the name's extension, and ``.csv`` alone has none), and when the name says
  one thing and the bytes another (a workbook named .csv is XLSX).
- **An encoding recorded from the previous file is forgotten** when a new file
  arrives and the clerk did not touch the field: validation detects the new
  file's (a UTF-8 copy replacing a CP932 file kept 文字コード = cp932).
"""
from __future__ import annotations

import os
import re
import unicodedata
import zipfile
from typing import IO, Any
from urllib.parse import quote

from werkzeug.datastructures import FileStorage

__all__ = ["readable_file_name", "format_of", "prepare", "keep_name", "shown_url"]

MAX_NAME = 120
HEAD = 64 * 1024
# Path separators, controls, and what a URL path or a header would read as syntax.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\?#%"<>|*:]')


def readable_file_name(name: str | None) -> str:
    """The uploaded file's own name, safe in a link and a download header, or
    "" when nothing readable is left."""
    if not name:
        return ""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = " ".join(_UNSAFE.sub(" ", name).split()).strip(" .")
    if len(name) > MAX_NAME:
        stem, ext = os.path.splitext(name)
        name = stem[: MAX_NAME - len(ext[:16])].rstrip() + ext[:16]
    return name


def _zip_format(head: IO[bytes]) -> str:
    try:
        names = zipfile.ZipFile(head).namelist()
    except (zipfile.BadZipFile, OSError, ValueError):  # cut short or damaged: still a zip by its magic
        return "ZIP"
    if any(n.startswith("xl/") for n in names):
        return "XLSX"
    if any(n.startswith("word/") for n in names):
        return "DOCX"
    if any(n.lower().endswith(".shp") for n in names):
        return "SHP"
    return "ZIP"


def _text(head: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp932", "utf-16"):
        try:
            return head.decode(encoding)
        except UnicodeDecodeError as exc:
            if encoding != "utf-16" and exc.start >= len(head) - 3:   # a character cut by the sample's end
                return head[:exc.start].decode(encoding)
    return None


def _text_format(text: str, extension: str) -> str:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return "GeoJSON" if '"FeatureCollection"' in stripped[:4096] or extension == ".geojson" else "JSON"
    if stripped.startswith("<"):
        lowered = stripped[:512].lower()
        return "HTML" if "<html" in lowered or "<!doctype html" in lowered else "XML"
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    for delimiter, name in (("\t", "TSV"), (",", "CSV")):
        counts = {line.count(delimiter) for line in lines[:-1] or lines}
        if lines and min(counts) > 0:
            return name
    return "CSV" if extension == ".csv" else "TXT"   # a one-column CSV has no delimiter


def format_of(stream: IO[bytes], filename: str = "") -> str:
    """The format CKAN should list, from the first bytes of ``stream`` (left
    at its start); the name's extension only breaks ties (DOC vs XLS)."""
    position = stream.tell()
    head = stream.read(HEAD)
    stream.seek(position)
    extension = os.path.splitext(filename.lower())[1]
    if head.startswith(b"PK\x03\x04"):
        stream.seek(position)
        try:
            return _zip_format(stream)
        finally:
            stream.seek(position)
    if head.startswith(b"%PDF"):
        return "PDF"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "DOC" if extension == ".doc" else "XLS"
    if head.startswith(b"\x89PNG"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    text = _text(head) if b"\x00" not in head or head.startswith((b"\xff\xfe", b"\xfe\xff")) else None
    if text is None:
        return extension.lstrip(".").upper()
    return _text_format(text, extension)


def prepare(data_dict: dict[str, Any], stored: dict[str, Any] | None = None) -> None:
    """Before CKAN's uploader sees a new file: keep its name, set its format
    from its bytes, forget an encoding that described the previous file."""
    upload = data_dict.get("upload")
    if not isinstance(upload, FileStorage) or not upload.filename:
        return
    name = readable_file_name(upload.filename)
    data_dict["file_name"] = name
    if not (data_dict.get("name") or "").strip() and name:
        data_dict["name"] = os.path.splitext(name)[0] or name
    detected = format_of(upload.stream, name)
    chosen = (data_dict.get("format") or "").strip().upper()
    # The form sends the previous file's format back when only the file changes.
    unchanged = stored is not None and chosen == (stored.get("format") or "").strip().upper()
    if detected and (not chosen
                     or (detected in _BINARY and chosen != detected)        # a workbook or PDF called CSV
                     or (unchanged and chosen in _BINARY and detected not in _BINARY)):
        data_dict["format"] = detected
    if stored is not None and (data_dict.get("encoding") or "") == (stored.get("encoding") or ""):
        data_dict["encoding"] = ""


# Formats the bytes prove. Text formats are not second-guessed: a CSV the
# sniffer reads as TXT is still the CSV the clerk chose.
_BINARY = {"XLSX", "XLS", "PDF", "ZIP", "DOCX", "DOC", "PNG", "JPEG", "SHP"}


def keep_name(data_dict: dict[str, Any], stored: dict[str, Any]) -> None:
    """An edit without a new file keeps the kept name (the form does not send
    it back); a file replaced by a link drops it."""
    if isinstance(data_dict.get("upload"), FileStorage) and data_dict["upload"].filename:
        return
    if data_dict.get("url_type", stored.get("url_type")) == "upload":
        data_dict.setdefault("file_name", stored.get("file_name") or "")
    else:
        data_dict["file_name"] = ""


def shown_url(resource: dict[str, Any]) -> None:
    """``before_resource_show``: an upload's link ends with its kept name.
    CKAN has just built the link (``…/download/<munged name>``): only its last
    part is replaced, no second ``url_for`` per resource on every show. The
    edit form reads the bare stored name (no "/"): it gets the kept name."""
    name = resource.get("file_name")
    if resource.get("url_type") != "upload" or not name:
        return
    url = resource.get("url") or ""
    resource["url"] = url.rsplit("/", 1)[0] + "/" + quote(name, safe="") if "/" in url else name
