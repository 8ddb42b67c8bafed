"""How pages use the CSS/JS bundles (webassets)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.lib import webassets_tools


def apply() -> None:
    """Without source checks, bundles are used as `ckan asset build` left them:
    each process reads a bundle's version once instead of checking its source
    files on every page."""
    webassets_tools.env.auto_build = tk.config["ckanext.nakano.webassets.check_sources"]
