"""Runs one of the portal's alembic migrations on the test database, as
`ckan db upgrade` would, for tests of what it does to rows written before it."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.operations import Operations

from ckan import model

VERSIONS = Path(__file__).resolve().parents[1] / "migration" / "nakano" / "versions"


def upgrade(filename: str) -> None:
    """``upgrade()`` of ``migration/nakano/versions/<filename>``, committed."""
    spec = importlib.util.spec_from_file_location(Path(filename).stem, VERSIONS / filename)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with Operations.context(MigrationContext.configure(model.Session.connection())):
        migration.upgrade()
    model.Session.commit()
