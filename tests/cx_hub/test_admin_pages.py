"""Every admin page loads with the seeded demo data: list, search, filters, change, add."""

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

MODELS = [
    model for model in admin.site._registry if model._meta.app_label in {"accounts", "interactions"}
]


@pytest.fixture
def seeded_admin(client):
    call_command("seed_demo", verbosity=0)
    from accounts.models import User

    client.force_login(User.objects.get(email="admin@demo.cxhub.local"))
    return client


def test_every_admin_page_loads_with_seeded_data(seeded_admin):
    """List, search, change and add pages of every model, with the demo seeded once."""
    failures = []
    for model in MODELS:
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        pages = [
            (reverse(f"{prefix}_changelist"), {}),
            (reverse(f"{prefix}_changelist"), {"q": "a"}),
        ]
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            pages.append((reverse(f"{prefix}_change", args=[obj.pk]), {}))
        for url, params in pages:
            status = seeded_admin.get(url, params).status_code
            if status != 200:
                failures.append(f"{url} {params}: {status}")
        # Append-only records (the audit log, API tokens) refuse their add page by design.
        add_status = seeded_admin.get(reverse(f"{prefix}_add")).status_code
        if add_status != (403 if opts.model_name in {"auditevent", "apitoken"} else 200):
            failures.append(f"{prefix}_add: {add_status}")
    assert not failures, failures
    assert len(MODELS) >= 20


def test_the_seeded_demo_has_every_channel_kind_and_role(seeded_admin):
    from accounts.models import User
    from accounts.permissions import Role
    from interactions.models import Channel, ChannelKind, Message, Thread

    assert set(Channel.objects.values_list("kind", flat=True)) == set(ChannelKind.values)
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert Thread.objects.count() >= 400 and Message.objects.count() >= 2000


def test_an_invalid_admin_edit_is_rejected_with_a_message(seeded_admin):
    from interactions.models import Tag

    tag = Tag.objects.first()
    url = reverse("admin:interactions_tag_change", args=[tag.pk])
    response = seeded_admin.post(url, {"name": tag.name, "color": "blue"})
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
