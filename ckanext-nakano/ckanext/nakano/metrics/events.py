"""Recording of events: what a request was, who (as a daily pseudonym) asked it.

An event is pushed onto a Redis list in the request (one RPUSH) and written
to PostgreSQL by the metrics ingester (ingest.py, ingester.py). If Redis cannot be reached
the event is appended to a spool file that the ingester reads later, so a
Redis restart loses nothing that was recorded.

Privacy (docs/privacy.md): no IP address is kept anywhere. The visitor key is
HMAC-SHA256(daily salt, address + user agent); the salt lives in Redis for
two days and is then gone, so keys cannot be linked across days or reversed.
A request with ``DNT: 1`` or ``Sec-GPC: 1`` is counted without a visitor key.
"""
from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import re
import secrets
import unicodedata
import uuid
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis

from ..clients import client_address

QUEUE = "nakano:metrics:events"
SALT_KEY = "nakano:metrics:salt:{day}"
SALT_SECONDS = 2 * 24 * 3600
KINDS = ("view", "download", "api", "search", "preview", "outbound")

_salts: dict[str, bytes] = {}
_redis: Any = None


def redis_client() -> Any:
    """One client per process: building a redis-py client costs more than the RPUSH."""
    global _redis
    if _redis is None:
        _redis = connect_to_redis()
    return _redis


def enabled() -> bool:
    return tk.config["ckanext.nakano.metrics.enabled"]


def timezone() -> ZoneInfo:
    return ZoneInfo(tk.config.get("ckan.display_timezone") or "Asia/Tokyo")


def today() -> datetime.date:
    return datetime.datetime.now(timezone()).date()


@cache
def _bot_pattern() -> re.Pattern[str]:
    data = yaml.safe_load((Path(__file__).parent / "bots.yaml").read_text(encoding="utf-8"))
    return re.compile("|".join(data["patterns"]), re.IGNORECASE)


def is_bot(user_agent: str) -> bool:
    """Known crawlers and monitors; an empty user agent is not a person's browser either."""
    return not user_agent or bool(_bot_pattern().search(user_agent))


def normalise_query(text: str | None) -> str:
    """NFKC (full-width → half-width), case-folded, single spaces, at most 200 characters."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(text.split())[:200]


def _salt(day: str) -> bytes:
    """The day's secret, shared by every web process through Redis."""
    salt = _salts.get(day)
    if salt is None:
        try:
            redis = redis_client()
            key = SALT_KEY.format(day=day)
            redis.set(key, secrets.token_hex(32), nx=True, ex=SALT_SECONDS)
            salt = redis.get(key)
        except Exception:  # Redis down: a salt of this process (visitors may count twice)
            salt = secrets.token_bytes(32)
        _salts.clear()
        _salts[day] = salt
    return salt


def visitor_key(environ: dict[str, Any]) -> str | None:
    """Daily pseudonym of the visitor, or None when the browser asks not to be tracked."""
    if environ.get("HTTP_DNT") == "1" or environ.get("HTTP_SEC_GPC") == "1":
        return None
    material = f"{client_address(environ)}|{environ.get('HTTP_USER_AGENT', '')}".encode()
    return hmac.new(_salt(today().isoformat()), material, hashlib.sha256).hexdigest()[:32]


def request_fields(environ: dict[str, Any]) -> dict[str, Any]:
    """What every event of one request shares: time (UTC), visitor key, bot flag."""
    return {"ts": datetime.datetime.utcnow().isoformat(), "visitor": visitor_key(environ),
            "bot": is_bot(environ.get("HTTP_USER_AGENT", ""))}


def new_event(kind: str, shared: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """An event with its own id, and the request's shared fields."""
    return {"id": uuid.uuid4().hex, "kind": kind, **shared, **fields}


def spool_dir() -> Path:
    return Path(tk.config.get("ckan.storage_path") or "/tmp") / "metrics-spool"


def record(events: list[dict[str, Any]]) -> None:
    """Queue events for the ingester; never raises into the request."""
    if not events:
        return
    lines = [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in events]
    try:
        redis_client().rpush(QUEUE, *lines)
    except Exception:  # Redis down or restarting: keep the events on disk
        spool = spool_dir()
        spool.mkdir(parents=True, exist_ok=True)
        with (spool / f"{os.getpid()}.jsonl").open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
