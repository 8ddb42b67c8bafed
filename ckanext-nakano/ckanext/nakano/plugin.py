"""Wiring of the ``nakano`` plugin: interfaces only, logic lives elsewhere."""
from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.common import CKANConfig
from ckan.lib.plugins import DefaultTranslation
from ckanext.dcat.interfaces import IDCATRDFHarvester
from ckanext.datastore.interfaces import IDatastore
from ckanext.xloader.interfaces import IXloader

from . import (api_contract, assets_mode, csrf, datastore_text, departments, error_pages, extras_mirror,
               former_ids, input_guard, login_throttle, password_reset, precompressed, preview, response_policy,
               search, storage, subscriptions, tasks, upload_intake, vocab, xloader_internals)
from .charts import aggregate as chart_answers
from .dcat import ordered_turtle
from .harvest import pages as harvest_pages
from .harvest import remote
from .inventory import choices as inventory_choices
from .inventory.choices import context_user, request_user
from .metrics import middleware, quality
from .model import locked_reads
from .submissions import abuse
from .validation import datastore_types, jobs


@tk.blanket.config_declarations
@tk.blanket.cli
@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.validators
@tk.blanket.helpers
@tk.blanket.blueprints
class NakanoPlugin(p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    # i18n/: plain Japanese for CKAN's own words (overrides of its catalog).
    p.implements(p.ITranslation)
    p.implements(p.IConfigurable)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IOrganizationController, inherit=True)
    p.implements(p.IResourceController, inherit=True)
    p.implements(IDCATRDFHarvester, inherit=True)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(p.IFacets, inherit=True)
    p.implements(IXloader, inherit=True)
    p.implements(p.IFiles, inherit=True)
    p.implements(p.ISignal)
    p.implements(p.IAuthenticator, inherit=True)

    # IAuthenticator: a login post while failed attempts are at their limit is
    # refused; an unknown account costs the same time as a known one.
    def login(self) -> Any:
        return login_throttle.refused()

    def authenticate(self, identity: dict[str, Any]) -> Any:
        login_throttle.equal_time(identity)
        return None

    # ISignal: reactions to core actions (subscriptions.py).
    def get_signal_subscriptions(self) -> Any:
        return subscriptions.get_subscriptions()

    # IFiles
    def files_get_storage_adapters(self) -> dict[str, Any]:
        return {"nakano:s3": storage.S3Storage}

    # IConfigurer
    def update_config(self, config: CKANConfig) -> None:
        tk.add_template_directory(config, "templates")
        tk.add_resource("assets", "ckanext-nakano")
        # The ward's licence list ships with the schemas (a file, not a URL).
        if not config.get("licenses_group_url"):
            config["licenses_group_url"] = vocab.licenses_file().as_uri()

    # IConfigurer: the office edits the words that hold submissions for review at runtime.
    def update_config_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        schema[abuse.BLOCKED_WORDS] = [tk.get_validator("ignore_missing"), tk.get_validator("unicode_safe")]
        return schema

    # IConfigurable
    def configure(self, config: CKANConfig) -> None:
        assets_mode.apply()
        locked_reads.install()
        xloader_internals.install()
        ordered_turtle.install()
        tasks.register()

    # IPackageController
    def before_dataset_search(self, search_params: dict[str, Any]) -> dict[str, Any]:
        return search.with_japanese_query_fields(search_params)

    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        return search.index_fields(pkg_dict)

    def after_dataset_search(self, search_results: dict[str, Any], search_params: dict[str, Any]) -> dict[str, Any]:
        middleware.remember_search(search_params, search_results)
        reader = request_user()
        for result in search_results.get("results", []):
            if isinstance(result, dict) and "organization" in result:  # whole datasets, not ``fl`` picks
                extras_mirror.with_extras(result)
                if reader is not False:
                    inventory_choices.hide_unseen_link(result, reader)
        return search_results

    # The ward fields also as extras, for the CKAN sites that harvest the portal.
    # IOrganizationController, IPackageController: department names in the reader's language
    # on pages (departments.py); the stored dicts and the API keep the Japanese.
    def before_view(self, data_dict: dict[str, Any]) -> dict[str, Any]:
        return departments.named_for_page(data_dict)

    def before_dataset_view(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        if pkg_dict.get("organization"):
            pkg_dict["organization"] = departments.named_for_page(dict(pkg_dict["organization"]))
        return pkg_dict

    def after_dataset_show(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        extras_mirror.with_extras(pkg_dict)
        inventory_choices.hide_unseen_link(pkg_dict, context_user(context), bool(context.get("ignore_auth")))

    # Every edit scores the dataset again (in the background).
    def after_dataset_create(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        quality.enqueue(pkg_dict["id"])

    def after_dataset_update(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        # The validation job's own encoding update: that job scores the dataset itself.
        if not context.get(jobs.OWN_UPDATE):
            quality.enqueue(pkg_dict["id"])

    # IFacets: the ward's facets (schemas/search.yaml) on dataset, department and group searches.
    def dataset_facets(self, facets_dict: dict[str, Any], package_type: str) -> dict[str, Any]:
        return search.facets(facets_dict)

    def organization_facets(self, facets_dict: dict[str, Any], organization_type: str,
                            package_type: str | None) -> dict[str, Any]:
        return search.facets(facets_dict)

    def group_facets(self, facets_dict: dict[str, Any], group_type: str, package_type: str | None) -> dict[str, Any]:
        return search.facets(facets_dict)

    # IXloader: linked files are fetched under the harvesters' address rules.
    def can_upload(self, resource_id: str) -> bool:
        return preview.xloader_may_fetch(resource_id)

    # IXloader: columns of plain numbers become numbers once the table is made; the chart
    # answers kept for the old rows are no longer used.
    def after_upload(self, context: Any, resource_dict: dict[str, Any], dataset_dict: dict[str, Any]) -> None:
        datastore_types.apply(resource_dict["id"])
        chart_answers.forget(resource_dict["id"])

    # IMiddleware: CSS/JS bundles sent precompressed, CSRF exemptions per
    # request, requests no field can hold refused, API parameters checked against the OpenAPI document, what
    # browsers may do with each answer, usage events recorded after each
    # request, old dataset ids sent on to the datasets, and the beacon.
    def make_middleware(self, app: Any, config: CKANConfig) -> Any:
        csrf.install()
        app.register_error_handler(csrf.CSRFError, csrf.refused)
        app.before_request(precompressed.serve)
        app.before_request(input_guard.check)
        app.before_request(api_contract.check)
        app.before_request(harvest_pages.confirm_first)
        app.before_request(password_reset.check_link)
        app.before_request(former_ids.redirect)
        error_pages.register(app)
        app.after_request(response_policy.apply)
        app.after_request(middleware.after_request)
        return middleware.Beacon(app)

    # IResourceController: an uploaded file keeps its name and gets its format
    # from its bytes; every new or changed tabular file is validated in the background.
    def before_resource_create(self, context: Any, resource: dict[str, Any]) -> None:
        upload_intake.prepare(resource)

    def before_resource_update(self, context: Any, current: dict[str, Any], resource: dict[str, Any]) -> None:
        context.setdefault(jobs.FILE_CHANGED, {})[current["id"]] = jobs.file_changed(current, resource)
        upload_intake.prepare(resource, current)
        upload_intake.keep_name(resource, current)

    def before_resource_show(self, resource_dict: dict[str, Any]) -> dict[str, Any]:
        upload_intake.shown_url(resource_dict)
        return resource_dict

    def after_resource_create(self, context: Any, resource: dict[str, Any]) -> None:
        jobs.enqueue(resource, context)

    def after_resource_update(self, context: Any, resource: dict[str, Any]) -> None:
        jobs.enqueue(resource, context)

    # IDCATRDFHarvester: downloads under the address rules (redirects included),
    # records of declared sources completed for the ward schema.
    _dcat_job: Any = None

    def before_download(self, url: str, harvest_job: Any) -> tuple[str | None, list[str]]:
        self._dcat_job = harvest_job
        return remote.dcat_download_check(url, harvest_job)

    def update_session(self, session: Any) -> Any:
        return remote.guard_session(session, self._dcat_job)

    def before_create(self, harvest_object: Any, dataset_dict: dict[str, Any], temp_dict: dict[str, Any]) -> None:
        remote.dcat_dataset(harvest_object, dataset_dict)

    def before_update(self, harvest_object: Any, dataset_dict: dict[str, Any], temp_dict: dict[str, Any]) -> None:
        remote.dcat_dataset(harvest_object, dataset_dict)


from . import map_view  # noqa: E402  (used by the view plugin below only)
from .charts import view as chart_view  # noqa: E402  (used by the view plugin below only)


class NakanoMapViewPlugin(p.SingletonPlugin):
    """``nakano_map_view``: rows with 緯度/経度 on a map (map_view.py, templates/nakano/map_view.html).

    Its template and assets come with the ``nakano`` plugin, which the portal always loads.
    """
    p.implements(p.IResourceView, inherit=True)
    p.implements(IXloader, inherit=True)

    # IResourceView
    def info(self) -> dict[str, Any]:
        return map_view.view_info()

    def can_view(self, data_dict: dict[str, Any]) -> bool:
        return map_view.can_view(data_dict["resource"])

    def setup_template_variables(self, context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
        return map_view.template_variables(data_dict["resource"])

    def view_template(self, context: Any, data_dict: dict[str, Any]) -> str:
        return "nakano/map_view.html"

    # IXloader: the DataStore table exists only once the loader is done, so that
    # is when a resource can get its map.
    def can_upload(self, resource_id: str) -> bool:
        return True

    def after_upload(self, context: Any, resource_dict: dict[str, Any], dataset_dict: dict[str, Any]) -> None:
        map_view.ensure_view(context, resource_dict)


class NakanoChartViewPlugin(p.SingletonPlugin):
    """``nakano_chart_view``: a chart saved from the chart builder (charts/view.py,
    templates/nakano/chart_view.html); drawn on the server, in the page, not in a frame."""
    p.implements(p.IResourceView, inherit=True)

    # IResourceView
    def info(self) -> dict[str, Any]:
        return chart_view.view_info()

    def can_view(self, data_dict: dict[str, Any]) -> bool:
        return bool(data_dict["resource"].get("datastore_active"))

    def setup_template_variables(self, context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
        return chart_view.template_variables(data_dict)

    def view_template(self, context: Any, data_dict: dict[str, Any]) -> str:
        return "nakano/chart_view.html"

    def form_template(self, context: Any, data_dict: dict[str, Any]) -> str:
        return chart_view.FORM_TEMPLATE


class NakanoDatastoreTextPlugin(p.SingletonPlugin):
    """``nakano_datastore_text``: ``datastore_search?q=`` with Japanese finds
    text inside cells (datastore_text.py). A plugin of its own because CKAN
    wants the ``datastore`` plugin to be the first IDatastore one loaded, and
    ``nakano`` comes before it."""
    p.implements(IDatastore, inherit=True)

    def datastore_search(self, context: Any, data_dict: dict[str, Any], fields_types: dict[str, str],
                         query_dict: dict[str, Any]) -> dict[str, Any]:
        return datastore_text.japanese_substring_query(data_dict, fields_types, query_dict)

