"""A small ward for reuses and data requests: two departments, their staff, residents, a
sysadmin (the open-data office), public and private datasets."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.lib.redis import connect_to_redis
from ckan.tests import factories, helpers



def _user(name: str, **extra) -> dict:
    return factories.User(name=name, email=f"{name}@example.org", **extra)


def _member(org: dict, user: dict, role: str) -> None:
    helpers.call_action("organization_member_create", id=org["id"], username=user["name"], role=role)


@pytest.fixture()
def ward(clean_db, clean_index, clean_queues):
    for key in connect_to_redis().scan_iter("nakano:submissions:*"):
        connect_to_redis().delete(key)
    office = factories.Sysadmin(name="office", email="office@example.org")
    health = factories.Organization(name="kenko-fukushi", title="健康福祉部")
    kids = factories.Organization(name="kodomo-kyoiku", title="子ども教育部")
    people = {name: _user(name) for name in ("health_admin", "health_editor", "kids_admin", "kids_editor",
                                             "resident", "company", "stranger")}
    _member(health, people["health_admin"], "admin")
    _member(health, people["health_editor"], "editor")
    _member(kids, people["kids_admin"], "admin")
    _member(kids, people["kids_editor"], "editor")
    aed = factories.Dataset(name="aed", title="AED設置箇所一覧", owner_org=health["id"], category="社会保障・衛生",
                            license_id="cc-by")
    nursery = factories.Dataset(name="nursery", title="保育園一覧", owner_org=kids["id"], category="教育・文化・スポーツ・生活",
                                license_id="cc-by")
    secret = factories.Dataset(name="secret", title="非公開の下書き", owner_org=health["id"], private=True,
                               category="その他", license_id="cc-by")
    # Staff who chose the department's mail (raw SQL: a conftest is imported before CKAN
    # loads its models, and importing ours here would define the tables twice).
    for user in ("health_admin", "kids_admin", "health_editor"):
        model.Session.execute(sa.text("insert into nakano_mail_preference (user_id, department_mail) "
                                      "values (:id, true)"), {"id": people[user]["id"]})
    model.Session.commit()
    return SimpleNamespace(office=office, health=health, kids=kids, aed=aed, nursery=nursery, secret=secret,
                           **people)


def as_user(user: dict | None) -> dict:
    """The context of an action called as this user (None: a visitor without an account)."""
    return {"user": user["name"] if user else "", "ignore_auth": False}
