"""Attachment downloads: permission-checked, always a download unless a safe image."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from interactions.models import Attachment, FetchStatus
from tests.factories import MessageFactory, ThreadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def attach(thread, name, content_type, body=b"data"):
    attachment = Attachment(
        message=MessageFactory(thread=thread), filename=name, content_type=content_type, size=len(body)
    )
    attachment.file.save(name, ContentFile(body), save=False)
    attachment.save()
    return attachment


def test_a_teammate_downloads_an_attachment(agent_a_client, team_a):
    attachment = attach(ThreadFactory(team=team_a), "invoice.pdf", "application/pdf", b"%PDF-1.7")

    response = agent_a_client.get(reverse("attachment_download", args=[attachment.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7"
    assert 'attachment; filename="invoice.pdf"' in response["Content-Disposition"]


def test_html_is_never_served_as_a_page(agent_a_client, team_a):
    attachment = attach(ThreadFactory(team=team_a), "x.html", "text/html", b"<script>alert(1)</script>")
    response = agent_a_client.get(reverse("attachment_download", args=[attachment.pk]), {"inline": "1"})
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_a_safe_image_may_be_shown_inline(agent_a_client, team_a):
    attachment = attach(ThreadFactory(team=team_a), "photo.png", "image/png")
    response = agent_a_client.get(reverse("attachment_download", args=[attachment.pk]), {"inline": "1"})
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")


def test_another_teams_attachment_is_a_404(agent_a_client, team_b):
    attachment = attach(ThreadFactory(team=team_b), "secret.pdf", "application/pdf")
    assert agent_a_client.get(reverse("attachment_download", args=[attachment.pk])).status_code == 404


def test_a_pending_attachment_is_a_404(agent_a_client, team_a):
    attachment = Attachment.objects.create(
        message=MessageFactory(thread=ThreadFactory(team=team_a)),
        filename="later.jpg",
        source_url="https://api.twilio.com/x",
        fetch_status=FetchStatus.PENDING,
    )
    assert agent_a_client.get(reverse("attachment_download", args=[attachment.pk])).status_code == 404
