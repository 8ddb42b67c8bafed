"""The portal's stable URIs for things other sites keep (aggregators, DCAT)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk


def department_uri(name: str) -> str:
    """A department's URI: its page by URL name, from ``ckan.site_url`` alone
    (``url_for`` would add the reader's language, /en/…, and a URI must not
    change with the page that shows it)."""
    return f"{tk.config['ckan.site_url'].rstrip('/')}/organization/{name}"
