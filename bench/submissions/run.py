"""Reuses and data requests benchmark (issue 20): 10,000 data requests and 2,000 reuses over
the demo catalog; list pages, a dataset page with reuses against the same page with the
feature off, and the suggestions shown while a request's title is typed.

1. Data: the demo catalog, register, reuses and requests (``ckan nakano load-demo``), then a
   copy of the database (``CREATE DATABASE … TEMPLATE``) from which every reuse and request
   row is deleted: the portal as it was before the feature had any data ("feature off").
   Into the first database, through the stores (data_requests/store and reuses/store, as
   demo/submissions.py does; timed): 10,000 requests and 2,000 reuses generated from real
   vocabulary (the subjects and 自治体標準オープンデータセット names of bench/search/corpus.py, the
   ward's 町丁目, the demo datasets' titles), over the nine departments and every status
   and state, from 200 accounts and confirmed visitors; reuses use 1–3 demo datasets each,
   most are published, one demo dataset (AED) is used by 50 of them, and about half have
   a picture (a real PNG through the picture pipeline). Quality scores stored as the worker
   stores them (before the copy, and again after the reuses); ``VACUUM ANALYZE`` on both.
2. Dataset page: two gunicorns of the portal (2 sync workers each, as ``make up``), same
   ini, Solr core and Redis db, one on each database; requests alternate between them
   (order flipped each round): the page of the dataset used by 50 reuses and of the most
   used dataset, and as a control the search page (no reuse on it: ratio ≈ 1).
3. Lists, on the first server: ``/request`` and ``/showcase`` (first page, with ``q``, with
   ``q`` and a department filter) against the search page ``/dataset/`` of the same shape,
   round after round in a shuffled order: p50/p95 and the ratios of p95. ``q=公園`` lists 20
   requests or reuses but a few datasets, so the lists with it are also compared with the
   search page of a full page (``q=一覧``, 42 datasets); how many datasets each search page
   lists is recorded.
4. Suggestions: ``/request/suggest?q=`` with the first 1, 2, 3 and 4 characters of request
   titles, as a visitor and as a department member (API token in the Authorization header).

Own databases (nakano_bench_submissions, its copy nakano_bench_submissions_off, the DataStore
database nakano_bench_submissions_datastore), Solr core bench_submissions, Redis db 5.
Run through ``bench/run.sh submissions``.
"""
from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from ckanext.nakano.tests.portal_api import free_port, wait_until_answers

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LOCAL = Path(os.environ.get("NAKANO_LOCAL", ROOT / ".local"))
BENCH = LOCAL / "bench" / "submissions"
VENV = ROOT / ".venv" / "bin"
sys.path.insert(0, str(HERE.parent / "search"))
sys.path.insert(0, str(HERE.parent))
import common  # noqa: E402
import corpus  # noqa: E402
import run as search_bench  # noqa: E402

PORT = os.environ.get("NAKANO_PG_PORT", "5432")
SOLR = os.environ.get("NAKANO_SOLR_PORT", "8983")
REDIS = os.environ.get("NAKANO_REDIS_PORT", "6379")
DB, DB_OFF, DB_DS = "nakano_bench_submissions", "nakano_bench_submissions_off", "nakano_bench_submissions_datastore"
PG = f"postgresql://nakano:nakano@127.0.0.1:{PORT}"
ENV = {
    "CKAN_SQLALCHEMY_URL": f"{PG}/{DB}",
    "CKAN_DATASTORE_WRITE_URL": f"{PG}/{DB_DS}",
    "CKAN_DATASTORE_READ_URL": f"postgresql://nakano_datastore_ro:nakano_datastore_ro@127.0.0.1:{PORT}/{DB_DS}",
    "CKAN_SOLR_URL": f"http://127.0.0.1:{SOLR}/solr/bench_submissions",
    "CKAN_REDIS_URL": f"redis://127.0.0.1:{REDIS}/5",
    "CKAN_STORAGE_PATH": str(BENCH / "storage"),
    "CKAN_SITE_ID": "nakano-bench-submissions",
}
# The metrics middleware files requests whose agent says "monitor" under bots.
USER_AGENT = "nakano-bench-submissions (monitor)"
HOT_DATASET = "t131148d0000000013"   # AED設置箇所一覧 of the demo catalog: used by 50 reuses
HOT_REUSES = 50
Q = "公園"
FULL_Q = "一覧"      # a word of 42 of the 46 demo datasets' titles: a full page of search results
FILTER_DEPARTMENT = "toshi-kiban"
TABLES = ("nakano_reuse_dataset", "nakano_reuse", "nakano_data_request_change", "nakano_data_request_support",
          "nakano_data_request_follow", "nakano_data_request", "nakano_email_confirmation")
TARGET_DATASET, TARGET_LIST, TARGET_SUGGEST_MS = 1.1, 1.3, 150

# --- vocabulary of the generated requests and reuses --------------------------------------------

REQUEST_FORMS = [
    "{subject}の一覧", "{subject}の位置情報", "{town}の{subject}", "{subject}の利用者数（月別）",
    "{subject}の{year}年度実績", "{subject}一覧（緯度経度つき）", "{subject}の設備とバリアフリー情報",
    "{town}周辺の{subject}の件数", "{subject}の所在地と開設時間", "町丁別の{subject}の数",
    "{subject}の経年データ（{year}年度から）", "{subject}の空き状況",
]
REQUEST_WHY = [
    "地域の防災マップを作るために使いたい。", "子育て世帯向けのアプリで紹介したい。", "大学の演習で分析に使います。",
    "町会の回覧で配る地図を作りたい。", "記事で区内の状況を伝えたい。", "事業の出店計画の検討に使いたい。",
    "個人的に近所の状況を知りたい。", "高齢者の見守り活動で使いたい。",
]
FORMATS = ["CSV", "CSV", "CSV", "Excel", "API", "GeoJSON", "PDF", ""]
PURPOSES = ["business", "research", "press", "community", "personal", "other"]
STATUSES = [("received", 0.35), ("considering", 0.20), ("planned", 0.15), ("published", 0.15), ("declined", 0.15)]
REQUEST_STATES = [("active", 0.88), ("pending", 0.04), ("unconfirmed", 0.02), ("merged", 0.04), ("hidden", 0.02)]
ANSWERS = {"considering": "担当課で公開の可否と形式を検討しています。",
           "planned": "個人が特定されない形に加工したうえで公開します。",
           "published": "オープンデータとして公開しました。",
           "declined": "お求めの形では公開できません。集計したデータは公開しています。"}
REUSE_FORMS = {
    "app": ["{subject}マップ", "{town}{subject}ナビ", "{subject}検索アプリ", "なかの{subject}ファインダー"],
    "visualization": ["{subject}の分布の可視化", "{town}の{subject}ダッシュボード", "{subject}の推移グラフ"],
    "article": ["区内の{subject}を歩いてみた", "データで見る中野区の{subject}", "{town}の{subject}事情"],
    "research": ["{subject}の立地と人口分布に関する分析", "中野区における{subject}の空間分析",
                 "{subject}へのアクセス性の評価"],
    "education": ["{subject}データで学ぶ地域講座", "中学生のためのオープンデータ入門：{subject}"],
    "policy": ["{subject}の配置見直しに向けた分析（EBPM）", "{subject}の需要推計"],
    "event": ["中野区オープンデータハッカソン{year}：{subject}", "アイデアソン「{subject}を使いこなす」"],
    "other": ["{subject}の紙の地図", "{subject}のポスター展示"],
}
PROVIDERS = {
    "company": ["株式会社なかのデータラボ", "中野テック株式会社", "合同会社まちマップ", "株式会社ローカルメディア中野"],
    "academia": ["中野大学 地域情報学研究室", "東京都内大学 都市計画研究室", "中野高専 情報工学科"],
    "citizen": ["中野の防災を考える会", "江古田の子育てネットワーク", "個人開発者（中野区在住）", "鷺宮町会 広報部"],
    "npo": ["NPO法人 地域データ支援センター", "NPO法人 なかの子育てひろば"],
    "government": ["中野区 企画部 企画課", "中野区 地域支えあい推進部"],
    "other": ["中野区オープンデータ勉強会", "コミュニティFM なかの"],
}
REUSE_STATES = [("published", 0.85), ("pending", 0.05), ("rejected", 0.04), ("withdrawn", 0.03),
                ("unconfirmed", 0.02), ("proposed", 0.01)]


def pick(rnd: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rnd.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


pct, figures, site_context = common.pct, common.figures, common.site_context


# --- setting up ---------------------------------------------------------------------------------

def write_ini() -> Path:
    return common.write_ini(BENCH, f"{PG}/{DB}")


def ckan(ini: Path, *args: str) -> str:
    done = subprocess.run([str(VENV / "ckan"), "-c", str(ini), *args], env=dict(os.environ, **ENV),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"ckan {' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done.stdout


def load_portal(ini: Path) -> Any:
    return common.load_portal(ini, ENV)


def make_accounts(count: int) -> dict[str, Any]:
    """``count`` accounts that send requests and reuses and support requests; a department
    member (editor of the department with the most items not listed in the register) with an
    API token."""
    import ckan.plugins.toolkit as tk
    from ckan import model
    from ckanext.nakano.model import InventoryItem
    users = []
    for i in range(count):
        name = f"bench-user-{i:03d}"
        if model.User.get(name) is None:
            tk.get_action("user_create")(site_context(), {
                "name": name, "email": f"{name}@example.jp", "password": f"Bench-{i:03d}-HorseBattery",
                "fullname": f"ベンチ利用者{i:03d}"})
        users.append(model.User.get(name).id)
    department = model.Session.execute(sa.select(model.Group.name).join(
        InventoryItem, InventoryItem.organization_id == model.Group.id).where(InventoryItem.listed.is_(False))
        .group_by(model.Group.name).order_by(sa.func.count().desc(), model.Group.name).limit(1)).scalar() or "kikaku"
    if model.User.get("bench-member") is None:
        tk.get_action("user_create")(site_context(), {"name": "bench-member", "email": "member@example.jp",
                                                      "password": "Bench-Member-HorseBattery"})
        tk.get_action("organization_member_create")(site_context(), {"id": department, "username": "bench-member",
                                                                     "role": "editor"})
    token = tk.get_action("api_token_create")(site_context(), {"user": "bench-member", "name": "bench"})["token"]
    model.Session.commit()
    return {"users": users, "member_department": department, "token": token}


def copy_database() -> None:
    """The feature-off portal: a copy of the database, without any reuse or request row."""
    subprocess.run([str(ROOT / "scripts" / "services.sh"), "dropdb", DB_OFF], check=True, capture_output=True)
    engine = sa.create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f"create database {DB_OFF} template {DB}"))
    engine.dispose()
    engine = sa.create_engine(f"{PG}/{DB_OFF}")
    with engine.begin() as conn:
        for table in TABLES:
            conn.execute(sa.text(f"delete from {table}"))
    engine.dispose()


def vacuum(db: str) -> None:
    engine = sa.create_engine(f"{PG}/{db}", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("vacuum analyze"))
    engine.dispose()


def counts(db: str) -> dict[str, int]:
    engine = sa.create_engine(f"{PG}/{db}")
    with engine.connect() as conn:
        out = {t: conn.execute(sa.text(f"select count(*) from {t}")).scalar() for t in TABLES}
        out["package"] = conn.execute(sa.text("select count(*) from package where state = 'active' "
                                              "and type = 'dataset'")).scalar()
        out["inventory_item"] = conn.execute(sa.text("select count(*) from nakano_inventory_item")).scalar()
    engine.dispose()
    return out


# --- generating ---------------------------------------------------------------------------------

def picture() -> bytes:
    """A real picture through the portal's pipeline (content-checked, re-encoded WebP)."""
    from PIL import Image
    from ckanext.nakano.reuses import images
    raw = io.BytesIO()
    Image.new("RGB", (640, 360), (40, 120, 90)).save(raw, "PNG")
    return images.accept(raw.getvalue(), "bench.png")[0]


def generate(accounts: dict[str, Any], n_requests: int, n_reuses: int, seed: int = 131148) -> dict[str, Any]:
    """Requests and reuses through the stores (as demo/submissions.py), committed every 500."""
    from ckan import model
    from ckanext.nakano.data_requests import store as request_store
    from ckanext.nakano.inventory import schema as inventory_schema
    from ckanext.nakano.model import DataRequest, DataRequestSupport, InventoryItem
    from ckanext.nakano.reader import Reader
    from ckanext.nakano.reuses import images, store as reuse_store

    rnd = random.Random(seed)
    office = Reader(None, ignore_auth=True)
    towns, _sections = corpus._vocabulary()
    users = accounts["users"]
    now = datetime.datetime.utcnow()
    orgs = [o.id for o in model.Session.query(model.Group).filter(model.Group.is_organization.is_(True),
                                                                  model.Group.state == "active")
            .order_by(model.Group.name)]
    packages = (model.Session.query(model.Package).filter(model.Package.state == "active",
                                                          model.Package.type == "dataset")
                .order_by(model.Package.name).all())
    public = [p for p in packages if not p.private]
    by_org: dict[str, list[str]] = {}
    for p in public:
        by_org.setdefault(p.owner_org, []).append(p.id)
    items: dict[str, list[str]] = {}
    for item_id, org in model.Session.query(InventoryItem.id, InventoryItem.organization_id):
        items.setdefault(org, []).append(item_id)
    reasons = [c["value"] for c in inventory_schema.field("closed_reason").choices]

    # Requests ---------------------------------------------------------------------------------
    start = time.perf_counter()
    listed: list[tuple[int, str | None]] = []   # requests a duplicate may be merged into
    first_id = None
    states: dict[str, int] = {}
    statuses: dict[str, int] = {}
    for i in range(n_requests):
        subject = rnd.choice(corpus.SUBJECTS)
        title = rnd.choice(REQUEST_FORMS).format(subject=subject, town=rnd.choice(towns),
                                                 year=rnd.randint(2015, 2025))
        purpose = rnd.choice(PURPOSES)
        org = rnd.choice(orgs) if rnd.random() < 0.95 else None   # the rest: routed by the office
        state = pick(rnd, REQUEST_STATES)
        visitor = state == "unconfirmed" or rnd.random() < 0.2   # a visitor confirms by e-mail
        requester = None if visitor else rnd.choice(users)
        fields = {"title": title, "description": f"{rnd.choice(REQUEST_WHY)}{subject}について、{rnd.choice(towns)}を含む"
                                                 "区内全域の情報がほしいです。",
                  "purpose": purpose, "purpose_text": rnd.choice(REQUEST_WHY) if rnd.random() < 0.5 else "",
                  "format_wanted": rnd.choice(FORMATS), "show_name": rnd.random() < 0.3}
        request = request_store.create(fields, org, requester, f"visitor{i}@example.jp" if visitor else None,
                                       "first-of-account" if state == "pending" else None)
        first_id = first_id or request.id
        when = now - datetime.timedelta(days=rnd.uniform(1, 3 * 365))
        request.created = request.modified = request.status_since = when
        status = pick(rnd, STATUSES) if state in ("active", "merged", "hidden") and org else "received"
        if status != "received":
            answer: dict[str, Any] = {"status": status, "answer": ANSWERS[status]}
            if status == "planned":
                answer["planned_month"] = f"{rnd.randint(2026, 2028)}-{rnd.randint(1, 12):02d}"
            elif status == "published" and by_org.get(org):
                answer["dataset_id"] = rnd.choice(by_org[org])
            elif status == "declined":
                answer["decline_reason"] = rnd.choice(reasons)
            if items.get(org) and rnd.random() < 0.3:
                answer["inventory_item_id"] = rnd.choice(items[org])
            request_store.respond(request, answer, rnd.choice(users), by_department=True)
            request.first_answer = request.status_since = when + datetime.timedelta(days=rnd.expovariate(1 / 20))
        # A confirmed visitor's request is listed or held as an account's is.
        request.state = "active" if state in ("active", "merged", "hidden") else state
        if request.state == "active":
            request.held_reason = None
        # 「私も必要」: most requests none or a few, some many.
        supporters = rnd.sample(users, min(len(users), int(rnd.paretovariate(1.6)) - 1))
        for user in supporters:
            if user != requester:
                model.Session.add(DataRequestSupport(request_id=request.id, user_id=user))
        request.supporters = len([u for u in supporters if u != requester])
        if state == "merged" and listed:
            # A duplicate of a recent request, of the same department when there is one.
            target_id = rnd.choice([c for c in listed[-300:] if c[1] == org] or listed[-300:])[0]
            model.Session.flush()
            request_store.merge(request, model.Session.get(DataRequest, target_id), rnd.choice(users))
        elif state == "hidden":
            request_store.edit(request, {"state": "hidden"}, None)
        elif state == "active":
            listed.append((request.id, org))
        states[request.state] = states.get(request.state, 0) + 1
        statuses[request.status] = statuses.get(request.status, 0) + 1
        if i % 500 == 499:
            model.Session.commit()
    model.Session.commit()
    # The history's dates follow the request's (created, then its first answer).
    model.Session.execute(sa.text(
        "update nakano_data_request_change c set ts = case when c.kind = 'answered' "
        "then coalesce(r.first_answer, r.created) else r.created end "
        "from nakano_data_request r where r.id = c.request_id and c.request_id > :first"),
        {"first": first_id - 1})
    model.Session.commit()
    requests_seconds = time.perf_counter() - start

    # Reuses -----------------------------------------------------------------------------------
    start = time.perf_counter()
    webp = picture()
    hot = model.Package.get(HOT_DATASET)
    others = [p for p in public if p.id != hot.id]
    rnd.shuffle(others)
    # Some datasets are used far more than others (weights 1/rank^0.8).
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(others))]
    titles = {p.id: p.title for p in public}
    hot_at = set(rnd.sample(range(n_reuses), HOT_REUSES))
    reuse_states: dict[str, int] = {}
    for i in range(n_reuses):
        kind = rnd.choice(list(REUSE_FORMS))
        provider_kind = rnd.choice(list(PROVIDERS))
        used: list[str] = []
        if i in hot_at:
            used.append(hot.id)
        wanted = rnd.choices([1, 2, 3], [0.55, 0.30, 0.15])[0]
        while len(used) < wanted:
            pkg = rnd.choices(others, weights)[0]
            if pkg.id not in used:
                used.append(pkg.id)
        subject = titles[used[0]].replace("一覧", "").replace("中野区", "") or rnd.choice(corpus.SUBJECTS)
        if rnd.random() < 0.5:
            subject = rnd.choice(corpus.SUBJECTS)
        title = rnd.choice(REUSE_FORMS[kind]).format(subject=subject, town=rnd.choice(towns),
                                                     year=rnd.randint(2018, 2026))
        state = pick(rnd, REUSE_STATES)
        visitor = state == "unconfirmed" or rnd.random() < 0.2
        fields = {"title": title, "kind": kind, "url": f"https://example.jp/reuse/{i}",
                  "description": f"中野区の**{titles[used[0]]}**などを使った{title}です。\n\n"
                                 f"- 対象地域: {rnd.choice(towns)}ほか区内全域\n- 更新: {rnd.randint(2019, 2026)}年",
                  "provider": rnd.choice(PROVIDERS[provider_kind]), "provider_kind": provider_kind}
        reuse = reuse_store.create(fields, used, None if visitor else rnd.choice(users),
                                   f"reuse{i}@example.jp" if visitor else None)
        if rnd.random() < 0.5:
            reuse.image = images.store(reuse.id, webp)
        when = now - datetime.timedelta(days=rnd.uniform(1, 3 * 365))
        reuse.created = reuse.modified = when
        if state in ("published", "rejected", "proposed", "withdrawn"):
            reuse_store.moderate(reuse, state != "rejected", "リンク先のページが開けませんでした。", office)
            reuse.published = when + datetime.timedelta(days=rnd.uniform(0, 10)) if state != "rejected" else None
        elif state == "pending" and reuse.state == "unconfirmed":
            reuse.state = "pending"   # a visitor who confirmed the address
        if state == "proposed":
            reuse.proposed = {**{k: getattr(reuse, k) for k in reuse_store.EDITABLE},
                              "title": f"{title}（改訂版）", "datasets": used}
        elif state == "withdrawn":
            reuse_store.withdraw(reuse)
        reuse_states[reuse.state] = reuse_states.get(reuse.state, 0) + 1
        if i % 500 == 499:
            model.Session.commit()
    model.Session.commit()
    reuses_seconds = time.perf_counter() - start
    used_most = model.Session.execute(sa.text(
        "select p.name, count(*) from nakano_reuse_dataset d join nakano_reuse r on r.id = d.reuse_id "
        "join package p on p.id = d.package_id where r.state = 'published' group by p.name "
        "order by count(*) desc limit 1")).one()
    hot_published = model.Session.execute(sa.text(
        "select count(*) from nakano_reuse_dataset d join nakano_reuse r on r.id = d.reuse_id "
        "where r.state = 'published' and d.package_id = :id"), {"id": hot.id}).scalar()
    sample = [t for (t,) in model.Session.query(DataRequest.title).filter(DataRequest.state == "active")
              .order_by(DataRequest.id).limit(n_requests)]
    return {"requests": n_requests, "requests_seconds": round(requests_seconds, 1),
            "requests_per_s": round(n_requests / requests_seconds, 1),
            "request_states": states, "request_statuses": statuses,
            "reuses": n_reuses, "reuses_seconds": round(reuses_seconds, 1),
            "reuses_per_s": round(n_reuses / reuses_seconds, 1), "reuse_states": reuse_states,
            "hot_dataset": {"name": HOT_DATASET, "reuses": HOT_REUSES, "published": hot_published},
            "most_used_dataset": {"name": used_most[0], "published": used_most[1]},
            "titles": sample}


# --- measuring ----------------------------------------------------------------------------------

def start_server(ini: Path, port: int, db: str, name: str) -> subprocess.Popen[bytes]:
    """gunicorn as `make up` runs it (2 sync workers), on ``db``."""
    log = BENCH / f"{name}.log"
    proc = subprocess.Popen(
        [str(VENV / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "300",
         "--error-logfile", str(log), "--capture-output", "ckanext.nakano.wsgi:application"],
        env={**os.environ, **ENV, "CKAN_SQLALCHEMY_URL": f"{PG}/{db}", "CKAN_INI": str(ini)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if wait_until_answers(f"http://127.0.0.1:{port}", 180, alive=lambda: proc.poll() is None):
        return proc
    proc.terminate()
    raise SystemExit(f"gunicorn {name} on {port} did not start; see {log}")


class Client:
    def __init__(self) -> None:
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def count(self, url: str, marker: str) -> int:
        """How many times ``marker`` is on the page (the items it lists)."""
        return self.session.get(url, timeout=300).text.count(marker)

    def time(self, url: str, headers: dict[str, str] | None = None, expect: str | None = None) -> float:
        start = time.perf_counter()
        answer = self.session.get(url, headers=headers, timeout=300, allow_redirects=False)
        took = time.perf_counter() - start
        if answer.status_code != 200:
            raise SystemExit(f"{url}: {answer.status_code}")
        if expect is not None and expect not in answer.text:
            raise SystemExit(f"{url}: {expect!r} not in the page")
        return took


def measure_dataset(client: Client, bases: dict[str, str], pages: dict[str, tuple[str, str | None, str | None]],
                    rounds: int) -> dict[str, Any]:
    """Each page on the two servers, alternating (order flipped each round)."""
    out: dict[str, Any] = {}
    for label, (path, expect_on, expect_off) in pages.items():
        expects = {"on": expect_on, "off": expect_off}
        for name in bases:
            for _ in range(5):
                client.time(bases[name] + path, expect=expects[name])
        times: dict[str, list[float]] = {name: [] for name in bases}
        for r in range(rounds):
            for name in (("on", "off") if r % 2 == 0 else ("off", "on")):
                times[name].append(client.time(bases[name] + path))
        paired = [a / b for a, b in zip(times["on"], times["off"])]
        out[label] = {"path": path, "on": figures(times["on"]), "off": figures(times["off"]),
                      "ratio_p95": round(pct(times["on"], 0.95) / pct(times["off"], 0.95), 3),
                      "ratio_p50": round(statistics.median(times["on"]) / statistics.median(times["off"]), 3),
                      "ratio_paired_median": round(statistics.median(paired), 3)}
        print(label, json.dumps(out[label], ensure_ascii=False), flush=True)
    return out


def measure_lists(client: Client, base: str, rounds: int) -> dict[str, Any]:
    """/request and /showcase against the search page of the same shape, shuffled each round."""
    q = urllib.parse.quote(Q)
    full = urllib.parse.quote(FULL_Q)
    # q=公園 lists 20 requests or reuses but only a few of the 46 demo datasets; the search page
    # with 「一覧」 (42 datasets) lists a full page of 20, the lists' shape.
    shapes = {"first page": ("", ""), f"q={Q}": (f"?q={q}", f"?q={q}"),
              f"q={Q}, search page q={FULL_Q}": (f"?q={q}", f"?q={full}"),
              f"q={Q} + department": (f"?q={q}&department={FILTER_DEPARTMENT}",
                                      f"?q={q}&organization={FILTER_DEPARTMENT}")}
    urls: dict[str, str] = {}
    for shape, (ours, search) in shapes.items():
        urls[f"/request {shape}"] = f"/request{ours}"
        urls[f"/showcase {shape}"] = f"/showcase{ours}"
        urls[f"/dataset/ {shape}"] = f"/dataset/{search}"
    listed = {key: client.count(base + path, 'class="dataset-item') for key, path in urls.items()
              if key.startswith("/dataset/")}
    print("datasets listed by the search page:", json.dumps(listed, ensure_ascii=False), flush=True)
    for path in urls.values():
        for _ in range(5):
            client.time(base + path)
    times: dict[str, list[float]] = {k: [] for k in urls}
    rnd = random.Random(5)
    keys = list(urls)
    for _ in range(rounds):
        rnd.shuffle(keys)
        for key in keys:
            times[key].append(client.time(base + urls[key]))
    out: dict[str, Any] = {}
    for key, path in urls.items():
        out[key] = {"path": path, **figures(times[key])}
        if key in listed:
            out[key]["datasets_listed"] = listed[key]
    for shape in shapes:
        search = pct(times[f"/dataset/ {shape}"], 0.95)
        search50 = statistics.median(times[f"/dataset/ {shape}"])
        for page in ("/request", "/showcase"):
            key = f"{page} {shape}"
            out[key]["over_search_p95"] = round(pct(times[key], 0.95) / search, 3)
            out[key]["over_search_p50"] = round(statistics.median(times[key]) / search50, 3)
    for key, value in out.items():
        print(key, json.dumps(value, ensure_ascii=False), flush=True)
    return out


def measure_suggest(client: Client, base: str, titles: list[str], token: str, rounds: int) -> dict[str, Any]:
    """/request/suggest with the first 1–4 characters of titles, visitor and member alternating."""
    readers = {"visitor": None, "member": {"Authorization": token}}
    for headers in readers.values():
        for title in titles[:5]:
            client.time(f"{base}/request/suggest?q={urllib.parse.quote(title[:2])}", headers)
    times: dict[tuple[str, int], list[float]] = {(r, n): [] for r in readers for n in (1, 2, 3, 4)}
    for r in range(rounds):
        for title in titles:
            for n in (1, 2, 3, 4):   # as typed
                order = list(readers) if (r + n) % 2 == 0 else list(reversed(readers))
                for reader in order:
                    times[(reader, n)].append(client.time(
                        f"{base}/request/suggest?q={urllib.parse.quote(title[:n])}", readers[reader]))
    out: dict[str, Any] = {}
    for reader in readers:
        out[reader] = {f"{n} chars": figures(times[(reader, n)]) for n in (1, 2, 3, 4)}
        out[reader]["all"] = figures([t for n in (1, 2, 3, 4) for t in times[(reader, n)]])
        out[reader]["2-4 chars"] = figures([t for n in (2, 3, 4) for t in times[(reader, n)]])
    print("suggest", json.dumps(out, ensure_ascii=False), flush=True)
    return out


def check_member(base: str, token: str) -> None:
    """The token signs the member in on pages (a visitor is sent to the login page)."""
    visitor = requests.get(f"{base}/dashboard/datasets", allow_redirects=False, timeout=60)
    member = requests.get(f"{base}/dashboard/datasets", headers={"Authorization": token}, allow_redirects=False,
                          timeout=60)
    if visitor.status_code == 200 or member.status_code != 200:
        raise SystemExit(f"the API token does not sign the member in (visitor {visitor.status_code}, "
                         f"member {member.status_code})")


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--reuses", type=int, default=2_000)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--dataset-rounds", type=int, default=500)
    parser.add_argument("--list-rounds", type=int, default=300)
    parser.add_argument("--suggest-titles", type=int, default=40)
    parser.add_argument("--suggest-rounds", type=int, default=5)
    parser.add_argument("--out", default=str(BENCH / "result.json"))
    parser.add_argument("--accounts-once", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    began = time.perf_counter()
    BENCH.mkdir(parents=True, exist_ok=True)
    ini = write_ini()
    if args.accounts_once:
        with load_portal(ini).test_request_context():
            accounts = make_accounts(args.accounts_once)
            # Quality scores as the worker stores them (the dataset page reads the stored one).
            from ckanext.nakano.metrics import quality
            quality.refresh_all()
            print(json.dumps(accounts))
        return
    report: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                    "processor": next((line.split(":", 1)[1].strip() for line in
                                       Path("/proc/cpuinfo").read_text().splitlines()
                                       if line.startswith("model name")), platform.machine())}}

    step = time.perf_counter()
    search_bench.create_core("bench_submissions", ROOT / "solr" / "conf" / "schema.xml")
    import redis
    redis.Redis.from_url(ENV["CKAN_REDIS_URL"]).flushdb()
    subprocess.run(["rm", "-rf", str(BENCH / "storage")], check=True)
    ckan(ini, "db", "clean", "--yes")
    ckan(ini, "db", "init")
    ckan(ini, "db", "upgrade")
    ckan(ini, "nakano", "load-demo")
    ckan(ini, "asset", "build")
    report["setup_seconds"] = round(time.perf_counter() - step, 1)
    print(f"demo catalog loaded, assets built: {report['setup_seconds']} s", flush=True)

    # The accounts in a process of their own: CKAN's plugins keep connections open, and a
    # database is copied only when nobody is connected to it.
    done = subprocess.run([str(VENV / "python"), __file__, "--accounts-once", str(args.accounts)],
                          env=dict(os.environ, **ENV), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"making the accounts failed:\n{done.stderr[-3000:]}")
    accounts = json.loads(done.stdout.strip().splitlines()[-1])
    copy_database()
    app = load_portal(ini)
    from ckan import model
    with app.test_request_context():
        generated = generate(accounts, args.requests, args.reuses)
        # A published reuse counts in its datasets' scores (the worker's job after moderation).
        from ckanext.nakano.metrics import quality
        quality.refresh_all()
    model.Session.remove()
    titles = generated.pop("titles")
    print("generated", json.dumps(generated, ensure_ascii=False), flush=True)
    for db in (DB, DB_OFF):
        vacuum(db)
    report["data"] = {**generated, "member_department": accounts["member_department"],
                      "rows_on": counts(DB), "rows_off": counts(DB_OFF)}
    print("rows", json.dumps({"on": report["data"]["rows_on"], "off": report["data"]["rows_off"]}), flush=True)

    ports = {"on": free_port(), "off": free_port()}
    procs = [start_server(ini, ports["on"], DB, "on"), start_server(ini, ports["off"], DB_OFF, "off")]
    bases = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    client = Client()
    report["loadavg_before"] = loadavg()
    try:
        check_member(bases["on"], accounts["token"])
        most = generated["most_used_dataset"]["name"]
        block = 'class="module-content nakano-dataset-reuses"'
        invite = "nakano-reuse-invite"
        step = time.perf_counter()
        report["dataset_page"] = measure_dataset(client, bases, {
            f"dataset page, {HOT_REUSES} reuses": (f"/dataset/{HOT_DATASET}", block, invite),
            f"dataset page, most used ({generated['most_used_dataset']['published']} reuses)":
                (f"/dataset/{most}", block, invite),
            "search page (control)": ("/dataset/", None, None),
        }, args.dataset_rounds)
        report["lists"] = measure_lists(client, bases["on"], args.list_rounds)
        rnd = random.Random(11)
        sample = rnd.sample(titles, args.suggest_titles)
        report["suggest"] = measure_suggest(client, bases["on"], sample, accounts["token"], args.suggest_rounds)
        report["suggest"]["titles"] = sample
        report["measure_seconds"] = round(time.perf_counter() - step, 1)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
    report["loadavg_after"] = loadavg()
    report["rounds"] = {"dataset": args.dataset_rounds, "lists": args.list_rounds,
                        "suggest": args.suggest_rounds, "suggest_titles": args.suggest_titles}

    verdict = {}
    for label, found in report["dataset_page"].items():
        if label.startswith("dataset page"):
            verdict[label] = {"ratio_p95": found["ratio_p95"], "target": TARGET_DATASET,
                              "met": found["ratio_p95"] <= TARGET_DATASET}
    for label, found in report["lists"].items():
        if "over_search_p95" in found:
            verdict[label] = {"ratio_p95": found["over_search_p95"], "target": TARGET_LIST,
                              "met": found["over_search_p95"] <= TARGET_LIST}
    for reader in ("visitor", "member"):
        p95 = report["suggest"][reader]["all"]["p95_ms"]
        verdict[f"suggest p95, {reader}"] = {"p95_ms": p95, "target_ms": TARGET_SUGGEST_MS,
                                             "met": p95 <= TARGET_SUGGEST_MS}
    report["verdict"] = verdict
    report["total_seconds"] = round(time.perf_counter() - began, 1)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print("\nSummary: p50 / p95 in ms; ratio of p95; target")
    for label, found in report["dataset_page"].items():
        met = found["ratio_p95"] <= TARGET_DATASET
        print(f"  {label:44s} on {found['on']['p50_ms']:6.1f} / {found['on']['p95_ms']:6.1f}   off "
              f"{found['off']['p50_ms']:6.1f} / {found['off']['p95_ms']:6.1f}   {found['ratio_p95']:5.2f}  "
              + ("(control)" if label.startswith("search") else f"≤ {TARGET_DATASET} {'met' if met else 'MISSED'}"))
    for label, found in report["lists"].items():
        tail = (f"{found['over_search_p95']:5.2f}  ≤ {TARGET_LIST} "
                f"{'met' if found['over_search_p95'] <= TARGET_LIST else 'MISSED'}") if "over_search_p95" in found \
            else "(search page)"
        print(f"  {label:44s} {found['p50_ms']:6.1f} / {found['p95_ms']:6.1f}   {tail}")
    for reader in ("visitor", "member"):
        for key, found in report["suggest"][reader].items():
            met = found["p95_ms"] <= TARGET_SUGGEST_MS
            print(f"  suggest, {reader}, {key:10s} {found['p50_ms']:6.1f} / {found['p95_ms']:6.1f}"
                  + (f"   ≤ {TARGET_SUGGEST_MS} ms {'met' if met else 'MISSED'}" if key == "all" else ""))
    print(f"total {report['total_seconds']} s; written {args.out}")


if __name__ == "__main__":
    main()
