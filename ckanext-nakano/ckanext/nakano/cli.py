"""``ckan nakano …`` commands."""
from __future__ import annotations

import datetime
from pathlib import Path

import click

import ckan.plugins.toolkit as tk
from ckan import model

from . import dead_letters as dead_letter_lists
from . import index_check, reindex, translations
from .background import upkeep as upkeep_process
from .background.worker import run_worker
from .demo.loader import load_demo as run_load_demo
from . import messages as harvest_messages
from .harvest import schedule
from .harvest.consumers import consume
from .harvest.sources import SourceError, sync
from .inventory.export import register_file as inventory_export_file
from .learn import publish as lesson_reuses
from .reader import Reader as InventoryReader
from .metrics import ingest, ingester, linkcheck, quality, rollup, usage_dataset
from .validation import jobs

__all__ = ["nakano"]


@click.group(short_help="Nakano Open Data Portal commands / 中野区ポータルのコマンド")
def nakano() -> None:
    """Commands of the Nakano Open Data Portal."""


@nakano.command("load-demo")
def load_demo() -> None:
    """Load the demo catalog (idempotent) / デモカタログを読み込む."""
    done = run_load_demo()
    click.echo(
        f"organizations created: {len(done.organizations_created)}, "
        f"datasets created: {len(done.datasets_created)}, "
        f"already present: {len(done.datasets_present)}, "
        f"sample files attached: {len(done.samples_attached)}, "
        f"inventory items created: {done.inventory_items_created}, "
        f"reuses created: {done.reuses_created}, data requests created: {done.requests_created}"
    )


@nakano.command("worker-token")
@click.argument("name", default="workers")
@click.option("--replace", is_flag=True,
              help="revoke the site user's tokens of this name first / 同名の既存トークンを失効させる")
def worker_token(name: str, replace: bool) -> None:
    """Print a new API token of the site user for the portal's workers (xloader)
    / ワーカー用のAPIトークン. The site user's requests are not counted as use."""
    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    if replace:
        user = model.User.get(site)
        old = model.Session.query(model.ApiToken).filter_by(user_id=user.id, name=name).all()
        for token in old:
            tk.get_action("api_token_revoke")({"user": site, "ignore_auth": True}, {"jti": token.id})
        click.echo(f"revoked: {len(old)}", err=True)
    token = tk.get_action("api_token_create")({"user": site, "ignore_auth": True}, {"user": site, "name": name})
    click.echo(token["token"])


@nakano.command("worker")
@click.argument("queues", nargs=-1)
def worker(queues: tuple[str, ...]) -> None:
    """CKAN's job worker for QUEUES (default: default), restarted after a Redis
    outage / ジョブ処理（Redis 再起動後も自動で再開）."""
    run_worker(list(queues) or ["default"])


@nakano.command("upkeep")
@click.option("--once", is_flag=True, help="one pass, then exit / 1回だけ実行")
@click.option("--run", "force", multiple=True, metavar="TASK",
              help="with --once: also run this periodic task now (e.g. 'search index') / 今すぐ実行する定期処理")
def upkeep(once: bool, force: tuple[str, ...]) -> None:
    """Recover work whose process died, run periodic checks, queue the daily
    tasks; every few seconds until stopped / 定期保守（中断した処理の回復・索引の点検・日次処理）."""
    unknown = set(force) - set(upkeep_process.periodic_tasks())
    if unknown:
        raise click.UsageError(f"--run: one of {', '.join(upkeep_process.periodic_tasks())}")
    upkeep_process.run(once=once, force=force, echo=click.echo)


@nakano.command("dead-letters")
@click.argument("queue", required=False)
@click.option("--limit", default=20, show_default=True, help="items per queue")
def dead_letters_command(queue: str | None, limit: int) -> None:
    """Queue items set aside with their reason / 処理できず保留にした項目."""
    for name in [queue] if queue else list(dead_letter_lists.QUEUES):
        if name not in dead_letter_lists.QUEUES:
            raise click.UsageError(f"queue: one of {', '.join(dead_letter_lists.QUEUES)}")
        found = dead_letter_lists.items(name, limit)
        click.echo(f"{name}: {dead_letter_lists.counts()[name]}")
        for item in found:
            click.echo(f"  {item['at']}  {item['reason']}\n    {item['item'][:300]}")


@nakano.command("validate")
@click.argument("resource_ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="every tabular resource of the portal")
@click.option("--now", is_flag=True, help="validate in this process instead of queueing jobs")
def validate(resource_ids: tuple[str, ...], everything: bool, now: bool) -> None:
    """Validate resources again / リソースを再検証する."""
    if everything:
        resource_ids = tuple(r.id for r in model.Session.query(model.Resource).filter_by(state="active"))
    if not resource_ids:
        raise click.UsageError("name resources or use --all / リソースIDか --all を指定してください")
    count = 0
    for resource_id in resource_ids:
        resource = tk.get_action("resource_show")({"ignore_auth": True}, {"id": resource_id})
        if not jobs.is_tabular(resource):
            continue
        count += 1
        if now:
            click.echo(f"{resource_id}: {jobs.run(resource_id)}")
        else:
            jobs.enqueue(resource)
    click.echo(f"{count} tabular resources {'validated' if now else 'queued'}")


@nakano.group("search-index")
def search_index() -> None:
    """Search index checks / 検索インデックスの点検."""


@search_index.command("verify")
@click.option("--fix", is_flag=True, help="reindex missing and stale datasets, remove orphans / 修復する")
def search_index_verify(fix: bool) -> None:
    """Compare the search index with the database; exit 1 on a difference left unfixed."""
    result = index_check.verify(fix=fix)
    click.echo(f"database: {result['database']}, index: {result['index']}, missing: {len(result['missing'])}, "
               f"stale: {len(result['stale'])}, orphans: {len(result['orphans'])}")
    for kind in ("missing", "stale", "orphans"):
        for package_id in result[kind][:50]:
            click.echo(f"  {kind}: {package_id}")
    if result["fixed"]:
        click.echo("fixed / 修復しました")
    elif result["missing"] or result["stale"] or result["orphans"]:
        click.echo("検索インデックスがデータベースと一致しません（--fix で修復） / "
                   "the search index differs from the database (--fix repairs it)", err=True)
        raise SystemExit(1)


@search_index.command("rebuild")
@click.option("--processes", type=int, help="processes side by side (default: one per CPU) / 並列数")
def search_index_rebuild(processes: int | None) -> None:
    """Reindex every dataset, in processes side by side, the index answering meanwhile
    (docs/scaling.md); exit 1 if a dataset was not indexed / 検索インデックスの再構築."""
    outcome = reindex.rebuild(processes, echo=click.echo)
    fixed = outcome.verify
    click.echo(f"indexed: {outcome.indexed}, not indexed: {len(outcome.refused)}, "
               f"afterwards — missing: {len(fixed['missing'])}, stale: {len(fixed['stale'])}, "
               f"orphans removed: {len(fixed['orphans'])}")
    for package_id in outcome.refused[:50]:
        click.echo(f"  not indexed: {package_id}")
    if outcome.refused or outcome.failed_processes:
        click.echo(f"再構築できなかったデータセットがあります（処理の失敗 {outcome.failed_processes}） / "
                   f"some datasets were not indexed ({outcome.failed_processes} processes failed)", err=True)
        raise SystemExit(1)


@nakano.group("harvest")
def harvest() -> None:
    """Harvest sources declared in harvesters/ / 収集元の管理."""


@harvest.command("sync")
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
def harvest_sync(folders: tuple[str, ...]) -> None:
    """Create or update the sources declared in FOLDERS, read as one set (idempotent)."""
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    try:
        done = sync([Path(f) for f in folders], {"user": site_user["name"], "ignore_auth": True})
    except SourceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created: {len(done.created)}, updated: {len(done.updated)}, "
               f"unchanged: {len(done.unchanged)}")
    for name in done.orphaned:
        click.echo(harvest_messages.gettext("not declared any more (left in place, decide by hand): %(source)s",
                                            source=name))


@harvest.command("run")
@click.argument("source")
def harvest_run(source: str) -> None:
    """Harvest SOURCE now, in this process, with progress and a summary / 今すぐ収集する."""
    with click.progressbar(length=1, label=source) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)   # known once the source is listed
            bar.update(done - bar.pos)

        result = schedule.run_now(source, progress)
    counts = result.counts
    # The harvest commands speak the site's language (ckan.locale_default); errors are stored coded.
    click.echo(harvest_messages.gettext(
        "%(source)s: %(status)s — added %(added)s, updated %(updated)s, unchanged %(unchanged)s, failed %(failed)s",
        source=result.source, status=result.status, added=counts.get("added", 0), updated=counts.get("updated", 0),
        unchanged=counts.get("not modified", 0), failed=counts.get("errored", 0)))
    for error in result.errors:
        click.echo(f"  {harvest_messages.readable(error)}")


@harvest.command("report")
@click.option("--department", help="organization name / 部の名前")
def harvest_report(department: str | None) -> None:
    """Per department: last run, counts, errors, files gone / 部ごとの収集報告."""
    for dept in tk.get_action("nakano_harvest_report")({"ignore_auth": True}, {"department": department}):
        click.echo(f"{dept['title'] or dept['name']} ({dept['name']})")
        if not dept["sources"]:
            click.echo("  " + harvest_messages.gettext("no harvest source"))
        for source in dept["sources"]:
            last, ended = source["last_run"], source["outcome"]
            when = (f"{last['finished'] or last['started'] or ''} {ended['text']}"
                    if last and ended else harvest_messages.pgettext("harvest run", "never"))
            counts = source["counts"]
            click.echo("  " + harvest_messages.gettext(
                "%(source)s: %(status)s — added %(added)s, updated %(updated)s, unchanged %(unchanged)s, "
                "failed %(failed)s", source=source["name"], status=when, added=counts["added"],
                updated=counts["updated"], unchanged=counts["not modified"], failed=counts["errored"]))
            for error in source["errors"]:
                click.echo("    ! " + (f"{error['item']}: " if error.get("item") else "") + error["text"]
                           + (f" ({error['detail']})" if error["detail"] else ""))
            for item in source["missing"]:
                click.echo("    ? " + harvest_messages.gettext("gone from the source: %(file)s (since %(date)s)",
                                                           file=item["guid"], date=item["since"]))


@harvest.command("consumer")
@click.argument("kind", type=click.Choice(["gather", "fetch"]))
def harvest_consumer(kind: str) -> None:
    """Run a harvest queue consumer (gather or fetch) until stopped / 収集キューの処理."""
    consume(kind)


@harvest.command("scheduler")
@click.option("--once", is_flag=True, help="one pass, then exit")
def harvest_scheduler(once: bool) -> None:
    """Start due sources, finish completed and stuck jobs, every few seconds / 定期実行."""
    schedule.run(once=once, echo=click.echo)


@nakano.group("metrics")
def metrics() -> None:
    """Usage and publishing metrics / 利用統計と公開品質."""


@metrics.command("ingester")
def metrics_ingester() -> None:
    """Write queued events continuously, roll up every few minutes / 利用記録の取り込み（常駐）."""
    ingester.run()


@metrics.command("worker", hidden=True, deprecated=True)
def metrics_worker() -> None:
    """Old name of `ckan nakano metrics ingester` (kept for one release)."""
    ingester.run()


@metrics.command("ingest")
def metrics_ingest() -> None:
    """Write every queued event into the database now / 記録済みイベントを取り込む."""
    with ingest.ingest_lock(wait=30):
        click.echo(f"events ingested: {ingest.drain_all()}")


@metrics.command("rollup")
@click.option("--date", "dates", multiple=True, help="YYYY-MM-DD (repeatable); default: yesterday and today")
@click.option("--all-days", is_flag=True, help="every day that still has raw events")
def metrics_rollup(dates: tuple[str, ...], all_days: bool) -> None:
    """Ingest queued events, then rebuild the daily rollups (idempotent) / 日次集計."""
    days = [datetime.date.fromisoformat(d) for d in dates]
    with ingest.ingest_lock(wait=30):
        taken = ingest.drain_all()
        if all_days:
            days = rollup.days_with_events()
        done = rollup.rollup(days or None)
    click.echo(f"events ingested: {taken}")
    for day, kinds in done["days"].items():
        click.echo(f"{day}: " + (", ".join(f"{k} {v['count']} (bots {v['bots']})" for k, v in sorted(kinds.items()))
                                 or "no events"))
    click.echo(f"raw events purged (older than retention): {done['purged']}")


@metrics.command("linkcheck")
def metrics_linkcheck() -> None:
    """Check every resource URL now / リンク切れを確認する."""
    click.echo(", ".join(f"{k}: {v}" for k, v in sorted(linkcheck.check_all().items())) or "no resources")


@metrics.command("quality")
@click.argument("datasets", nargs=-1)
def metrics_quality(datasets: tuple[str, ...]) -> None:
    """Score datasets again (default: all) / 品質スコアを再計算する."""
    if not datasets:
        click.echo(f"datasets scored: {quality.refresh_all()}")
        return
    for name in datasets:
        result = quality.refresh(name)
        click.echo(f"{name}: " + (f"{result['score']}/{result['max_score']} ({result['rating']['en']})"
                                  if result else "not found"))


@metrics.command("publish")
def metrics_publish() -> None:
    """Publish the rollups as the open dataset 「ポータル利用統計」 / 利用統計を公開する."""
    pkg = usage_dataset.publish()
    click.echo(f"published {pkg['name']}: " + ", ".join(r["name"] for r in pkg["resources"]))


@metrics.command("daily")
def metrics_daily() -> None:
    """Run the daily tasks now: link check, scores, rollup, publish / 日次処理を今すぐ実行."""
    for name, result in upkeep_process.run_daily_tasks().items():
        click.echo(f"{name}: {result}")


@nakano.group("translations")
def translations_group() -> None:
    """The gettext catalogs of the portal (docs/translation.md) / 翻訳カタログ."""


@translations_group.command("update")
def translations_update() -> None:
    """Extract the strings, write the .pot, merge it into every catalog and compile them."""
    for path in translations.update():
        click.echo(f"written {path}")


@translations_group.command("compile")
def translations_compile() -> None:
    """Compile every .po into its .mo."""
    for locale in translations.LOCALES:
        click.echo(f"compiled {translations.compile_catalog(locale)}")


@translations_group.command("check")
def translations_check() -> None:
    """Fail on an untranslated string, a stale .pot or .mo, or a placeholder that differs."""
    found = translations.problems()
    for line in found:
        click.echo(line)
    if found:
        raise click.ClickException(f"{len(found)} problems in the catalogs")
    click.echo("catalogs complete")


@nakano.group("inventory")
def inventory() -> None:
    """The data inventory (データ棚卸台帳): import and export of register files."""


def _site_context() -> dict[str, object]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    return {"user": site_user, "ignore_auth": True}


@inventory.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--department", help="organization name; else each row's 所管部 / 部の名前（省略時は各行の所管部）")
@click.option("--dry-run", is_flag=True, help="report what would change, write nothing / 変更内容の確認のみ")
def inventory_import(file: Path, department: str | None, dry_run: bool) -> None:
    """Import a register file (CSV: UTF-8, BOM or CP932; XLSX) / 台帳ファイルの取込み."""
    try:
        result = tk.get_action("nakano_inventory_import")(_site_context(), {
            "upload": file.read_bytes(), "department": department, "dry_run": dry_run})
    except tk.ValidationError as error:
        raise click.ClickException(str(error.error_dict)) from error
    for error in result["errors"]:
        where = f"row {error['row']}" + (f", {error['column']}" if error["column"] else "")
        click.echo(f"{where}: {error['message_ja']} / {error['message_en']}", err=True)
    if result["errors"]:
        raise click.ClickException(f"nothing written: {len(result['errors'])} error(s) / 取り込みませんでした")
    click.echo(("dry run (nothing written) / 確認のみ: " if dry_run else "imported / 取り込みました: ")
               + f"{len(result['created'])} new, {len(result['updated'])} changed, {result['unchanged']} unchanged")


@inventory.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--department", help="organization name (default: every department) / 部の名前")
def inventory_export(file: Path, department: str | None) -> None:
    """Write the register as the import reads it (.xlsx, else CSV with BOM) / 台帳ファイルの書き出し."""
    org_ids = None
    if department:
        org = model.Group.get(department)
        if org is None or not org.is_organization:
            raise click.ClickException(f"unknown department / 部がありません: {department}")
        org_ids = [org.id]
    kind = "xlsx" if file.suffix.lower() == ".xlsx" else "csv"
    file.write_bytes(inventory_export_file(kind, InventoryReader(None, ignore_auth=True), org_ids))
    click.echo(str(file))


@nakano.group("lessons")
def lessons() -> None:
    """分析を学ぶ (/learn) / the lessons."""


@lessons.command("publish")
def lessons_publish() -> None:
    """Each lesson as a reuse (教育・講座) of the datasets it uses / 講座を活用事例として掲載する."""
    done = lesson_reuses.publish()
    click.echo(f"created: {len(done.created)}, updated: {len(done.updated)}, withdrawn: {len(done.withdrawn)}")
    for slug, names in sorted(done.missing_datasets.items()):
        click.echo(f"{slug}: datasets not on this portal / このポータルにないデータセット: {', '.join(names)}", err=True)
