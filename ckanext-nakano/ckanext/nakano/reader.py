"""Who reads or acts: a user with their departments' roles, computed once per action
(inventory, reuses and data requests decide what to show and allow from it)."""
from __future__ import annotations

from ckan import model
from ckan.types import Context

__all__ = ["Reader", "reader_of"]


class Reader:
    """Who reads: a sysadmin, or the departments they belong to (any role), may edit
    (editor, admin) and administer (admin)."""

    def __init__(self, user: model.User | None, ignore_auth: bool = False):
        self.user = user
        self.sysadmin = ignore_auth or bool(user is not None and user.sysadmin)
        self.member_of: set[str] = set()
        self.editor_of: set[str] = set()
        self.admin_of: set[str] = set()
        if user is not None and not self.sysadmin:
            rows = (model.Session.query(model.Member.group_id, model.Member.capacity)
                    .join(model.Group, model.Group.id == model.Member.group_id)
                    .filter(model.Member.table_name == "user", model.Member.table_id == user.id,
                            model.Member.state == "active", model.Group.is_organization.is_(True),
                            model.Group.state == "active").all())
            self.member_of = {g for g, _ in rows}
            self.editor_of = {g for g, capacity in rows if capacity in ("editor", "admin")}
            self.admin_of = {g for g, capacity in rows if capacity == "admin"}

    @property
    def user_id(self) -> str | None:
        return self.user.id if self.user is not None else None

    def inside(self, org_id: str) -> bool:
        """Sees everything of the department's items (内部メモ, items not listed)."""
        return self.sysadmin or org_id in self.member_of

    def may_edit(self, org_id: str) -> bool:
        return self.sysadmin or org_id in self.editor_of

    def administers(self, org_id: str | None) -> bool:
        return self.sysadmin or (org_id is not None and org_id in self.admin_of)


def reader_of(context: Context) -> Reader:
    """The action's user (none for a visitor); ``ignore_auth`` reads as a sysadmin."""
    user = context.get("auth_user_obj")
    if not isinstance(user, model.User) and context.get("user"):
        user = model.User.get(context["user"])
    return Reader(user if isinstance(user, model.User) else None, bool(context.get("ignore_auth")))
