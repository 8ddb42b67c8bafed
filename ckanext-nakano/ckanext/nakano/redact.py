"""Credentials out of whatever the portal shows: job logs, error texts, task
information. Applied where text written by a job or a library reaches a
reader (xloader's status, task status, harvest errors).

Two nets: the secrets this portal is configured with (every option whose name
says secret, password, token or key, and the passwords inside service URLs),
and shapes of credentials whatever their origin (API tokens/JWTs, a user name
and password inside a URL, an Authorization header).
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk

MASK = "[秘匿 / redacted]"
_SECRET_KEY = re.compile(r"(secret|password|passwd|token|api_?key|private)", re.I)
# Each shape: (pattern, replacement) — the name of a header is kept, its value masked.
_SHAPES = [
    # JWTs (CKAN API tokens)
    (re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), MASK),
    # user:password@ inside a URL
    (re.compile(r"(://)[^/\s:@]+:[^/\s@]+@"), rf"\g<1>{MASK}@"),
    # header-like credentials in logged requests
    (re.compile(r"(?i)((?:authorization|x-ckan-api-key)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"), rf"\g<1>{MASK}"),
]


def _secrets() -> tuple[str, ...]:
    """Read each time (a few hundred options): tests and reloads change them."""
    values: set[str] = set()
    for key, value in tk.config.items():
        if not isinstance(value, str) or len(value) < 8:
            continue
        if _SECRET_KEY.search(str(key)):
            values.add(value)
        if "://" in value and "@" in value:   # service URLs: postgresql://user:password@host/db
            try:
                password = urlsplit(value).password
            except ValueError:
                password = None
            # Shorter ones are words, not secrets worth masking: make up's local database
            # password "nakano" masked the ward's name in every error ("tokyo-[秘匿].lg.jp").
            if password and len(password) >= 8:
                values.add(password)
    return tuple(sorted(values, key=len, reverse=True))


def names_a_secret(key: str) -> bool:
    """A field name that says it holds a credential (api_key, password, token …)."""
    return bool(_SECRET_KEY.search(key)) and not key.endswith("_env")


def text(value: str) -> str:
    """``value`` with every known secret and credential shape masked."""
    for secret in _secrets():
        if secret in value:
            value = value.replace(secret, MASK)
    for shape, replacement in _SHAPES:
        value = shape.sub(replacement, value)
    return value


def deep(value: Any) -> Any:
    """``text`` applied to every string in nested dicts and lists; keys that
    name a credential lose their value whatever it is."""
    if isinstance(value, str):
        return text(value)
    if isinstance(value, dict):
        return {k: (MASK if value[k] and isinstance(k, str) and names_a_secret(k) else deep(value[k]))
                for k in value}
    if isinstance(value, (list, tuple)):
        return [deep(v) for v in value]
    return value
