"""Every API operation, fed what its OpenAPI schema allows and more: never a 5xx, and every
documented answer matches its schema (schemathesis, in-process against the WSGI app).

`API_FUZZ_EXAMPLES=500 make test` digs deeper than the 25 cases per operation CI runs. Found
so far this way: a team filter of -4.2e276 and a page limit past 2^63 overflowing SQLite
(500s), and unassigned threads answering null where the schema promised an object.
"""

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from accounts.tokens import api_token_create
from tests.factories import MessageFactory, SavedReplyFactory, TagFactory, ThreadFactory


@pytest.fixture
def admin_token(db, admin_user) -> str:
    return api_token_create(user=admin_user, name="fuzz")[1]


def _load_schema():
    # The schema /api/schema/ serves, generated without a request (it needs no database).
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = get_wsgi_application()
    return loaded


schema = _load_schema()


@pytest.fixture
def connection_kept():
    """The WSGI app closes the database connection after each request; inside a test that is
    the test's transaction. Django's test client holds these signals off the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def some_rows(db):
    """Something for the generated ids to find now and then."""
    thread = ThreadFactory(tags=[TagFactory(name="vip")])
    MessageFactory(thread=thread)
    SavedReplyFactory()


@schema.parametrize()
@hypothesis_settings(
    max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", 25)),
    deadline=None,
    database=None,  # no .hypothesis folder in the work tree
    derandomize=True,  # the same cases on every run; API_FUZZ_EXAMPLES=500 digs deeper
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_operation_answers_a_server_error_or_breaks_its_schema(
    case, admin_token, some_rows, connection_kept
):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {admin_token}"},
        checks=[not_a_server_error, response_schema_conformance, status_code_conformance],
    )
