"""Template helpers: choice lists for the scheming forms, from the vocabularies."""
from __future__ import annotations

import datetime
import json
import re
import time
from collections import OrderedDict
from typing import Any, Callable
from urllib.parse import urlencode, urlsplit

import flask_babel
from dominate import tags
from markupsafe import Markup

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.common import g, request
from ckan.lib import formatters
from ckan.lib.munge import munge_filename_legacy

from ckanext.dcat.utils import dataset_uri

from . import about, area_map, datastore_loads, departments, language_text, map_view, vocab, zero_results
from .charts import pinned as pinned_charts
from .charts import table as chart_table
from .data_requests import figures as request_figures
from .logic.submission_validators import TEXT_LIMIT
from .data_requests import wording as request_wording
from .home import home_page
from .inventory import choices as inventory_choices
from .learn import pages as learn_pages
from .metrics import quality, stats
from .model import HarvestFile, Quality
from .preview import downloads
from .reader import Reader
from .reuses import dataset_block
from .search import sort_options
from .search_words import facet_label
from .submissions import choices as submission_choices
from .submissions import mail
from .validation import summary as validation_summary

__all__ = [
    "nakano_category_choices", "nakano_standard_dataset_choices",
    "nakano_frequency_choices", "nakano_area_choices", "nakano_validation", "nakano_validation_view",
    "nakano_harvest_missing",
    "nakano_facet_hrefs", "nakano_package_organization", "nakano_dataset_metrics", "nakano_metrics_json",
    "nakano_metrics_dataset_name",
    "nakano_metrics_enabled", "nakano_home", "nakano_sort_options", "nakano_facet_labeler",
    "nakano_downloads", "nakano_datastore_state", "structured_data", "xloader_badge", "render_markdown",
    "nakano_zero_results", "nakano_license_choices", "nakano_about", "nakano_area_map",
    "nakano_view_title", "nakano_pager", "nakano_inventory_item", "nakano_inventory_item_choices",
    "nakano_inventory_dataset_name",
    "render_datetime", "nakano_text_limit",
    # charts
    "nakano_chart_number", "nakano_chart_link", "nakano_pinned_charts", "nakano_department_charts",
    # analysis across a standard's files (/analysis)
    "nakano_standard_title",
    # lessons (/learn)
    "nakano_department_lessons", "nakano_lesson_language",
    # a department's name in the reader's language
    "nakano_department_title",
    # reuses
    "nakano_reuse_field_label", "nakano_dataset_reuses", "nakano_latest_reuses", "nakano_reuse_jsonld", "nakano_reuses_jsonld", "nakano_department_mail", "nakano_reuse_image",
    # data requests
    "nakano_request_month", "nakano_department_requests", "nakano_department_reuses",
]

Choices = list[dict[str, Any]]


def nakano_category_choices(field: dict[str, Any]) -> Choices:
    return [{"value": c["value"], "label": language_text.labels(c, japanese="value")}
            for c in vocab.categories()]


def nakano_standard_dataset_choices(field: dict[str, Any]) -> Choices:
    return [{"value": d["value"], "label": language_text.labels(d)}
            for d in vocab.standard_datasets()["datasets"]]


def nakano_frequency_choices(field: dict[str, Any]) -> Choices:
    f = vocab.frequencies()
    return [{"value": f["base_uri"] + c["code"], "label": language_text.labels(c)}
            for c in f["choices"]]


def nakano_license_choices(field: dict[str, Any]) -> Choices:
    """The portal's licences (licenses.json), for a file whose licence is not its dataset's."""
    listed = json.loads(vocab.licenses_file().read_text(encoding="utf-8"))
    return [{"value": entry["id"], "label": entry["title"]} for entry in listed]


def nakano_area_choices(field: dict[str, Any]) -> Choices:
    whole = {"value": vocab.WHOLE_WARD, "label": tk._("Whole of Nakano City")}
    return [whole] + [{"value": t, "label": t} for t in vocab.towns()]


def nakano_validation(resource_id: str) -> dict[str, Any] | None:
    """The resource's validation report for templates, or None if there is none."""
    try:
        shown = tk.get_action("nakano_validation_show")({}, {"id": resource_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None
    return shown if shown["status"] != "none" else None


def nakano_validation_view(validation: dict[str, Any]) -> dict[str, Any]:
    """The report as the resource page shows it, in the page's language (validation/summary.py)."""
    return validation_summary.view(validation, tk.h.lang())


def nakano_harvest_missing(package_id: str) -> dict[str, Any] | None:
    """When a harvested dataset's file has left its source: guid and since when
    (shown on the dataset page until someone decides)."""
    item = model.Session.query(HarvestFile).filter_by(package_id=package_id, state="missing").first()
    if item is None:
        return None
    return {"guid": item.guid, "since": item.missing_since.strftime("%Y-%m-%d") if item.missing_since else ""}


def nakano_facet_hrefs(name: str, items: list[dict[str, Any]], extras: dict[str, Any] | None = None,
                       alternative_url: str | None = None) -> list[str]:
    """The link of each facet item, as h.add_url_param (item off) and
    h.remove_url_param (item on) build it, with the page's address made once
    per facet instead of once per item (url_for was a tenth of a search page)."""
    blueprint, view = tk.get_endpoint()
    # The current page's own arguments (an organization's id…), as CKAN keeps them.
    base = alternative_url or tk.h.url_for(f"{getattr(g, 'controller', blueprint)}.{getattr(g, 'action', view)}",
                                           **(extras or dict(request.view_args or {})))
    current = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
    hrefs = []
    for item in items:
        params = list(current)
        if item.get("active"):
            params.remove((name, item["name"]))
        else:
            params.append((name, item["name"]))
        hrefs.append(f"{base}?{urlencode(params)}")
    return hrefs


def nakano_package_organization(pkg: dict[str, Any]) -> dict[str, Any]:
    """The dataset's department for the sidebar of its page, from the dataset's own
    dict. CKAN's page calls organization_show, which counts the department's datasets
    in Solr and its followers for numbers the box does not show (a third of the
    page's time). The image address is the one organization_show gives for an
    upload to CKAN's default storage, or the URL as it is."""
    org = dict(pkg.get("organization") or {})
    image = org.get("image_url") or ""
    org["image_display_url"] = (tk.h.url_for_static(f"uploads/group/{munge_filename_legacy(image)}", qualified=True)
                                if image and not image.startswith("http") else image)
    return org


def nakano_dataset_metrics(pkg: dict[str, Any]) -> dict[str, Any] | None:
    """Views, downloads (30 days and total) and the stored quality score of a
    dataset for its page; None when metrics are off. Two indexed queries: the
    score is computed in the background after each edit, or now if missing."""
    if not tk.config["ckanext.nakano.metrics.enabled"]:
        return None
    stored = Quality.get(pkg["id"])
    return {**stats.usage("dataset", pkg["id"]), "quality": stored.detail if stored else quality.evaluate(pkg)}


def nakano_metrics_json(data: Any) -> str:
    """Figures for the charts' script, safe inside <script type="application/json">."""
    return _script_json(data)


def nakano_metrics_dataset_name() -> str:
    """Name of the open dataset 「ポータル利用統計」."""
    return tk.config["ckanext.nakano.metrics.dataset"]


def nakano_metrics_enabled() -> bool:

    return tk.config["ckanext.nakano.metrics.enabled"]


def nakano_home() -> dict[str, Any]:

    return home_page()


def nakano_about() -> dict[str, Any]:
    """Facts of 「このサイトについて」: licences and their datasets, contact (about.py)."""
    return about.facts()


def nakano_zero_results(q: str) -> dict[str, Any]:
    """What the page of a search that found nothing offers next."""
    return zero_results.next_steps(q)


def nakano_sort_options() -> list[tuple[str, str]]:

    return sort_options()


def nakano_facet_labeler(field: str) -> Any:
    """A facet list's ``label_function``: category and standard dataset values
    shown in the page's language, counts kept."""
    if field not in ("vocab_category", "vocab_standard"):
        return None
    return lambda item: facet_label(field, item["name"])


def nakano_downloads(pkg: dict[str, Any], res: dict[str, Any]) -> list[dict[str, Any]]:

    shown = nakano_validation(res["id"])
    has_copy = bool(shown and ((shown.get("report") or {}).get("copies") or {}).get("utf8"))
    return downloads(pkg, res, has_copy)


# (dataset id, metadata_modified, language, profiles) -> (built at, JSON-LD)
_JSONLD: OrderedDict[tuple[Any, ...], tuple[float, str]] = OrderedDict()
_JSONLD_ENTRIES = 500
_JSONLD_SECONDS = 600  # bounds staleness from changes that keep metadata_modified (a department renamed)


@tk.chained_helper
def structured_data(next_helper: Callable[..., str], dataset_dict: dict[str, Any],
                    profiles: list[str] | None = None) -> str:
    """ckanext-dcat's schema.org JSON-LD, built once per dataset version and
    language: building its RDF graph took 30-45 ms of every dataset page
    (bench/web). Any edit of the dataset or its resources changes
    ``metadata_modified`` and so the key."""
    key = (dataset_dict.get("id"), dataset_dict.get("metadata_modified"), tk.h.lang(), tuple(profiles or ()))
    hit = _JSONLD.get(key)
    if hit and time.monotonic() - hit[0] < _JSONLD_SECONDS:
        _JSONLD.move_to_end(key)
        return hit[1]
    value = next_helper(dataset_dict, profiles)
    _JSONLD[key] = (time.monotonic(), value)
    while len(_JSONLD) > _JSONLD_ENTRIES:
        _JSONLD.popitem(last=False)
    return value


_IMAGE = re.compile(r"<img\b([^>]*)>")
_ATTRIBUTE = re.compile(r'\b(src|alt)="([^"]*)"')


def _image_as_link(found: re.Match[str]) -> str:
    attributes = dict(_ATTRIBUTE.findall(found.group(1)))
    if not attributes.get("src"):
        return ""
    return f'<a href="{attributes["src"]}">{attributes.get("alt") or tk._("Picture")}</a>'


@tk.chained_helper
def render_markdown(next_helper: Callable[..., Any], data: str, auto_link: bool = True,
                    allow_html: bool = False) -> Markup:
    """CKAN's Markdown, with pictures as links to them: the page's policy loads images from
    the portal itself only, and a picture of another site showed as a broken image (dataset
    descriptions, reuses: the walk of issue 20). The values are nh3's, already escaped."""
    html = str(next_helper(data, auto_link=auto_link, allow_html=allow_html))
    return Markup(_IMAGE.sub(_image_as_link, html))


@tk.chained_helper
def render_datetime(next_helper: Callable[..., str], datetime_: Any, date_format: str | None = None,
                    with_hours: bool = False, with_seconds: bool = False) -> str:
    """CKAN's dates, with hours in the page's language: core writes a date with its time in a
    fixed English pattern (「12月 7, 2026, 20:46 (JST)」 on a Japanese page; ckan/lib/formatters.py
    localised_nice_date, "MMMM d, YYYY, HH:mm (z)"). Here the locale's own date and time
    patterns are joined as the locale joins them (「2026年12月7日 20:46 (JST)」)."""
    if not with_hours or with_seconds or date_format:
        return next_helper(datetime_, date_format=date_format, with_hours=with_hours, with_seconds=with_seconds)
    if isinstance(datetime_, str):
        try:
            datetime_ = tk.h.date_str_to_datetime(datetime_)
        except (TypeError, ValueError):
            return ""
    if not isinstance(datetime_, datetime.datetime):
        return ""
    locale = flask_babel.get_locale()
    date_pattern = locale.datetime_skeletons.get("yMMMd") if locale else None
    if date_pattern is None:
        return next_helper(datetime_, with_hours=True)
    joined = str(locale.datetime_formats.get("medium", "{1} {0}"))
    pattern = joined.replace("{1}", date_pattern.pattern).replace("{0}", locale.time_formats["short"].pattern)
    return formatters.localised_nice_date(datetime_, show_date=True, with_hours=True, format=f"{pattern} (z)")


@tk.chained_helper
def xloader_badge(next_helper: Callable[..., str], resource: dict[str, Any]) -> str:
    """The DataStore status badge for signed-in users only: it is a publishing
    status (one ``xloader_status`` query per resource, 15-20 ms of a dataset
    page), and residents see the preview itself."""
    if not tk.current_user.is_authenticated:
        return ""
    return next_helper(resource)


def nakano_datastore_state(resource: dict[str, Any]) -> dict[str, Any] | None:
    """Whether the resource's table failed or is being made (datastore_loads.py)."""
    return datastore_loads.state(resource)


def nakano_area_map(areas: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """The small map of 対象地域 (area_map.py); None when there is nothing to draw."""
    return area_map.config(areas)


def nakano_view_title(view: dict[str, Any]) -> str:
    """A resource view's title in the page's language (the map view's own title)."""
    return map_view.display_title(view)


def nakano_pager(page: Any, **params: Any) -> Markup:
    """CKAN's pager with its arrows named in the page's language: its previous and next
    links held only an icon, and had no accessible name (WCAG 2.4.4, 4.1.2; axe link-name).
    The arrows are dominate elements, as CKAN's own (a string would be escaped)."""
    def arrow(icon: str, name: str) -> Any:
        return tags.span(tags.i(cls=f"fa-solid {icon}", **{"aria-hidden": "true"}),
                         tags.span(name, cls="visually-hidden"))
    return page.pager(symbol_previous=arrow("fa-chevron-left", tk._("Previous page")),
                      symbol_next=arrow("fa-chevron-right", tk._("Next page")), **params)


def nakano_inventory_item(item_id: str) -> dict[str, Any] | None:
    """The register item a dataset links to, if the reader may see it (``id``, ``local_id``, ``title``)."""
    return inventory_choices.visible_item(item_id, tk.current_user if tk.current_user.is_authenticated else None)


def nakano_inventory_item_choices(field: dict[str, Any]) -> Choices:
    """The dataset form's 棚卸項目: the items of the departments the user may edit."""
    return inventory_choices.item_choices(tk.current_user if tk.current_user.is_authenticated else None)


def nakano_inventory_dataset_name() -> str:
    """The open dataset 「保有データ一覧」 (the register's public fields, published daily);
    "" until the daily job has published it."""
    name = str(tk.config["ckanext.nakano.inventory.dataset"])
    pkg = model.Package.get(name)
    return name if pkg is not None and pkg.state == "active" and not pkg.private else ""


# --- reuses ---

DATASET_REUSES = 4   # shown on a dataset's page; the rest through /showcase?dataset=…
HOME_REUSES = 3
# 提供者の種類 that are organisations in schema.org's sense (the others may be a person).
_ORGANISATIONS = ("company", "academia", "npo", "government")


def _published_reuses(params: dict[str, Any]) -> dict[str, Any]:
    """Published reuses as a visitor sees them, whoever reads (the blocks are the same for all)."""
    try:
        return tk.get_action("nakano_showcase_list")({"user": ""}, {"facets": False, **params})
    except tk.ValidationError:   # an id no list accepts: nothing to show, not a broken page
        return {"count": 0, "results": []}


def nakano_reuse_field_label(field: str) -> str:
    """A reuse field's name in the page's language (schemas/reuse.yaml)."""
    return submission_choices.field_label("reuse", field)


def nakano_dataset_reuses(pkg: dict[str, Any]) -> dict[str, Any]:
    """「このデータの活用事例」: the latest published reuses of a dataset, and how many there are
    (kept between changes of reuses: reuses/dataset_block.py)."""
    return dataset_block.kept(pkg, tk.h.lang(), lambda: _published_reuses({"dataset": pkg["id"],
                                                                            "limit": DATASET_REUSES}))


def nakano_latest_reuses() -> list[dict[str, Any]]:
    """The home page's latest published reuses."""
    return _published_reuses({"limit": HOME_REUSES, "sort": "newest"})["results"]


def nakano_reuse_image(reuse: dict[str, Any]) -> str:
    """The reuse's picture as the pages link it: a path of this site (the API gives the full
    address; behind a proxy on another port the page's own origin is the one its policy allows)."""
    parts = urlsplit(reuse.get("image_url") or "")
    return parts.path + (f"?{parts.query}" if parts.query else "") if parts.path else ""


def nakano_department_mail() -> bool:
    """Whether the signed-in user chose to be mailed of their departments' reuses and requests."""
    return tk.current_user.is_authenticated and mail.wants_department_mail(tk.current_user.id)


# schema.org's terms in the namespace ckanext-dcat's Dataset uses (the two graphs join), given
# inline: a remote context ("https://schema.org") is fetched by JSON-LD processors.
SCHEMA_ORG = {"@vocab": "http://schema.org/"}


def nakano_reuses_jsonld(reuses: list[dict[str, Any]]) -> Markup:
    """The dataset page's reuses for search engines: each a CreativeWork whose ``isBasedOn``
    names its datasets (this one among them), in one ``@graph`` beside ckanext-dcat's Dataset
    (same ``@id``: the graphs join). A block of its own, not inside ckanext-dcat's JSON-LD,
    which is cached per dataset version while a reuse's moderation does not change it."""
    return _script_json({"@context": SCHEMA_ORG, "@graph": [_reuse_node(r) for r in reuses]})


def nakano_reuse_jsonld(reuse: dict[str, Any]) -> Markup:
    """schema.org JSON-LD of a published reuse: a CreativeWork whose ``isBasedOn`` lists the
    datasets it uses (their ``@id`` is the one ckanext-dcat gives them, so the two graphs join).

    isBasedOn rather than the datasets' ``subjectOf``: schema.org's isBasedOn is "a resource
    from which this work is derived" — the reuse points to its sources, which is what it is;
    subjectOf ("a CreativeWork about this thing") would say the reuse is about the dataset.
    The dataset's page carries the same nodes (nakano_reuses_jsonld)."""
    return _script_json({"@context": SCHEMA_ORG, **_reuse_node(reuse)})


def _reuse_node(reuse: dict[str, Any]) -> dict[str, Any]:
    site = str(tk.config["ckan.site_url"]).rstrip("/")
    creator: dict[str, Any] = {"name": reuse["provider"]}
    if reuse.get("provider_kind") in _ORGANISATIONS:
        creator["@type"] = "Organization"
    data: dict[str, Any] = {
        "@type": "CreativeWork",
        # The portal's page, without the reader's language (/en/…): one identifier per reuse.
        "@id": f"{site}/showcase/{reuse['name']}", "name": reuse["title"], "url": reuse["url"],
        "genre": reuse["labels"]["kind"], "creator": creator, "inLanguage": "ja",
        "isBasedOn": [{"@type": "Dataset", "@id": dataset_uri({"id": d["id"]}), "name": d["title"],
                       "url": f"{site}/dataset/{d['name']}"} for d in reuse["datasets"]]}
    if reuse.get("description"):
        data["description"] = reuse["description"]
    if reuse.get("image_url"):
        data["image"] = reuse["image_url"]
    if reuse.get("published"):
        data["datePublished"] = reuse["published"][:10]
    return data


def _script_json(data: Any) -> Markup:
    """JSON safe inside <script>: no "</script>" or "<!--" can be spelled with these escaped."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


# --- data requests ---

DEPARTMENT_REQUESTS = 5   # the latest open ones on a department's page; the rest through /request?department=…
DEPARTMENT_REUSES = 5
DEPARTMENT_SEARCHES = 5


def _reader_context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def nakano_request_month(value: str | None) -> str:
    """A planned month (2027-04) as the reader reads it: 2027年4月, April 2027 …"""
    return request_wording.month_text(value)


def nakano_department_requests(org: dict[str, Any]) -> dict[str, Any]:
    """A department's requests for its page: ``figures`` (received, open, answered, median days
    to a first answer: data_requests/figures.py), the ``latest`` open ones, and for its staff
    (members, sysadmins) the most frequent searches that found nothing (``zero_searches``,
    None for others)."""
    context = _reader_context()
    latest = tk.get_action("nakano_request_list")(context, {
        "department": [org["id"]], "status": list(request_figures.OPEN_STATUSES), "sort": "newest",
        "limit": DEPARTMENT_REQUESTS, "facets": False})["results"]
    user = model.User.get(context["user"]) if context["user"] else None
    staff = user is not None and Reader(user).inside(org["id"])
    zero = tk.get_action("nakano_search_terms")(context, {"zero_results": True, "limit": DEPARTMENT_SEARCHES}) \
        if staff else None
    return {"figures": request_figures.department_figures([org["id"]])[org["id"]], "latest": latest,
            "zero_searches": zero}


def nakano_department_reuses(org: dict[str, Any]) -> dict[str, Any]:
    """The published reuses of a department's datasets (the latest five, how many, and the
    address of all of them)."""
    found = _published_reuses({"department": [org["id"]], "limit": DEPARTMENT_REUSES})
    # By id: the list's department facet filters on the datasets' owner (an id), not a name.
    return {**found, "more_url": tk.h.url_for("nakano_showcase.index", department=org["id"])}


def nakano_standard_title(standard: str) -> str:
    """A 自治体標準オープンデータセット by its name in the page's language; "" for no standard."""
    entry = vocab.standard_datasets()["by_value"].get(standard or "")
    return language_text.text(entry) if entry else ""


def nakano_chart_number(value: Any) -> str:
    """A cell of a chart's table: a number in the page's language, a label as it is."""
    return chart_table.number_text(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else str(value)


def nakano_chart_link(pkg: dict[str, Any], res: dict[str, Any]) -> str | None:
    """The chart builder of a resource whose rows are in the DataStore (None otherwise)."""
    if not res.get("datastore_active"):
        return None
    return tk.url_for("nakano_charts.builder", id=pkg["name"], resource_id=res["id"])


def nakano_pinned_charts(pkg: dict[str, Any]) -> list[dict[str, Any]]:
    """Saved charts of the dataset's files that its department pinned on the dataset's page."""
    return pinned_charts.dataset_charts(pkg)


def nakano_department_title(org: dict[str, Any] | None, fallback: str = "") -> str:
    """A department's name in the page reader's language (departments.title_for_page)."""
    return departments.title_for_page(org, fallback)


def nakano_department_lessons(org: dict[str, Any]) -> list[Any]:
    """The lessons of /learn that use the department's datasets."""
    return learn_pages.department_lessons(org["id"])


def nakano_lesson_language() -> str:
    """The language the lessons are shown in on this page (Japanese or English)."""
    return learn_pages.lesson_language()


def nakano_department_charts(org: dict[str, Any]) -> list[dict[str, Any]]:
    """The latest charts pinned on the department's datasets."""
    return pinned_charts.department_charts(org["id"])


def nakano_text_limit() -> Markup:
    """「（5,000字まで）」 beside a submission's free-text field: said before sending, not after
    (issue 20's walk); the schema's limit (logic/submission_validators.py)."""
    return Markup(tags.span(tk._("(up to %(count)s characters)") % {"count": tk.h.localised_number(TEXT_LIMIT)},
                            cls="nakano-muted nakano-text-limit"))
