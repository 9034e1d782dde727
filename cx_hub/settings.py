"""CX Hub settings: one module, every value from the environment (12-factor).

Unset variables give the embedded default: SQLite in the project folder, Celery tasks run
eagerly in-process, a local-memory cache and the console email backend. Bad values fail at
start-up with an `ImproperlyConfigured` that names the variable.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def _strict_bool(name: str, default: bool) -> bool:
    """Read a boolean, refusing values that are neither true nor false words."""
    raw = env.str(name, default="")
    if raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true or false.")


def _strict_int(name: str, default: int) -> int:
    raw = env.str(name, default="")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def _database_config(url: str) -> dict:
    scheme = urlsplit(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL has scheme {scheme!r}: use postgres://user:password@host:port/name "
            "or sqlite:////absolute/path.sqlite3 (unset, CX Hub uses a SQLite file)."
        )
    config = env.db_url_config(url)
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no database.")
    return config


def _redis_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss", "unix"} or (
        parts.scheme != "unix" and not parts.hostname
    ):
        raise ImproperlyConfigured(
            f"REDIS_URL={url!r} is not a Redis URL: use redis://host:6379/0 "
            "(unset, tasks run in-process)."
        )
    return url


DEBUG = _strict_bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it (50+ random characters) or set DEBUG=true for "
            "local development, which uses a development-only key."
        )
    SECRET_KEY = "django-insecure-cx-hub-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The seeded demo shows its logins on the sign-in page; never set this on a real install.
SHOW_DEMO_LOGINS = _strict_bool("SHOW_DEMO_LOGINS", default=False)
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "anymail",
    "cx_hub",
    "accounts",
    "interactions",
    "nps",
    "campaigns",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "cx_hub.urls"
WSGI_APPLICATION = "cx_hub.wsgi.application"
ASGI_APPLICATION = "cx_hub.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

# An empty value counts as unset, so `DATABASE_URL= make demo` means the embedded default.
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'cx_hub.sqlite3'}"
DATABASES = {"default": _database_config(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = _strict_int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the demo's web process and eager tasks share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (Index.include) are a PostgreSQL speed-up; SQLite builds them without the
# extra columns, which is all this warning says.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Redis: Celery broker and cache ---------------------------------------------------------

REDIS_URL = _redis_url(env.str("REDIS_URL")) if env.str("REDIS_URL", default="") else ""

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "cx_hub.cache_client.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "cxhub",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    # Sessions are read from the shared cache and written through to the database: every
    # signed-in request, each live poll among them, skips a query. (Not with the local-memory
    # cache: a session ended in one process would live on in another's memory.)
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection around every task unless told to reuse
# it: one new PostgreSQL session per message halved ingest throughput in the bench.
# CONN_HEALTH_CHECKS still replaces a connection that went bad.
CELERY_DB_REUSE_MAX = 200
CELERY_TASK_DEFAULT_QUEUE = "default"
# The queue inbound processing (the drain of stored provider events) goes to; empty: the
# default queue. A queue of its own lets dedicated workers ingest (`celery worker -Q ingest`).
INGEST_QUEUE = env.str("INGEST_QUEUE", default="")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers an unacknowledged task after the visibility timeout; keep it above the
# longest task so a slow task is not run twice while still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2}
CELERY_TIMEZONE = "UTC"
# Publishing gives up fast when Redis is down: the event row is stored and the sweeper
# re-enqueues it, so a webhook still answers 200 promptly.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
# The beat sweeper re-enqueues inbound events still pending after this many seconds (a broker
# outage, a lost task). Processing is idempotent: sweeping too early only costs a no-op task.
INBOUND_SWEEP_AFTER_S = _strict_int("INBOUND_SWEEP_AFTER_S", default=60)
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "cx_hub.heartbeat", "schedule": 30.0},
    "sweep-inbound-events": {"task": "interactions.sweep_inbound_events", "schedule": 30.0},
    "wake-snoozed-threads": {"task": "interactions.wake_snoozed_threads", "schedule": 60.0},
    "send-scheduled-messages": {"task": "interactions.send_scheduled_messages", "schedule": 30.0},
    "sla-sweep": {"task": "interactions.sla_sweep", "schedule": 60.0},
    # Polled channels: each fans out one task per IMAP mailbox / YouTube channel.
    "poll-imap-mailboxes": {"task": "interactions.poll_imap_mailboxes", "schedule": 60.0},
    "poll-youtube": {"task": "interactions.poll_youtube", "schedule": 300.0},
}

# --- Auth -----------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "inbox"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Throttling of failed logins, per IP and per account (allauth keeps the counters in the cache).
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("LOGIN_FAILED_RATE_LIMIT", default="10/m/ip,5/5m/key"),
    "reset_password": "20/m/ip,5/m/key",
}

# --- Internationalization -------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Email ---------------------------------------------------------------------------------


def _mailers(url: str) -> dict:
    """Django 6.1's MAILERS from EMAIL_URL (smtp://, smtp+tls://, smtp+ssl://, consolemail://)."""
    if not url:
        return {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    try:
        config = env.email_url_config(url)
    except Exception as exc:
        raise ImproperlyConfigured(f"EMAIL_URL is not a valid email URL: {exc}") from None
    backend = config.get("EMAIL_BACKEND")
    if not backend:
        raise ImproperlyConfigured(
            f"EMAIL_URL has an unknown scheme {urlsplit(url).scheme!r}: use smtp://, "
            "smtp+tls://, smtp+ssl:// or consolemail://."
        )
    mailer = {"BACKEND": backend}
    if backend.endswith("smtp.EmailBackend"):
        mailer["OPTIONS"] = {
            "host": config.get("EMAIL_HOST") or "localhost",
            "port": config.get("EMAIL_PORT") or 25,
            "username": config.get("EMAIL_HOST_USER") or "",
            "password": config.get("EMAIL_HOST_PASSWORD") or "",
            "use_tls": bool(config.get("EMAIL_USE_TLS")),
            "use_ssl": bool(config.get("EMAIL_USE_SSL")),
            "timeout": 10,
        }
    return {"default": mailer}


MAILERS = _mailers(env.str("EMAIL_URL", default=""))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CX Hub <cx-hub@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------------

BEHIND_PROXY = _strict_bool("BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# Behind one reverse proxy the client's address is the last X-Forwarded-For hop: sign-in
# throttling and the audit log then see the real client, not the proxy.
ALLAUTH_TRUSTED_PROXY_COUNT = 1 if BEHIND_PROXY else 0
SECURE_SSL_REDIRECT = _strict_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = _strict_int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Preload is a promise that every subdomain serves HTTPS for good; set false to opt out.
SECURE_HSTS_PRELOAD = _strict_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # Style attributes only (tag colours); <style> elements stay blocked.
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- REST API -------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PAGINATION_CLASS": "cx_hub.api.Pages",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "cx_hub.api.exception_handler",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CX Hub API",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cx_hub.api.document_errors",
    ],
}

# --- Logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Provider credentials (used by the channel adapters) ------------------------------------

TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_API_BASE = env.str("TWILIO_API_BASE", default="https://api.twilio.com")
META_APP_SECRET = env.str("META_APP_SECRET", default="")
META_VERIFY_TOKEN = env.str("META_VERIFY_TOKEN", default="")
META_GRAPH_API_BASE = env.str("META_GRAPH_API_BASE", default="https://graph.facebook.com/v21.0")
X_CONSUMER_SECRET = env.str("X_CONSUMER_SECRET", default="")
X_BEARER_TOKEN = env.str("X_BEARER_TOKEN", default="")
X_API_BASE = env.str("X_API_BASE", default="https://api.x.com")
YOUTUBE_API_KEY = env.str("YOUTUBE_API_KEY", default="")
YOUTUBE_API_BASE = env.str("YOUTUBE_API_BASE", default="https://www.googleapis.com/youtube/v3")
# Download customer media (provider URLs) as soon as its message is stored.
MEDIA_FETCH_ON_RECEIPT = _strict_bool("MEDIA_FETCH_ON_RECEIPT", default=True)

# --- Email through ESPs (django-anymail) ----------------------------------------------------
# Inbound webhooks live at /webhooks/email/<esp>/inbound/ (mailgun, sendgrid, postmark,
# amazon_ses…) and refuse traffic (403) until the ESP's secret below is set:
#   ANYMAIL_WEBHOOK_SECRET       "user:password" basic auth put in the webhook URL given to
#                                SendGrid, Postmark and Amazon SNS (comma-separated to rotate)
#   MAILGUN_WEBHOOK_SIGNING_KEY  Mailgun's HTTP webhook signing key (HMAC-SHA256 signatures)
#   MAILGUN_API_KEY, POSTMARK_SERVER_TOKEN, SENDGRID_API_KEY  sending through that ESP
# Amazon SES needs boto3 (django-anymail[amazon-ses]); it reads AWS_* credentials itself.
# Unset values are left out: an empty signing key must not become a key anyone can sign with.
# https://anymail.dev/en/stable/tips/securing_webhooks/ · https://anymail.dev/en/stable/inbound/
ANYMAIL = {
    name: value
    for name, value in {
        "WEBHOOK_SECRET": env.list("ANYMAIL_WEBHOOK_SECRET", default=[]),
        "MAILGUN_WEBHOOK_SIGNING_KEY": env.str("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
        "MAILGUN_API_KEY": env.str("MAILGUN_API_KEY", default=""),
        "POSTMARK_SERVER_TOKEN": env.str("POSTMARK_SERVER_TOKEN", default=""),
        "SENDGRID_API_KEY": env.str("SENDGRID_API_KEY", default=""),
        "AMAZON_SES_AUTO_CONFIRM_SNS_SUBSCRIPTIONS": _strict_bool(
            "AMAZON_SES_AUTO_CONFIRM_SNS_SUBSCRIPTIONS", default=True
        ),
    }.items()
    if value not in ("", [])
}
