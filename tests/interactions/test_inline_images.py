"""Inline email images (`<img src="cid:…">`): ingested from real .eml files with
`manage.py ingest_email`, then shown in place on the thread page from our own download view."""

import base64
import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from interactions.models import Attachment, FetchStatus, Message
from interactions.services.messages import MAX_ATTACHMENT_BYTES
from tests.factories import ChannelFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:'count' is passed as positional:DeprecationWarning"),
]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "email"
NESTED = FIXTURES / "nested_inline_image_rfc2231.eml"
APPLE = FIXTURES / "apple_mail_reply_inline_images.eml"
# The photo's part in NESTED (a 1 by 1 PNG), as its two CRLF-ended base64 lines.
PNG_BASE64 = (
    b"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmM\r\n"
    b"IQAAAABJRU5ErkJggg=="
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def mailbox(team_a):
    return ChannelFactory(
        kind="email", address="support@shop.example", provider="email", default_team=team_a
    )


def ingest(path: Path) -> Message:
    out = io.StringIO()
    call_command("ingest_email", str(path), stdout=out, stderr=io.StringIO())
    assert "Ingested 1," in out.getvalue(), out.getvalue()
    return Message.objects.get()


def thread_page(client, message: Message) -> str:
    response = client.get(reverse("thread_detail", args=[message.thread_id]))
    assert response.status_code == 200
    return response.content.decode()


def image_sources(page: str) -> list[str]:
    return re.findall(r'<img\b[^>]*\bsrc="([^"]*)"', page)


def download_url(attachment: Attachment) -> str:
    return reverse("attachment_download", args=[attachment.pk])


def test_an_inline_image_shows_in_place_from_our_download_view(agent_a_client, mailbox):
    message = ingest(NESTED)
    image = message.attachments.get(filename="schaden.png")
    assert image.is_inline and image.content_id == "damage-photo@example.at"

    page = thread_page(agent_a_client, message)

    # In place, inside the message's HTML, after the sentence that introduces it.
    assert re.search(
        r'<div class="msg-html">.*Das Foto zeigt den Schaden an der Verpackung:</p>'
        rf'<img src="{re.escape(download_url(image))}\?inline=1" alt="Schaden">',
        page,
        re.S,
    )
    assert "cid:" not in page

    response = agent_a_client.get(download_url(image), {"inline": "1"})
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == base64.b64decode(PNG_BASE64)
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_image_shown_inline_is_not_listed_again_with_the_files(agent_a_client, mailbox):
    message = ingest(NESTED)
    files = {a.filename: a for a in message.attachments.all()}

    page = thread_page(agent_a_client, message)

    assert f'href="{download_url(files["schaden.png"])}"' not in page
    for name in ("Rechnung März 2025.pdf", "Bestellübersicht Q1 2025.csv", "passwd"):
        assert f'href="{download_url(files[name])}" download' in page


def test_the_page_allows_same_origin_images_and_no_other_host(agent_a_client, mailbox):
    message = ingest(NESTED)

    response = agent_a_client.get(reverse("thread_detail", args=[message.thread_id]))

    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    assert policy["img-src"].split() == ["'self'", "data:"]


def test_images_we_cannot_show_from_our_origin_are_not_requested(agent_a_client, mailbox):
    # Apple Mail: a photo, an SVG logo (never served as an image), a cid with no part, and
    # a remote tracking pixel.
    message = ingest(APPLE)
    photo = message.attachments.get(filename="zipper.png")
    logo = message.attachments.get(filename="box-logo.svg")

    page = thread_page(agent_a_client, message)

    assert image_sources(page) == [f"{download_url(photo)}?inline=1"]
    assert "tracker.example" not in page and "cid:" not in page
    assert 'alt="second photo"' in page  # the tag stays, without a source to fetch
    # The logo is a file to download, never rendered by the browser.
    assert f'href="{download_url(logo)}" download' in page
    response = agent_a_client.get(download_url(logo), {"inline": "1"})
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_the_quoted_history_of_a_reply_is_folded_away(agent_a_client, mailbox):
    message = ingest(APPLE)

    page = thread_page(agent_a_client, message)

    folded = re.search(r'<details class="msg-quoted">(.*?)</details>', page, re.S)
    assert folded and "a replacement zipper is on its way." in folded.group(1)
    assert "Hi, the new zipper broke as well" not in folded.group(1)
    assert message.text.endswith("Priya")  # the same cut as the text


def test_an_inline_image_too_large_to_store_is_listed_as_unavailable(
    agent_a_client, mailbox, tmp_path
):
    # The fixture's photo swapped for one over the limit: 26 MB, generated rather than kept.
    huge = base64.encodebytes(os.urandom(MAX_ATTACHMENT_BYTES + 1024 * 1024))
    path = tmp_path / "huge_inline.eml"
    eml = NESTED.read_bytes()
    assert PNG_BASE64 in eml
    path.write_bytes(eml.replace(PNG_BASE64, huge.strip()))

    message = ingest(path)
    image = message.attachments.get(filename="schaden.png")
    assert image.fetch_status == FetchStatus.FAILED and not image.file

    page = thread_page(agent_a_client, message)

    assert image_sources(page) == []
    assert 'alt="Schaden"' in page
    assert "schaden.png · unavailable" in page
