from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from accounts.permissions import Perm, user_can


def require_perm(perm: Perm) -> Callable:
    """Signed-in users whose role grants `perm`; others get the friendly 403 page."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not user_can(request.user, perm):
                raise PermissionDenied(f"Your role may not {perm.value.replace('_', ' ')}.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def nav_section(name: str) -> Callable:
    """Mark which sidebar entry a view belongs to (highlighted as the current page)."""

    def decorator(view):
        view.nav_section = name
        return view

    return decorator
