"""Who may use what. Every view is wrapped in exactly one of these decorators.

``tests/test_permissions.py`` checks that every endpoint states its access and that everyone
outside it is refused.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort
from flask_login import current_user

from lms.extensions import login_manager
from lms.models import ROLES, User

F = TypeVar("F", bound=Callable)

def public(view: F) -> F:
    """Anyone, signed in or not."""
    view.access = "public"  # type: ignore[attr-defined]
    return view


def signed_in(view: F) -> F:
    """Any signed-in account."""
    return roles(*ROLES)(view)


def roles(*allowed: str) -> Callable[[F], F]:
    """Signed-in accounts with one of these roles; admins may always."""
    unknown = set(allowed) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    allowed_set = frozenset(allowed) | {"admin"}

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed_set:
                abort(403)
            return view(*args, **kwargs)

        wrapper.access = "signed-in" if allowed_set == set(ROLES) else sorted(allowed_set)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def visible_countries(user: User) -> list[str] | None:
    """Countries whose data ``user`` may see: None means all (admins), [] means none."""
    if user.role == "admin":
        return None
    if user.role == "coordinator":
        return user.country_scope
    return []
