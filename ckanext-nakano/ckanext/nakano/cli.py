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
