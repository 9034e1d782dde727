"""Start-up checks that say which setting is wrong when a service cannot be reached.

They run with `manage.py check`, `runserver`, `migrate` and the other commands that run system
checks, so a typo in DATABASE_URL or a stopped Redis is reported in one clear line instead of a
traceback deep inside a driver.
"""

from django.conf import settings
from django.core.checks import Error, register
from django.db import connection


@register()
def database_reachable(app_configs, **kwargs):
    try:
        connection.ensure_connection()
    except Exception as exc:
        return [
            Error(
                f"DATABASE_URL: cannot connect to the {connection.vendor} database "
                f"{connection.settings_dict.get('NAME')!r}: {str(exc).strip()}",
                hint="Check DATABASE_URL, or unset it to use the embedded SQLite file.",
                id="cx_hub.E001",
            )
        ]
    return []


@register()
def redis_reachable(app_configs, **kwargs):
    if not settings.REDIS_URL:
        return []
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        return [
            Error(
                f"REDIS_URL: cannot reach Redis at {settings.REDIS_URL}: {exc}",
                hint="Start Redis, fix REDIS_URL, or unset it to run tasks in-process.",
                id="cx_hub.E002",
            )
        ]
    return []
