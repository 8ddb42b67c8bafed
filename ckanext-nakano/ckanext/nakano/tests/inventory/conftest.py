"""Two departments with an editor, an admin and a member each, and an outsider."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from ckan.tests import factories

PASSWORD = "RightHorseBattery42"


@pytest.fixture()
def ward(clean_db):
    users = {name: factories.User(name=name, password=PASSWORD) for name in (
        "kikaku_editor", "kikaku_admin", "kikaku_member", "kenko_editor", "outsider")}
    kikaku = factories.Organization(name="kikaku", title="企画部", users=[
        {"name": "kikaku_editor", "capacity": "editor"}, {"name": "kikaku_admin", "capacity": "admin"},
        {"name": "kikaku_member", "capacity": "member"}])
    kenko = factories.Organization(name="kenko", title="健康福祉部", users=[
        {"name": "kenko_editor", "capacity": "editor"}])
    sysadmin = factories.Sysadmin(name="ward_sysadmin")
    return SimpleNamespace(kikaku=kikaku, kenko=kenko, sysadmin=sysadmin, **users)


def item_fields(**extra):
    fields = {"local_id": "KK-001", "title": "区有施設台帳", "section": "企画課", "status": "considering",
              "closed_reason": "deliberation", "internal_memo": "係長確認待ち", "holding_form": "file"}
    fields.update(extra)
    return fields
