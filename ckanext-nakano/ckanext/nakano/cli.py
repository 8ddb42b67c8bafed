"""``ckan nakano …`` commands."""
from __future__ import annotations

import click

__all__ = ["nakano"]


@click.group(short_help="Nakano Open Data Portal commands / 中野区ポータルのコマンド")
def nakano() -> None:
    """Commands of the Nakano Open Data Portal."""


@nakano.command("load-demo")
def load_demo() -> None:
    """Load the demo catalog (idempotent) / デモカタログを読み込む."""
    from .demo.loader import load_demo as run

    report = run()
    click.echo(
        f"organizations created: {len(report.organizations_created)}, "
        f"datasets created: {len(report.datasets_created)}, "
        f"already present: {len(report.datasets_present)}, "
        f"sample files attached: {len(report.samples_attached)}"
    )



@nakano.command("validate")
@click.argument("resource_ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="every tabular resource of the portal")
@click.option("--now", is_flag=True, help="validate in this process instead of queueing jobs")
def validate(resource_ids: tuple[str, ...], everything: bool, now: bool) -> None:
    """Validate resources again / リソースを再検証する."""
    import ckan.plugins.toolkit as tk
    from ckan import model

    from .validation import jobs

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


@nakano.group("harvest")
def harvest() -> None:
    """Harvest sources declared in harvesters/ / 収集元の管理."""


@harvest.command("sync")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
def harvest_sync(folder: str) -> None:
    """Create or update the sources declared in FOLDER (idempotent)."""
    from pathlib import Path

    import ckan.plugins.toolkit as tk

    from .harvest.sources import SourceError, sync

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    try:
        report = sync(Path(folder), {"user": site_user["name"], "ignore_auth": True})
    except SourceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created: {len(report.created)}, updated: {len(report.updated)}, "
               f"unchanged: {len(report.unchanged)}")
    for name in report.orphaned:
        click.echo(f"not declared any more (left in place, decide by hand) / 宣言から消えた収集元: {name}")
