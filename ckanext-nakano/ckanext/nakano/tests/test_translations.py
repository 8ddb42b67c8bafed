"""The gettext catalogs (docs/translation.md): complete, compiled, nothing left outside
them, and every page kind of the portal walked in each language of the UI."""
from __future__ import annotations

import json
import re

import pytest
import yaml

from bs4 import BeautifulSoup

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.nakano import translations

TEMPLATES = translations.PACKAGE / "templates"
# Kana and CJK ideographs: Japanese text (ideographs alone also match Chinese).
JAPANESE = re.compile(r"[\u3041-\u30ff\u4e00-\u9fff]")
KANA = re.compile(r"[\u3041-\u30ff]")
OTHER_LOCALES = ("zh_Hans_CN", "ko_KR", "vi")


def test_catalogs_are_complete_and_compiled():
    found = translations.problems()
    assert not found, f"{len(found)} problems (first 40):\n" + "\n".join(found[:40])


def test_the_catalogs_are_the_offered_languages():
    offered = tk.config["ckan.locales_offered"]
    assert tk.config["ckan.locale_default"] == "ja"
    assert sorted(offered) == sorted(("en",) + translations.LOCALES)
    for locale in translations.LOCALES:
        assert (translations.I18N / locale / "LC_MESSAGES" / "ckanext-nakano.mo").exists()


_GETTEXT_CALL = re.compile(r"""\b(?:_|n?p?gettext|ungettext)\((?:\s*(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*,?)+""")


def _outside_gettext(text: str) -> str:
    """The template without comments and without the strings of gettext calls (an example
    word of the data in an English msgid is the translators' to keep)."""
    return _GETTEXT_CALL.sub("", re.sub(r"\{#.*?#\}", "", text, flags=re.S))


def test_templates_have_no_japanese_outside_the_catalogs():
    # Text a template writes itself is not translated. Allowed: each language named in its
    # own language (language_links.html).
    allowed = {"nakano/language_links.html"}
    found = []
    for path in sorted(list(TEMPLATES.rglob("*.html")) + list(TEMPLATES.rglob("*.txt"))):
        name = str(path.relative_to(TEMPLATES))
        if name in allowed:
            continue
        for number, line in enumerate(_outside_gettext(path.read_text(encoding="utf-8")).splitlines(), 1):
            if JAPANESE.search(line):
                found.append(f"{name}:{number}: {line.strip()[:100]}")
    assert not found, "Japanese text in templates, outside gettext:\n" + "\n".join(found)


def test_the_extractor_finds_text_marked_in_python_templates_and_yaml():
    extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in translations.extract() if m.id}
    assert "The description of this dataset is only in Japanese." in extracted    # template
    assert "Language" in extracted


# --- the page walk -------------------------------------------------------------------------

def _ours() -> tuple[set[str], dict[str, dict[str, set[str]]]]:
    """Our English msgids, and per locale the set of each msgid's translations."""
    english: set[str] = set()
    by_locale: dict[str, dict[str, set[str]]] = {}
    for message in translations.read(translations.POT):
        if message.id:
            english.update(translations._strings(message.id))
    for locale in ("ja",) + OTHER_LOCALES:
        catalog = translations.read(translations.po_path(locale), locale)
        by_locale[locale] = {}
        for message in catalog:
            if message.id:
                for msgid in translations._strings(message.id):
                    by_locale[locale].setdefault(msgid, set()).update(translations._strings(message.string))
    return english, by_locale


def _texts(html: str) -> list[tuple[str, bool]]:
    """Visible text nodes of a page, and whether each sits in an element tagged with a lang."""
    soup = BeautifulSoup(html, "html.parser")
    # Code is code (an example's query in Japanese), and not read as the page's language.
    for dead in soup(["style", "noscript", "pre", "code"]):
        dead.decompose()
    found = []
    for script in soup("script"):
        if script.get("type") == "application/json" and script.string:
            try:
                data = json.loads(script.string)
            except ValueError:
                continue
            values = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
            found += [(v.strip(), False) for v in values if isinstance(v, str) and v.strip()]
        script.decompose()
    for node in soup.find_all(string=True):
        text = " ".join(node.split())
        if not text:
            continue
        tagged = any(parent.has_attr("lang") for parent in node.parents if parent.name and parent.name != "html")
        found.append((text, tagged))
    for element in soup.find_all(attrs={"aria-label": True}):
        found.append((" ".join(element["aria-label"].split()), element.has_attr("lang")))
    for element in soup.find_all(attrs={"title": True}):
        found.append((" ".join(element["title"].split()), element.has_attr("lang")))
    return found


def _unquoted(text: str) -> str:
    """A sentence without the names it quotes in 「」 (a dataset's own Japanese name, kept
    by the translators with a gloss)."""
    return re.sub(r"「[^」]*」", "", text)


@pytest.mark.services
@pytest.mark.usefixtures("clean_db", "clean_index", "with_request_context")
def test_every_page_kind_in_each_language_has_no_untranslated_text_of_ours(app):
    sysadmin = factories.Sysadmin()
    token = factories.APIToken(user=sysadmin["name"])["token"]
    org = factories.Organization(title="翻訳確認部", name="translation-dept")
    dataset = factories.Dataset(owner_org=org["id"], name="translation-walk", title="翻訳確認用データ",
                                notes="この説明は日本語です。", category="人口・世帯", license_id="cc-by",
                                tags=[{"name": "翻訳"}])
    resource = factories.Resource(package_id=dataset["id"], url="https://example.org/walk.csv", format="CSV",
                                  name="翻訳確認ファイル")
    item = helpers.call_action("nakano_inventory_item_create", department=org["name"], local_id="T-1",
                               title="翻訳確認項目", section="翻訳確認課", status="closed", closed_reason="other",
                               closed_reason_note="翻訳確認のため", internal_memo="翻訳確認メモ")
    office = {"user": sysadmin["name"], "ignore_auth": False}
    reuse = helpers.call_action("nakano_showcase_create", context=office, title="翻訳確認の活用事例", kind="app",
                                url="https://example.org/app", provider="翻訳確認社", provider_kind="company",
                                description="翻訳確認の説明", datasets=[dataset["name"]])
    reuse = helpers.call_action("nakano_showcase_moderate", context=office, id=reuse["id"], decision="approve")
    asked = helpers.call_action("nakano_request_create", context=office, title="翻訳確認の要望", purpose="research",
                                description="翻訳確認の要望の説明", department=org["name"])
    asked = helpers.call_action("nakano_request_respond", context=office, id=asked["id"], status="declined",
                                decline_reason="personal", answer="翻訳確認の回答")
    # What the data itself says (titles, notes, names, vocabulary values): Japanese by nature.
    data = json.dumps([helpers.call_action("package_show", id=dataset["id"]),
                       helpers.call_action("organization_show", id=org["id"]), item, reuse, asked],
                      ensure_ascii=False)
    anonymous = ["/", "/dataset/", "/dataset/?q=zzzzzz-nothing", f"/dataset/{dataset['name']}",
                 f"/dataset/{dataset['name']}/resource/{resource['id']}", "/organization/",
                 f"/organization/{org['name']}", "/about", "/developers", "/api/docs", "/metrics", "/metrics/quality",
                 f"/metrics/department/{org['name']}", "/privacy", "/accessibility", "/user/login",
                 "/user/register", "/no-such-page-anywhere", "/inventory", f"/inventory/item/{item['id']}",
                 "/showcase", f"/showcase/{reuse['name']}", "/showcase/new", "/request", f"/request/{asked['id']}",
                 "/request/new"]
    staff = [f"/dataset/edit/{dataset['name']}", f"/dataset/{dataset['name']}/resource/new", "/dataset/new",
             "/ckan-admin/queues", "/harvest/", "/harvest-report", f"/inventory/department/{org['name']}",
             f"/inventory/department/{org['name']}/new", f"/inventory/item/{item['id']}/edit", "/showcase/moderate",
             f"/showcase/{reuse['name']}/edit"]
    english, ours = _ours()
    failures: list[str] = []
    for locale in OTHER_LOCALES:
        translated = ours[locale]
        for path, headers in [(p, {}) for p in anonymous] + [(p, {"Authorization": token}) for p in staff]:
            response = app.get(f"/{locale}{path}", headers=headers)
            if response.status_code >= 500:
                failures.append(f"{locale} {path}: {response.status_code}")
                continue
            html = response.body
            if f'lang="{tk.h.unix_locale_to_bcp47(locale)}"' not in html[:400]:
                failures.append(f"{locale} {path}: <html lang> is not {locale}")
            for text, tagged in _texts(html):
                if tagged:
                    continue
                if text in english and text not in translated.get(text, set()):
                    failures.append(f"{locale} {path}: English of ours: {text!r}")
                elif KANA.search(_unquoted(text)) and text not in data and not any(
                        part in data for part in re.split(r"[\s:：・,、()（）「」]+", text) if KANA.search(part)):
                    failures.append(f"{locale} {path}: Japanese not from the data: {text!r}")
    # Metadata stays Japanese: said in the visitor's language, and tagged for screen readers.
    notice = "The description of this dataset is only in Japanese."
    for locale in OTHER_LOCALES:
        page = app.get(f"/{locale}/dataset/{dataset['name']}").body
        said = next(iter(ours[locale][notice]))
        if said not in page or '<div class="notes embedded-content" lang="ja">' not in page:
            failures.append(f"{locale}: no 「only in Japanese」 notice ({said!r}) or no lang=ja on the notes")
    japanese = app.get(f"/dataset/{dataset['name']}").body
    if "nakano-ja-only" in japanese:
        failures.append("ja: the 「only in Japanese」 notice is shown on a Japanese page")
    assert not failures, f"{len(failures)} untranslated texts (first 60):\n" + "\n".join(dict.fromkeys(failures[:60]))


def _language_dicts(node, where: str):
    """Every dict of the ward's YAML that holds an English text (``en`` or ``<x>_en``)."""
    if isinstance(node, dict):
        for key in node:
            if key == "en" or (isinstance(key, str) and key.endswith("_en")):
                yield where, node, key[:-2]
        for key, value in node.items():
            yield from _language_dicts(value, f"{where}.{key}")
    elif isinstance(node, list):
        for number, value in enumerate(node):
            yield from _language_dicts(value, f"{where}[{number}]")


def test_every_label_of_the_schemas_is_in_every_language():
    schemas = translations.PACKAGE / "schemas"
    missing = []
    for path in sorted(list(schemas.glob("*.yaml")) + list(schemas.glob("vocab/*.yaml"))):
        for where, entry, prefix in _language_dicts(yaml.safe_load(path.read_text(encoding="utf-8")), path.name):
            for locale in OTHER_LOCALES:
                if not entry.get(f"{prefix}{locale}"):
                    missing.append(f"{where}: no {prefix}{locale} beside {entry[prefix + 'en']!r}")
    assert not missing, f"{len(missing)} labels without a translation (first 40):\n" + "\n".join(missing[:40])
