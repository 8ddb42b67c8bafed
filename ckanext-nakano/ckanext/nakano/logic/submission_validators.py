"""Validators of reuses (活用事例) and data requests (データ要望). Errors are said in the
reader's language (submissions/messages.yaml)."""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context

from .. import messages
from ..fetch import FetchRefused, canonical_url
from ..inventory import values
from ..submissions import abuse, choices

__all__ = ["limits_as_errors", "nakano_submission_text", "nakano_submission_title", "nakano_submission_email",
           "nakano_submission_url", "nakano_submission_datasets", "nakano_submission_month", "choice",
           "required_saying", "email_of_visitor"]

TITLE_LIMIT = 200
TEXT_LIMIT = 5000
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


@contextmanager
def limits_as_errors() -> Iterator[None]:
    """Over an hourly limit inside: the API's ValidationError, said with the minutes to wait
    (what was sent is not saved)."""
    try:
        yield
    except abuse.TooMany as refused:
        model.Session.rollback()
        minutes = max(1, (refused.retry_after + 59) // 60)
        raise tk.ValidationError({"__before": [messages.say("submission-too-many", {"minutes": minutes})]}) \
            from refused


def _empty(value: Any) -> bool:
    return value is tk.missing or value is None or (isinstance(value, str) and not value.strip())


def _invalid(code: str, **found: Any) -> tk.Invalid:
    return tk.Invalid(messages.say(code, found))


def _text(value: Any, limit: int) -> str:
    if _empty(value):
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise _invalid("submission-not-text")
    text = values.clean(value)
    if len(text) > limit:
        raise _invalid("submission-too-long", limit=limit)
    return text


def nakano_submission_text(value: Any, context: Context) -> Any:
    """Free text (Markdown in descriptions): at most 5,000 characters."""
    return _text(value, TEXT_LIMIT)


def nakano_submission_title(value: Any, context: Context) -> Any:
    """One line of at most 200 characters."""
    return " ".join(_text(value, TITLE_LIMIT).split())


def required_saying(code: str) -> Callable[..., Any]:
    """``not_empty`` that says the coded message ``code`` (what is missing, in the reader's
    words), with the schema's other errors in the same answer."""
    def required(key: Any, data: dict[Any, Any], errors: dict[Any, list[str]], context: Context) -> None:
        if _empty(data.get(key)) or data.get(key) == []:
            errors[key].append(messages.say(code))
            raise tk.StopOnError
    return required


def email_of_visitor(key: Any, data: dict[Any, Any], errors: dict[Any, list[str]], context: Context) -> None:
    """A visitor without an account gives an address (the confirmation link goes to it): said
    with the form's other errors, not after them."""
    if not context.get("user") and _empty(data.get(key)):
        errors[key].append(messages.say("submission-needs-email"))
        raise tk.StopOnError


def nakano_submission_email(value: Any, context: Context) -> Any:
    if _empty(value):
        return ""
    text = _text(value, 254)
    if not EMAIL.match(text):
        raise _invalid("submission-bad-email", value=text[:80])
    return text


def nakano_submission_url(value: Any, context: Context) -> Any:
    """The reuse's page: http(s), read alike by every parser (it is a link, never fetched)."""
    text = _text(value, 2000)
    if not text:
        return ""
    if not text.lower().startswith(("http://", "https://")) or any(ch.isspace() for ch in text):
        raise _invalid("submission-bad-url")
    try:
        canonical_url(text)
    except FetchRefused as exc:
        raise tk.Invalid(messages.say(exc.code, exc.values)) from exc
    return text


def nakano_submission_month(value: Any, context: Context) -> Any:
    """Year and month as the register writes them (2027-04, 令和9年4月 …)."""
    if _empty(value):
        return ""
    try:
        return values.month(value)
    except values.Unreadable as problem:
        raise tk.Invalid(messages.say(problem.code, problem.values)) from problem


def nakano_submission_datasets(value: Any, context: Context) -> Any:
    """Datasets a reuse uses: ids or names (a list, or one text with commas) of datasets the
    user may see; stored as ids, each once."""
    if _empty(value) or value == []:
        return []
    given = value if isinstance(value, list) else str(value).split(",")
    if not all(isinstance(v, str) for v in given) or len(given) > 100:
        raise _invalid("submission-not-text")
    ids: list[str] = []
    for ref in (v.strip() for v in given if v.strip()):
        pkg = model.Package.get(ref)
        visible = pkg is not None and pkg.state == "active" and pkg.type == "dataset"
        if visible and pkg.private:
            try:
                tk.check_access("package_show", {"user": context.get("user"), "auth_user_obj":
                                                 context.get("auth_user_obj")}, {"id": pkg.id})
            except tk.NotAuthorized:
                visible = False
        if not visible:
            raise _invalid("submission-unknown-dataset", value=ref[:100])
        if pkg.id not in ids:
            ids.append(pkg.id)
    return ids


def choice(schema: str, field: str) -> Callable[[Any, Context], Any]:
    """A validator of one coded field of schemas/<schema>.yaml."""
    allowed = choices.values(schema, field)

    def validator(value: Any, context: Context) -> Any:
        if _empty(value):
            return ""
        if value not in allowed:
            raise _invalid("submission-unknown-choice", value=str(value)[:80], choices=", ".join(allowed))
        return value

    validator.__name__ = f"nakano_{schema}_{field}"
    return validator
