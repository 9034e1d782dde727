"""Fetching customer media from provider URLs, and refusing to fetch anything else.

The provider's configured API base (a loopback fake server here) is the one place a private
address is allowed; every other URL must be on the adapter's media hosts and resolve to a public
address, on every redirect hop. DNS is played by replacing `media.resolve_host`.
"""

from __future__ import annotations

import base64

import pytest

from interactions.models import Attachment, ChannelKind, FetchStatus
from interactions.services import media
from interactions.services.media import address_refusal, attachment_fetch, host_allowed
from interactions.tasks import fetch_attachment
from tests.factories import ChannelFactory, MessageFactory, ThreadFactory
from tests.fakes.provider_server import ProviderServer
from tests.webhooks import TWILIO_TOKEN, twilio_post

SID = "AC" + "2" * 32
MEDIA_PATH = f"/2010-04-01/Accounts/{SID}/Messages/MM{'1' * 32}/Media/ME{'1' * 32}"
JPEG = b"\xff\xd8\xff\xe0" + b"pretend-jpeg-bytes" * 100


@pytest.fixture
def api(settings):
    with ProviderServer() as server:
        settings.TWILIO_ACCOUNT_SID = SID
        settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
        settings.TWILIO_API_BASE = server.url
        yield server


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def dns(monkeypatch):
    """Answers for host names; unknown names fail like NXDOMAIN."""
    answers: dict[str, list[str]] = {}
    real = media.resolve_host

    def resolve(host, port):
        if host in answers:
            return answers[host]
        if host.replace(".", "").isdigit():
            return real(host, port)
        raise OSError(f"no DNS for {host} in tests")

    monkeypatch.setattr(media, "resolve_host", resolve)
    return answers


def pending(url: str) -> Attachment:
    channel = ChannelFactory(kind=ChannelKind.WHATSAPP, provider="twilio")
    message = MessageFactory(thread=ThreadFactory(channel=channel))
    return Attachment.objects.create(
        message=message,
        filename="media-0",
        content_type="image/jpeg",
        source_url=url,
        fetch_status=FetchStatus.PENDING,
    )


# --- Pure checks ----------------------------------------------------------------------------


def test_a_leading_dot_matches_subdomains_and_nothing_else():
    hosts = {"api.twilio.com", ".twiliocdn.com"}
    assert host_allowed("api.twilio.com", hosts)
    assert host_allowed("mms.twiliocdn.com", hosts)
    assert host_allowed("MMS.TwilioCDN.com.", hosts)
    assert not host_allowed("twiliocdn.com.evil.example", hosts)
    assert not host_allowed("eviltwiliocdn.com", hosts)
    assert not host_allowed("www.twilio.com", hosts)


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        ("169.254.169.254", "link-local"),
        ("10.0.0.5", "private"),
        ("127.0.0.1", "loopback"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("::1", "loopback"),
        ("::ffff:10.0.0.5", "private"),
        ("fd00::1", "private"),
        ("100.64.0.1", "non-public"),
    ],
)
def test_non_public_addresses_are_refused(ip, reason):
    assert address_refusal(ip).startswith(reason)


def test_public_addresses_are_allowed():
    assert address_refusal("54.172.60.0") == ""
    assert address_refusal("2600:1f18::1") == ""


# --- Fetching -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_media_on_the_providers_api_base_is_stored_with_the_accounts_credentials(api):
    api.respond(200, JPEG, headers={"Content-Type": "image/jpeg"})
    attachment = pending(api.url + MEDIA_PATH)

    assert attachment_fetch(attachment_id=attachment.pk) == "stored"

    attachment.refresh_from_db()
    assert attachment.fetch_status == FetchStatus.STORED
    assert attachment.size == len(JPEG)
    assert attachment.file.read() == JPEG
    assert attachment.file.name.endswith(".jpg")
    sent = api.requests[-1]
    assert (sent.method, sent.path) == ("GET", MEDIA_PATH)
    expected = base64.b64encode(f"{SID}:{TWILIO_TOKEN}".encode()).decode()
    assert sent.headers["authorization"] == f"Basic {expected}"


@pytest.mark.django_db
def test_fetching_is_idempotent(api):
    api.respond(200, JPEG, headers={"Content-Type": "image/jpeg"})
    attachment = pending(api.url + MEDIA_PATH)

    assert attachment_fetch(attachment_id=attachment.pk) == "stored"
    assert attachment_fetch(attachment_id=attachment.pk) == "skipped"
    assert len(api.requests) == 1


@pytest.mark.django_db
def test_a_redirect_on_the_same_host_is_followed(api):
    api.respond(307, b"", headers={"Location": "/signed/ME1?Expires=1"})
    api.respond(200, JPEG, headers={"Content-Type": "image/jpeg"})
    attachment = pending(api.url + MEDIA_PATH)

    assert attachment_fetch(attachment_id=attachment.pk) == "stored"
    assert [r.path for r in api.requests] == [MEDIA_PATH, "/signed/ME1"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://10.0.0.5/internal",
        "https://evil.example/media.jpg",
        "file:///etc/passwd",
        "https://user:pass@api.twilio.com/x",
    ],
)
def test_urls_off_the_providers_media_hosts_are_refused_without_a_request(api, url):
    attachment = pending(url)

    assert attachment_fetch(attachment_id=attachment.pk) == "failed"

    attachment.refresh_from_db()
    assert attachment.fetch_status == FetchStatus.FAILED
    assert attachment.fetch_error.startswith("Refused")
    assert api.requests == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ip", "reason"), [("169.254.169.254", "link-local"), ("10.0.0.5", "private")]
)
def test_a_media_host_that_resolves_to_a_private_address_is_refused(api, dns, ip, reason):
    dns["mms.twiliocdn.com"] = [ip]
    attachment = pending("https://mms.twiliocdn.com/media/ME1")

    assert attachment_fetch(attachment_id=attachment.pk) == "failed"

    attachment.refresh_from_db()
    assert f"{reason} address {ip}" in attachment.fetch_error


@pytest.mark.django_db
def test_a_redirect_to_a_private_address_is_refused(api, dns):
    dns["mms.twiliocdn.com"] = ["10.0.0.5"]
    api.respond(302, b"", headers={"Location": "http://mms.twiliocdn.com/steal"})
    attachment = pending(api.url + MEDIA_PATH)

    assert attachment_fetch(attachment_id=attachment.pk) == "failed"

    attachment.refresh_from_db()
    assert "private address 10.0.0.5" in attachment.fetch_error
    assert len(api.requests) == 1


@pytest.mark.django_db
def test_a_redirect_to_another_port_on_loopback_is_refused(api):
    # Only the API base's exact host and port is trusted on a private address.
    api.respond(302, b"", headers={"Location": "http://127.0.0.1:6379/"})
    attachment = pending(api.url + MEDIA_PATH)

    assert attachment_fetch(attachment_id=attachment.pk) == "failed"
    attachment.refresh_from_db()
    assert "not one of the provider's media hosts" in attachment.fetch_error


@pytest.mark.django_db
def test_endless_redirects_are_refused(api):
    for _ in range(5):
        api.respond(302, b"", headers={"Location": MEDIA_PATH})
    attachment = pending(api.url + MEDIA_PATH)

    assert attachment_fetch(attachment_id=attachment.pk) == "failed"
    attachment.refresh_from_db()
    assert "redirects" in attachment.fetch_error
    assert len(api.requests) == media.MAX_REDIRECTS + 1


@pytest.mark.django_db
def test_an_oversized_body_is_refused(api, monkeypatch):
    monkeypatch.setattr(media.message_services, "MAX_ATTACHMENT_BYTES", 1000)
    api.respond(200, b"x" * 5000, headers={"Content-Type": "video/mp4"})
    attachment = pending(api.url + MEDIA_PATH)

    assert attachment_fetch(attachment_id=attachment.pk) == "failed"

    attachment.refresh_from_db()
    assert attachment.fetch_error.startswith("Larger than")
    assert not attachment.file


@pytest.mark.django_db
def test_an_oversized_body_without_a_length_is_cut_off_while_streaming(monkeypatch):
    monkeypatch.setattr(media.message_services, "MAX_ATTACHMENT_BYTES", 1000)

    class Response:
        headers = {"Content-Type": "video/mp4"}

        def stream(self, size, decode_content=True):
            yield from [b"x" * 600, b"x" * 600, b"never read"]

    with pytest.raises(media.FetchRefused, match="Larger than"):
        media._stream(Response(), 1000, deadline=float("inf"))


@pytest.mark.django_db
def test_a_missing_file_fails_for_good(api):
    api.respond(404, {"code": 20404, "message": "not found"})
    attachment = pending(api.url + MEDIA_PATH)

    assert attachment_fetch(attachment_id=attachment.pk) == "failed"
    attachment.refresh_from_db()
    assert "404" in attachment.fetch_error


@pytest.mark.django_db
def test_a_5xx_is_retried_by_the_task_and_then_stored(api):
    api.respond(503, {"message": "busy"})
    api.respond(200, JPEG, headers={"Content-Type": "image/jpeg"})
    attachment = pending(api.url + MEDIA_PATH)

    fetch_attachment.delay(attachment.pk)  # eager: the retry runs in-process

    attachment.refresh_from_db()
    assert attachment.fetch_status == FetchStatus.STORED
    assert len(api.requests) == 2


@pytest.mark.django_db
def test_a_transient_failure_keeps_the_attachment_pending_until_the_last_attempt(api):
    api.respond(503, {"message": "busy"})
    attachment = pending(api.url + MEDIA_PATH)

    with pytest.raises(media.FetchRetry):
        attachment_fetch(attachment_id=attachment.pk, final_attempt=False)
    attachment.refresh_from_db()
    assert attachment.fetch_status == FetchStatus.PENDING
    assert "503" in attachment.fetch_error


# --- On receipt -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_media_in_an_inbound_whatsapp_message_is_fetched_once_the_message_is_stored(
    api, client, settings
):
    settings.MEDIA_FETCH_ON_RECEIPT = True
    ChannelFactory(kind=ChannelKind.WHATSAPP, address="+14155238886", provider="twilio")
    api.respond(200, JPEG, headers={"Content-Type": "image/jpeg"})
    sid = "MM" + "1" * 32
    params = {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": SID,
        "From": "whatsapp:+5511987654321",
        "To": "whatsapp:+14155238886",
        "Body": "Here is the damaged box",
        "NumMedia": "1",
        "MediaUrl0": api.url + MEDIA_PATH,
        "MediaContentType0": "image/jpeg",
        "ProfileName": "Ana Souza",
        "ApiVersion": "2010-04-01",
    }

    response = twilio_post(client, "/webhooks/twilio/messaging/", params)

    assert response.status_code == 200
    attachment = Attachment.objects.get()
    assert attachment.fetch_status == FetchStatus.STORED
    assert attachment.file.read() == JPEG
