"""The navigation every page shows, filtered by what the signed-in user's role may open."""

from django.conf import settings

from accounts.permissions import Perm, user_can

NAV_ITEMS = [
    # (url name, label, icon, permission needed or None, section key)
    ("inbox", "Inbox", "inbox", None, "inbox"),
    ("contacts", "Contacts", "users", None, "contacts"),
    ("campaigns", "Campaigns", "megaphone", None, "campaigns"),
    ("nps", "NPS", "gauge", None, "nps"),
    ("reports", "Reports", "chart", Perm.VIEW_DASHBOARDS, "reports"),
    ("settings", "Settings", "cog", None, "settings"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"demo_logins": settings.SHOW_DEMO_LOGINS}
    match = getattr(request, "resolver_match", None)
    section = ""
    if match is not None:
        section = getattr(match.func, "nav_section", "") or match.url_name or ""
    return {
        "nav_items": [
            {"url_name": url, "label": label, "icon": icon, "active": key == section}
            for url, label, icon, perm, key in NAV_ITEMS
            if perm is None or user_can(user, perm)
        ],
        "perms": {p.value: user_can(user, p) for p in Perm},
    }
