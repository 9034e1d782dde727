"""Inbound email through anymail's ESP endpoints, in each ESP's own request format.

Formats follow anymail's inbound docs and its own tests (anymail/webhooks/<esp>.py):
Mailgun forwards a route as multipart form fields (raw MIME in `body-mime` when the URL ends
in `_mime`, else parsed fields) signed with HMAC-SHA256(timestamp + token); SendGrid's Inbound
Parse posts a multipart form (raw MIME in `email` with "send raw"); Postmark posts JSON
(`RawEmail`, or parsed fields with base64 attachments); Amazon SES publishes to SNS, which posts
a JSON notification as text/plain. SendGrid, Postmark and SNS authenticate with the basic auth
in the webhook URL (ANYMAIL WEBHOOK_SECRET).
"""

import base64
import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from interactions.channels.email import webhooks
from interactions.models import (
    Attachment,
    Direction,
    EventStatus,
    InboundEvent,
    Message,
    MessageKind,
    Thread,
)
from tests.factories import ChannelFactory, ContactIdentityFactory, MessageFactory
from tests.fakes.provider_server import ProviderServer
from tests.webhooks import (
    ANYMAIL_BASIC_AUTH,
    MAILGUN_SIGNING_KEY,
    basic_auth,
    mailgun_sign,
    sns_post,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:'count' is passed as positional:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:django-anymail has dropped official support for SendGrid"),
]

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"
MAILBOX = "support@shop.example"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(autouse=True)
def anymail_settings(settings, tmp_path):
    settings.ANYMAIL = {
        "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_SIGNING_KEY,
        "WEBHOOK_SECRET": ANYMAIL_BASIC_AUTH,
    }
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def mailbox(team_a):
    return ChannelFactory(kind="email", address=MAILBOX, provider="email", default_team=team_a)


def mailgun_mime(
    client, name_or_bytes, *, key=MAILGUN_SIGNING_KEY, auth=ANYMAIL_BASIC_AUTH, token=None
):
    """POST a raw message the way a Mailgun route forward()s it to a URL ending in _mime."""
    raw = load(name_or_bytes) if isinstance(name_or_bytes, str) else name_or_bytes
    form = mailgun_sign(
        {
            "recipient": MAILBOX,
            "sender": "bounces+sender@example.com",
            "from": "sender@example.com",
            "subject": "(as in the message)",
            # Django decodes form fields as UTF-8: what Mailgun sends for 8-bit MIME too.
            "body-mime": raw.decode("utf-8", "replace"),
        },
        key=key,
        token=token,
    )
    # With WEBHOOK_SECRET set, anymail also requires its basic auth on Mailgun's URL.
    headers = basic_auth(auth) if auth else {}
    return client.post("/webhooks/email/mailgun/inbound_mime/", form, headers=headers)


# --- Mailgun -------------------------------------------------------------------------------


def test_a_signed_mailgun_mime_post_stores_the_event_and_the_message_appears(client, mailbox):
    response = mailgun_mime(client, "gmail_reply.eml", token="a" * 50)

    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.provider == "email"
    assert event.provider_event_id == "mailgun:" + "a" * 50
    assert event.payload["esp"] == "Mailgun"
    assert event.payload["recipient"] == MAILBOX
    assert "Message-ID: <CAJane-reply-0002@mail.gmail.example>" in event.raw
    assert event.status == EventStatus.PROCESSED
    message = Message.objects.get()
    assert message.direction == Direction.INBOUND
    assert message.provider_message_id == "<CAJane-reply-0002@mail.gmail.example>"
    assert message.text.startswith('Thanks! The tracking link says "delivered"')
    assert message.thread.channel == mailbox
    assert message.thread.contact.name == "Jane Doe"
    assert message.meta["source"] == "Mailgun"


def test_a_mailgun_repost_is_a_duplicate(client, mailbox):
    for _ in range(2):
        assert mailgun_mime(client, "gmail_reply.eml", token="b" * 50).status_code == 200
    # Mailgun retrying with a fresh token is a new event, but still the same message.
    assert mailgun_mime(client, "gmail_reply.eml", token="c" * 50).status_code == 200

    assert InboundEvent.objects.count() == 2
    assert Message.objects.count() == 1
    assert Thread.objects.get().message_count == 1


def test_a_bad_mailgun_signature_is_refused_by_anymail_and_nothing_is_stored(client, mailbox):
    response = mailgun_mime(client, "gmail_reply.eml", key="not-the-signing-key")

    assert response.status_code == 400  # anymail's AnymailWebhookValidationFailure
    assert not InboundEvent.objects.exists()
    assert not Message.objects.exists()


def test_mailgun_needs_the_webhook_secret_too_when_one_is_set(client, mailbox):
    response = mailgun_mime(client, "gmail_reply.eml", auth=None)

    assert response.status_code == 400
    assert not InboundEvent.objects.exists()


def test_mailgun_signature_alone_is_enough_without_a_webhook_secret(client, mailbox, settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_SIGNING_KEY}

    assert mailgun_mime(client, "gmail_reply.eml", auth=None).status_code == 200
    assert Message.objects.count() == 1


def test_without_a_signing_key_mailgun_traffic_is_refused(client, mailbox, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": ANYMAIL_BASIC_AUTH}

    response = mailgun_mime(client, "gmail_reply.eml")

    assert response.status_code == 403
    assert b"not configured" in response.content
    assert not InboundEvent.objects.exists()


def test_mailgun_parsed_fields_with_an_inline_image_and_an_attachment(client, mailbox):
    # The non-mime route: Mailgun's own parse, attachments as files, inline ones mapped by cid.
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    form = mailgun_sign(
        {
            "recipient": MAILBOX,
            "sender": "lena.fischer@example.at",
            "message-headers": json.dumps(
                [
                    ["X-Mailgun-Spf", "Pass"],
                    ["From", "Lena Fischer <lena.fischer@example.at>"],
                    ["To", MAILBOX],
                    ["Subject", "Foto vom Schaden"],
                    ["Date", "Fri, 7 Mar 2025 16:45:00 +0100"],
                    ["Message-Id", "<mailgun-parsed-1@example.at>"],
                    ["Mime-Version", "1.0"],
                ]
            ),
            "body-plain": "Hallo, das Foto zeigt den Schaden.",
            "body-html": '<p>Hallo, das Foto zeigt den Schaden.</p><img src="cid:photo1">',
            "stripped-text": "Hallo, das Foto zeigt den Schaden.",
            "attachment-count": "2",
            "content-id-map": json.dumps({"<photo1>": "attachment-1"}),
            "attachment-1": SimpleUploadedFile("schaden.png", png, "image/png"),
            "attachment-2": SimpleUploadedFile("rechnung.pdf", b"%PDF-1.4\n", "application/pdf"),
        }
    )

    response = client.post("/webhooks/email/mailgun/inbound/", form, headers=basic_auth())

    assert response.status_code == 200
    message = Message.objects.get()
    assert message.provider_message_id == "<mailgun-parsed-1@example.at>"
    assert message.text == "Hallo, das Foto zeigt den Schaden."
    image = Attachment.objects.get(message=message, filename="schaden.png")
    assert image.is_inline and image.content_id == "photo1"
    assert image.file.read() == png
    pdf = Attachment.objects.get(message=message, filename="rechnung.pdf")
    assert not pdf.is_inline and pdf.size == 9


# --- SendGrid ------------------------------------------------------------------------------


def sendgrid_raw(raw: bytes) -> dict:
    # Inbound Parse with "POST the raw, full MIME message" checked.
    return {
        "email": raw.decode("utf-8", "replace"),
        "to": MAILBOX,
        "from": "Max Mustermann <max@example.de>",
        "subject": "AW: Ihre Bestellung 1042",
        "charsets": json.dumps({"to": "UTF-8", "subject": "UTF-8", "from": "UTF-8"}),
        "envelope": json.dumps({"to": [MAILBOX], "from": "max@example.de"}),
        "sender_ip": "192.0.2.10",
        "dkim": "{@example.de : pass}",
        "SPF": "pass",
        "spam_score": "0.1",
    }


def test_a_sendgrid_raw_post_with_basic_auth_is_stored(client, mailbox):
    response = client.post(
        "/webhooks/email/sendgrid/inbound/",
        sendgrid_raw(load("german_reply.eml")),
        headers=basic_auth(),
    )

    assert response.status_code == 200
    event = InboundEvent.objects.get()
    # SendGrid gives no event id: the key is recipient + Message-ID.
    assert event.provider_event_id == f"msgid:{MAILBOX}:<german-reply-1@example.de>"
    message = Message.objects.get()
    assert message.text == "Hallo,\n\nleider fehlt im Paket noch das Netzteil.\n\nViele Grüße\nMax"

    again = client.post(
        "/webhooks/email/sendgrid/inbound/",
        sendgrid_raw(load("german_reply.eml")),
        headers=basic_auth(),
    )
    assert again.status_code == 200
    assert InboundEvent.objects.count() == 1 and Message.objects.count() == 1


def test_esp_posts_need_no_csrf_token(mailbox):
    client = Client(enforce_csrf_checks=True)  # as a real ESP: no cookie, no token

    response = client.post(
        "/webhooks/email/sendgrid/inbound/",
        sendgrid_raw(load("german_reply.eml")),
        headers=basic_auth(),
    )

    assert response.status_code == 200


def test_sendgrid_with_wrong_basic_auth_is_refused(client, mailbox):
    response = client.post(
        "/webhooks/email/sendgrid/inbound/",
        sendgrid_raw(load("german_reply.eml")),
        headers=basic_auth("cxhub:wrong"),
    )

    assert response.status_code == 400
    assert not InboundEvent.objects.exists()


def test_without_a_webhook_secret_basic_auth_esps_refuse_everything(client, mailbox, settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_SIGNING_KEY}

    sendgrid = client.post(
        "/webhooks/email/sendgrid/inbound/", sendgrid_raw(load("german_reply.eml"))
    )
    postmark = client.post(
        "/webhooks/email/postmark/inbound/",
        {"RawEmail": "From: a@example.com\r\n\r\nx"},
        content_type="application/json",
    )

    # anymail alone would accept these (with only a warning).
    assert sendgrid.status_code == 403 and postmark.status_code == 403
    assert b"WEBHOOK_SECRET" in sendgrid.content
    assert not InboundEvent.objects.exists()


# --- Postmark ------------------------------------------------------------------------------


def postmark_payload(**fields) -> dict:
    """Postmark's inbound JSON (https://postmarkapp.com/developer/webhooks/inbound-webhook).
    OriginalRecipient is Postmark's own inbound address: mail is forwarded there."""
    return {
        "FromName": "Jürgen Müller",
        "MessageStream": "inbound",
        "From": "juergen.mueller@example.de",
        "FromFull": {"Email": "juergen.mueller@example.de", "Name": "Jürgen Müller"},
        "To": MAILBOX,
        "ToFull": [{"Email": MAILBOX, "Name": "", "MailboxHash": ""}],
        "Cc": "",
        "CcFull": [],
        "Bcc": "",
        "BccFull": [],
        "OriginalRecipient": "4f1e0bd8e0a1c2e3d4f5@inbound.postmarkapp.com",
        "Subject": "Bestellung für München",
        "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
        "ReplyTo": "",
        "MailboxHash": "",
        "Date": "Mon, 3 Mar 2025 09:13:55 +0100",
        "TextBody": "Guten Tag,\n\nwo ist mein Paket?\n",
        "HtmlBody": "<p>Guten Tag,</p><p>wo ist mein Paket?</p><script>alert(1)</script>",
        "StrippedTextReply": "",
        "Tag": "",
        "Headers": [
            {"Name": "Return-Path", "Value": "<juergen.mueller@example.de>"},
            {"Name": "X-Spam-Status", "Value": "No"},
            {"Name": "X-Spam-Score", "Value": "-0.1"},
            {"Name": "Message-ID", "Value": "<postmark-parsed-1@mail.example.de>"},
        ],
        "Attachments": [
            {
                "Name": "lieferschein.txt",
                "Content": base64.b64encode(b"Lieferschein 1042").decode(),
                "ContentType": "text/plain",
                "ContentLength": 17,
            }
        ],
        **fields,
    }


def postmark_post(client, payload, *, auth=ANYMAIL_BASIC_AUTH):
    return client.post(
        "/webhooks/email/postmark/inbound/",
        json.dumps(payload),
        content_type="application/json",
        headers=basic_auth(auth),
    )


def test_postmark_parsed_json_is_stored_and_routed_by_the_to_header(client, mailbox):
    response = postmark_post(client, postmark_payload())

    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.provider_event_id == "postmark:73e6d360-66eb-11e1-8e72-a8904824019b"
    # The envelope recipient is Postmark's inbound address; To names our mailbox.
    assert event.payload["recipient"] == MAILBOX
    message = Message.objects.get()
    assert message.provider_message_id == "<postmark-parsed-1@mail.example.de>"
    assert message.thread.subject == "Bestellung für München"
    assert message.thread.contact.name == "Jürgen Müller"
    assert "<script" not in message.html and "wo ist mein Paket?" in message.html
    attachment = message.attachments.get()
    assert attachment.filename == "lieferschein.txt"
    assert attachment.file.read() == b"Lieferschein 1042"


def test_postmark_raw_email_json_and_its_repost(client, mailbox):
    payload = postmark_payload(RawEmail=load("shift_jis_order.eml").decode("cp932"))
    payload["MessageID"] = "0c5e1ca6-0000-4000-8000-000000000001"

    assert postmark_post(client, payload).status_code == 200
    assert postmark_post(client, payload).status_code == 200

    message = Message.objects.get()
    assert message.thread.subject == "注文について"
    assert "注文番号 ① 1042" in message.text
    assert InboundEvent.objects.count() == 1


def test_postmark_with_wrong_basic_auth_is_refused(client, mailbox):
    assert postmark_post(client, postmark_payload(), auth="cxhub:nope").status_code == 400
    assert not InboundEvent.objects.exists()


def test_mail_larger_than_djangos_form_limit_is_accepted(client, mailbox, settings):
    # Django refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default) before a
    # view runs; the email endpoints read up to their own limit. Scaled down to stay fast.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    photo = bytes(range(256)) * 1024  # 256 KB
    payload = postmark_payload(
        Attachments=[
            {
                "Name": "photo.jpg",
                "Content": base64.b64encode(photo).decode(),
                "ContentType": "image/jpeg",
                "ContentLength": len(photo),
            }
        ]
    )

    assert postmark_post(client, payload).status_code == 200
    assert Attachment.objects.get().file.read() == photo

    big_mime = load("jane_first_contact.eml") + b"\r\n" + b"x" * 200_000 + b"\r\n"
    assert mailgun_mime(client, big_mime).status_code == 200  # multipart/form-data

    form = mailgun_sign(
        {"recipient": MAILBOX, "body-mime": load("german_reply.eml").decode() + "y" * 200_000}
    )
    urlencoded = client.post(
        "/webhooks/email/mailgun/inbound_mime/",
        urlencode(form),
        content_type="application/x-www-form-urlencoded",
        headers=basic_auth(),
    )
    assert urlencoded.status_code == 200
    assert Message.objects.count() == 3


def test_mail_over_the_endpoint_limit_is_413(client, mailbox, settings, monkeypatch):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    monkeypatch.setattr(webhooks, "MAX_INBOUND_EMAIL_BYTES", 50_000)

    response = postmark_post(client, postmark_payload(TextBody="x" * 60_000))

    assert response.status_code == 413
    assert not InboundEvent.objects.exists()


# --- Amazon SES (through SNS) --------------------------------------------------------------

TOPIC = "arn:aws:sns:us-east-1:111111111111:SES_Inbound"


def ses_notification(raw: bytes, message_id="jili9m351il3gkburn7o2f0u6788stij94c8ld01") -> dict:
    """An SNS Notification carrying an SES "Received" event with the message base64-encoded
    (receipt rule SNS action, encoding Base64)."""
    ses_event = {
        "notificationType": "Received",
        "mail": {
            "timestamp": "2025-03-05T08:30:01.636Z",
            "source": "wang.xiaoming@example.cn",
            "messageId": message_id,
            "destination": [MAILBOX],
            "headersTruncated": False,
            "commonHeaders": {"from": ["wang.xiaoming@example.cn"], "to": [MAILBOX]},
        },
        "receipt": {
            "timestamp": "2025-03-05T08:30:01.636Z",
            "processingTimeMillis": 357,
            "recipients": [MAILBOX],
            "spamVerdict": {"status": "PASS"},
            "virusVerdict": {"status": "PASS"},
            "action": {"type": "SNS", "topicArn": TOPIC, "encoding": "BASE64"},
        },
        "content": base64.b64encode(raw).decode("ascii"),
    }
    return {
        "Type": "Notification",
        "MessageId": "8f6dee70-c885-558a-be7d-bd48bbf5335e",
        "TopicArn": TOPIC,
        "Subject": "Amazon SES Email Receipt Notification",
        "Message": json.dumps(ses_event),
        "Timestamp": "2025-03-05T08:30:02.516Z",
        "SignatureVersion": "1",
        "Signature": "EXAMPLE==",
        "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0.pem",
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
    }


@pytest.fixture
def boto3():
    return pytest.importorskip("boto3", reason="Amazon SES needs django-anymail[amazon-ses]")


def test_an_ses_notification_is_stored_byte_for_byte(client, mailbox, boto3):
    raw = load("gb2312_order.eml")

    response = sns_post(client, "/webhooks/email/amazon_ses/inbound/", ses_notification(raw))

    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.provider_event_id == "amazon_ses:jili9m351il3gkburn7o2f0u6788stij94c8ld01"
    message = Message.objects.get()
    assert message.thread.subject == "订单未收到"
    assert message.text.endswith("王喆")
    # Re-delivered by SNS: a duplicate.
    sns_post(client, "/webhooks/email/amazon_ses/inbound/", ses_notification(raw))
    assert InboundEvent.objects.count() == 1


def test_sns_without_basic_auth_gets_the_401_challenge_and_wrong_auth_a_400(client, mailbox, boto3):
    notification = ses_notification(load("gb2312_order.eml"))

    challenge = sns_post(client, "/webhooks/email/amazon_ses/inbound/", notification, auth=None)
    wrong = sns_post(client, "/webhooks/email/amazon_ses/inbound/", notification, auth="x:y")

    # SNS sends credentials only after a 401 with WWW-Authenticate (anymail's behaviour).
    assert challenge.status_code == 401 and "Basic" in challenge["WWW-Authenticate"]
    assert wrong.status_code == 400
    assert not InboundEvent.objects.exists()


def test_an_sns_subscription_is_confirmed_with_sns(client, mailbox, settings, boto3):
    with ProviderServer() as sns:
        sns.respond(
            200,
            b'<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
            b"<ConfirmSubscriptionResult><SubscriptionArn>" + TOPIC.encode() + b":sub-1"
            b"</SubscriptionArn></ConfirmSubscriptionResult><ResponseMetadata><RequestId>r-1"
            b"</RequestId></ResponseMetadata></ConfirmSubscriptionResponse>",
            headers={"Content-Type": "text/xml"},
        )
        settings.ANYMAIL = {
            **settings.ANYMAIL,
            "AMAZON_SES_SESSION_PARAMS": {
                "aws_access_key_id": "AKIDEXAMPLE",
                "aws_secret_access_key": "test-secret",
            },
            "AMAZON_SES_CLIENT_PARAMS": {"endpoint_url": sns.url},
        }
        response = sns_post(
            client,
            "/webhooks/email/amazon_ses/inbound/",
            {
                "Type": "SubscriptionConfirmation",
                "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
                "Token": "2336412f37fb687f5d51e6e2425f004aed",
                "TopicArn": TOPIC,
                "Message": "You have chosen to subscribe to the topic.",
                "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",
                "Timestamp": "2025-03-05T08:00:00.000Z",
            },
        )

    assert response.status_code == 200
    [request] = sns.requests
    assert request.form["Action"] == "ConfirmSubscription"
    assert request.form["Token"] == "2336412f37fb687f5d51e6e2425f004aed"
    assert request.form["TopicArn"] == TOPIC
    assert not InboundEvent.objects.exists()


# --- Threading, end to end -----------------------------------------------------------------


def test_a_customer_reply_to_our_reply_joins_the_thread(client, mailbox):
    mailgun_mime(client, "jane_first_contact.eml")
    thread = Thread.objects.get()
    MessageFactory(
        thread=thread,
        outbound=True,
        text="Hello Jane, your parcel left our warehouse yesterday.",
        provider_message_id="<our-reply-1@shop.example>",
    )

    mailgun_mime(client, "gmail_reply.eml")

    reply = Message.objects.get(provider_message_id="<CAJane-reply-0002@mail.gmail.example>")
    assert reply.thread == thread
    assert Thread.objects.count() == 1
    assert thread.messages.filter(direction=Direction.INBOUND).count() == 2


def test_a_bounce_lands_on_the_thread_of_the_message_that_bounced(client, mailbox):
    thread = MessageFactory(
        thread__channel=mailbox,
        outbound=True,
        provider_message_id="<our-reply-977@shop.example>",
    ).thread
    ContactIdentityFactory(contact=thread.contact, value="gone@customer.example")
    status_before = thread.status

    mailgun_mime(client, "bounce_dsn.eml")

    bounce = Message.objects.get(kind=MessageKind.BOUNCE)
    assert bounce.thread == thread
    thread.refresh_from_db()
    assert thread.status == status_before


def test_an_out_of_office_is_stored_but_does_not_reopen_a_resolved_thread(client, mailbox):
    thread = MessageFactory(
        thread__channel=mailbox,
        thread__resolved=True,
        thread__resolved_at=timezone.now(),
        outbound=True,
        provider_message_id="<order-1042-shipped@shop.example>",
    ).thread
    ContactIdentityFactory(contact=thread.contact, value="peter.page@example.co.uk")

    mailgun_mime(client, "out_of_office.eml")

    auto = Message.objects.get(kind=MessageKind.AUTO_REPLY)
    assert auto.thread == thread
    thread.refresh_from_db()
    assert thread.status == "resolved"
