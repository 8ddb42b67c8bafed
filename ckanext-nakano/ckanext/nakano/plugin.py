"""Wiring of the ``nakano`` plugin: interfaces only, logic lives elsewhere."""
from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.common import CKANConfig

from . import search, vocab


@tk.blanket.config_declarations
@tk.blanket.cli
@tk.blanket.actions
@tk.blanket.validators
@tk.blanket.helpers
class NakanoPlugin(p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.IPackageController, inherit=True)

    # IConfigurer
    def update_config(self, config: CKANConfig) -> None:
        tk.add_template_directory(config, "templates")
        tk.add_resource("assets", "ckanext-nakano")
        # The ward's licence list ships with the schemas (a file, not a URL).
        if not config.get("licenses_group_url"):
            config["licenses_group_url"] = vocab.licenses_file().as_uri()

    # IPackageController
    def before_dataset_search(self, search_params: dict[str, Any]) -> dict[str, Any]:
        return search.with_japanese_query_fields(search_params)
