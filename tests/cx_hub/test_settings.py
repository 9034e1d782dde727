"""Bad configuration fails at start-up with a message that names the variable to fix."""

import secrets
import string

import pytest

PRODUCTION_KEY = "".join(
    secrets.choice(string.ascii_letters + string.digits + "!@#%^&*(-_=+)") for _ in range(60)
)


def _output(result) -> str:
    return result.stdout + result.stderr


# --- The embedded default ------------------------------------------------------------------


def test_check_passes_with_the_embedded_default(manage):
    result = manage("check", DEBUG="true")

    assert result.returncode == 0, _output(result)
    assert "System check identified no issues" in result.stdout


def test_check_deploy_passes_with_production_values(manage, tmp_path):
    result = manage(
        "check",
        "--deploy",
        DEBUG="false",
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="cx.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        EMAIL_URL="smtp+tls://cx:secret@mail.example.com:587",
        REDIS_URL=None,
    )

    assert result.returncode == 0, _output(result)
    assert "System check identified no issues" in result.stdout, _output(result)


# --- Strict values -------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["mysql://root@localhost/cx", "mongodb://localhost/cx"])
def test_an_unknown_database_url_scheme_names_database_url(manage, url):
    result = manage("check", DEBUG="true", DATABASE_URL=url)

    assert result.returncode != 0
    assert "CX Hub cannot start: DATABASE_URL has scheme" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_url_without_a_database_name_names_database_url(manage):
    result = manage("check", DEBUG="true", DATABASE_URL="postgres://postgres@127.0.0.1:5432")

    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_production_without_a_secret_key_names_secret_key(manage):
    result = manage("check", DEBUG="false", SECRET_KEY=None, ALLOWED_HOSTS="cx.example.com")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_unset_means_production_and_needs_a_secret_key(manage):
    result = manage("check", DEBUG=None, SECRET_KEY=None)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("value", ["maybe", "ture", "2"])
def test_a_debug_value_that_is_not_a_boolean_names_debug(manage, value):
    result = manage("check", DEBUG=value)

    assert result.returncode != 0
    assert f"DEBUG={value!r} is not a boolean" in result.stderr


def test_a_connection_age_that_is_not_a_number_names_conn_max_age(manage):
    result = manage("check", DEBUG="true", CONN_MAX_AGE="forever")

    assert result.returncode != 0
    assert "CONN_MAX_AGE" in result.stderr


def test_a_redis_url_that_is_not_a_redis_url_names_redis_url(manage):
    result = manage("check", DEBUG="true", REDIS_URL="http://127.0.0.1:6379/0")

    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr


@pytest.mark.parametrize("url", ["pigeon://loft.example", "http://mail.example.com"])
def test_an_email_url_that_is_not_a_mail_url_names_email_url(manage, url):
    result = manage("check", DEBUG="true", EMAIL_URL=url)

    assert result.returncode != 0
    assert "EMAIL_URL" in result.stderr


def test_production_without_an_email_url_fails_the_deploy_check(manage):
    # The console backend would silently drop password-reset and survey emails.
    result = manage(
        "check",
        "--deploy",
        DEBUG="false",
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="cx.example.com",
        EMAIL_URL=None,
    )

    assert result.returncode != 0
    assert "mail.E001" in result.stderr


# --- Unreachable services ------------------------------------------------------------------


def test_an_unreachable_redis_fails_the_check_naming_redis_url(manage):
    result = manage("check", DEBUG="true", REDIS_URL="redis://127.0.0.1:1/0")

    assert result.returncode != 0
    assert "cx_hub.E002" in result.stderr
    assert "REDIS_URL: cannot reach Redis at redis://127.0.0.1:1/0" in result.stderr


def test_an_unreachable_postgresql_fails_the_check_naming_database_url(manage):
    result = manage("check", DEBUG="true", DATABASE_URL="postgres://postgres@127.0.0.1:1/x")

    assert result.returncode != 0
    assert "cx_hub.E001" in result.stderr
    assert "DATABASE_URL: cannot connect to the postgresql database 'x'" in result.stderr


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db
def test_check_passes_against_the_real_services(manage, child_database_url, settings):
    result = manage(
        "check", DEBUG="true", DATABASE_URL=child_database_url, REDIS_URL=settings.REDIS_URL
    )

    assert result.returncode == 0, _output(result)
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("redis_url", "engine"),
    [
        ("redis://127.0.0.1:6379/15", "django.contrib.sessions.backends.cached_db"),
        (None, "django.contrib.sessions.backends.db"),
    ],
)
def test_sessions_are_cached_only_in_a_shared_cache(manage, redis_url, engine):
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SESSION_ENGINE)",
        DEBUG="true",
        REDIS_URL=redis_url,
    )

    assert result.returncode == 0, _output(result)
    assert result.stdout.strip().splitlines()[-1] == engine
