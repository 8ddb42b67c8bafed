"""Who is asking: the client's address behind the trusted proxy (nginx). Used to count
(usage statistics, failed logins, submissions) under keyed hashes; never stored as such."""
from __future__ import annotations

import ipaddress
from typing import Any

import ckan.plugins.toolkit as tk

__all__ = ["client_address"]


def client_address(environ: dict[str, Any]) -> str:
    """The client's address: X-Forwarded-For is believed only from a trusted proxy
    (nginx), and then the right-most address that is not itself a trusted proxy."""
    remote = environ.get("REMOTE_ADDR", "")
    trusted = set(tk.config["ckanext.nakano.metrics.trusted_proxies"])
    if remote not in trusted:
        return remote
    hops = [h.strip() for h in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote
    return remote
