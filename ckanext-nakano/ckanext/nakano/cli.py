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

