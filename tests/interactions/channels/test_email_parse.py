"""Raw mail → InboundMessage, from real-shaped .eml files in tests/fixtures/email/ (no database).

Each fixture is a kind of message a shared inbox really gets: legacy charsets, lying charsets,
broken headers, deep MIME trees, HTML-only mail with scripts, replies with quoted history in
several clients' styles, auto-replies, bounces and an mbox export.
"""

import base64
from datetime import UTC, datetime
from pathlib import Path

import pytest

from interactions import message_html
from interactions.channels.base import ParseError
from interactions.channels.email.adapter import EmailAdapter
from interactions.channels.email.parse import (
    is_mbox,
    message_ids,
    parse_email,
    raw_for_storage,
    raw_from_event,
    safe_filename,
    split_mbox,
)
from interactions.channels.email.text import decode_bytes, html_to_text, new_text

# mail-parser-reply 1.36 calls re.sub with a positional count (its bug, harmless).
pytestmark = pytest.mark.filterwarnings("ignore:'count' is passed as positional:DeprecationWarning")

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(name: str, **kwargs):
    return parse_email(load(name), **kwargs)


# --- Charsets ------------------------------------------------------------------------------


def test_iso_8859_1_body_and_encoded_headers_are_decoded():
    message = parse("latin1_order_question.eml")

    assert message.sender.value == "juergen.mueller@example.de"  # lowercased
    assert message.sender_name == "Jürgen Müller"
    # The label says ISO-8859-1; the 0x96 and 0x93/0x94 bytes are Windows-1252 punctuation.
    assert message.subject == "Bestellung für München – Lieferung verspätet"  # noqa: RUF001
    assert "für die Filiale München" in message.text
    assert "“dringend”" in message.text
    assert message.text.endswith("Viele Grüße\nJürgen Müller")


def test_windows_1252_quoted_printable_keeps_euro_and_smart_quotes():
    message = parse("outlook_reply_windows1252.eml")

    assert "the price changed to € 49.90 and that’s not what" in message.text  # noqa: RUF001
    assert "order – the price" in message.text  # noqa: RUF001


def test_shift_jis_label_on_cp932_text_keeps_the_nec_circled_digit():
    message = parse("shift_jis_order.eml")

    assert message.sender_name == "山田 太郎"
    assert message.subject == "注文について"  # ISO-2022-JP encoded word
    assert "注文番号 ① 1042 の商品がまだ届いていません。" in message.text


def test_gb2312_label_on_gbk_text_keeps_the_gbk_only_character():
    message = parse("gb2312_order.eml")

    assert message.sender_name == "王小明"
    assert message.subject == "订单未收到"
    assert "我的订单 1042 还没有收到。" in message.text
    assert message.text.endswith("王喆")  # 喆 is in GBK, not in GB2312


def test_lying_unknown_and_missing_charsets_never_lose_the_message():
    message = parse("broken_charsets.eml")

    # A UTF-8 label on Latin-1 bytes, an unknown label on UTF-8, no label with junk bytes.
    assert "Olá, o pedido não chegou." in message.text
    assert "Número do pedido: 1042" in message.text
    assert "Obrigada — Ana" in message.text
    assert "\ufffd" in message.text  # the junk bytes, visibly replaced
    assert message.subject == "Pedido não chegou"


def test_koi8_r_and_ks_c_5601_messages_in_an_mbox_are_decoded():
    messages = [parse_email(m) for m in split_mbox(load("archive.mbox"))]

    assert messages[0].sender_name == "Ольга"
    assert messages[0].subject == "Вопрос"
    assert messages[0].text == "Добрый день!"
    assert messages[3].subject == "주문 문의"
    assert messages[3].text == "안녕하세요, 주문 문의입니다."


@pytest.mark.parametrize(
    ("data", "label", "expected"),
    [
        ("Grüße".encode(), "iso-8859-1", "Grüße"),  # valid UTF-8 wins over a legacy label
        ("Grüße".encode("latin-1"), "utf-8", "Grüße"),  # a UTF-8 label on Latin-1 bytes
        (b"\x93quoted\x94", "iso-8859-1", "“quoted”"),  # the label means Windows-1252
        (b"caf\xe9", "no-such-charset", "café"),
        (b"caf\xe9", None, "café"),
        ("①".encode("cp932"), "shift_jis", "①"),
        (b"+AOk-t+AOk-", "utf-7", "été"),
    ],
)
def test_decoding_falls_back_sensibly(data, label, expected):
    assert decode_bytes(data, label) == expected


# --- Headers -------------------------------------------------------------------------------


def test_malformed_headers_are_survived():
    message = parse("malformed_headers.eml")

    assert message.sender.value == "dan@example.org"  # "Dan Example <dan@example.org" (no >)
    assert message.sender_name == "Dan Example"
    assert message.subject.startswith("Hello world")  # good encoded word, then junk ones
    assert "café" in message.subject
    assert message.sent_at is None  # "Thursday, sometime in March"
    assert message.provider_message_id == "<no-angle-brackets-1234@example.org>"
    assert message.in_reply_to == "<our-first-reply@shop.example>"
    assert message.text == "Hi, the checkout page shows an error."


def test_missing_message_id_gets_a_stable_synthetic_id():
    first = parse("missing_headers.eml")
    again = parse("missing_headers.eml")

    assert first.provider_message_id == again.provider_message_id
    assert first.provider_message_id.startswith("<")
    assert first.provider_message_id.endswith("@synthetic.cx-hub.invalid>")
    assert first.meta["synthetic_message_id"] is True
    assert first.sent_at is None
    assert first.subject == ""
    assert first.sender_name == ""
    assert first.sender.value == "carla@example.pt"
    assert first.text == "Bom dia, preciso de uma fatura para a encomenda 1042."


def test_threading_headers_become_angle_bracketed_ids():
    message = parse("gmail_reply.eml")

    assert message.provider_message_id == "<CAJane-reply-0002@mail.gmail.example>"
    assert message.in_reply_to == "<our-reply-1@shop.example>"
    assert message.references == (
        "<CAJane-first-0001@mail.gmail.example>",
        "<our-reply-1@shop.example>",
    )
    assert message.sent_at == datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


def test_message_ids_are_extracted_from_messy_headers():
    assert message_ids("<a@x>\r\n <b@y>,<a@x>") == ["<a@x>", "<b@y>"]
    assert message_ids("bare-id@host") == ["<bare-id@host>"]
    assert message_ids("") == []
    long_id = message_ids("<" + "x" * 300 + "@host>")[0]
    assert len(long_id) < 255 and long_id == message_ids("<" + "x" * 300 + "@host>")[0]


def test_meta_keeps_the_addressing_headers():
    message = parse("out_of_office.eml")

    assert message.meta["message_id"] == "<ooo-1@example.co.uk>"
    assert message.meta["to"] == ["support@shop.example"]
    assert message.meta["cc"] == []
    assert message.meta["reply_to"] == []
    assert message.meta["auto_submitted"] == "auto-replied"


def test_a_message_without_any_sender_cannot_be_parsed():
    with pytest.raises(ParseError, match="No sender address"):
        parse("garbage_not_an_email.eml")
    with pytest.raises(ParseError, match="Empty message"):
        parse_email(b"  \r\n")


# --- Structure, attachments, inline images -------------------------------------------------


def test_nested_multiparts_give_text_html_inline_image_and_attachments():
    message = parse("nested_inline_image_rfc2231.eml")

    assert message.text == (
        "Hallo, anbei die Rechnung. Das Foto zeigt den Schaden an der Verpackung."
    )
    assert '<img src="cid:damage-photo@example.at"' in message.html
    image, pdf, csv, renamed = message.attachments
    assert image.filename == "schaden.png"
    assert image.content_type == "image/png"
    assert image.is_inline and image.content_id == "damage-photo@example.at"
    assert image.content.startswith(b"\x89PNG\r\n")
    assert pdf.filename == "Rechnung März 2025.pdf"  # RFC 2231 UTF-8 percent-encoding
    assert pdf.content.startswith(b"%PDF-1.4") and not pdf.is_inline
    assert csv.filename == "Bestellübersicht Q1 2025.csv"  # RFC 2231 continuations, Latin-1
    assert csv.content == b"order,amount\r\n1042,49.90\r\n"
    assert renamed.filename == "passwd"  # "../../etc/passwd": no path survives


def test_file_names_are_made_safe_to_store():
    assert safe_filename("..\\..\\boot.ini", "text/plain") == "boot.ini"
    assert safe_filename("", "image/png", fallback="logo@x") == "logo@x.png"
    assert safe_filename("\x00.", "application/pdf") == "attachment.pdf"
    long_name = safe_filename("ä" * 300 + ".pdf", "application/pdf")
    assert len(long_name) <= 120 and long_name.endswith(".pdf")


def test_a_message_with_no_body_has_empty_text():
    message = parse("no_body.eml")

    assert message.text == ""
    assert message.html == ""
    assert message.attachments == ()
    assert message.subject == "(no text)"


# --- HTML ----------------------------------------------------------------------------------


def test_html_only_mail_gets_readable_text_and_sanitized_html():
    message = parse("html_only_script.eml")

    assert message.text == (
        "Hello & welcome\n\n"
        "We would like to partner with you.\nPlease see our offer:\n\n"
        "- Free shipping\n- 10 % discount\n\n"
        "Click here\n\n"
        "> Earlier: you asked about prices.\n\n"
        "Thanks,\nMallory"
    )
    assert "document.cookie" not in message.text and "color: red" not in message.text
    # The raw HTML is handed to the pipeline, which sanitizes it on the way in.
    safe = message_html.sanitize(message.html)
    for dangerous in ("<script", "onclick", "onload", "onerror", "javascript:", "<style"):
        assert dangerous not in safe.lower()
    assert "<b>partner</b>" in safe


def test_html_to_text_keeps_line_breaks_and_quotes():
    html = (
        "<div>Hi<br>there</div><div><br></div>"
        "<blockquote><p>old</p><blockquote>older</blockquote></blockquote><p>a&nbsp;b</p>"
    )
    assert html_to_text(html) == "Hi\nthere\n\n> old\n>\n> > older\n\na b"


# --- The new part of a reply ---------------------------------------------------------------


def test_gmail_reply_keeps_only_the_new_text():
    message = parse("gmail_reply.eml")

    assert message.text == (
        'Thanks! The tracking link says "delivered" but there is nothing at my door.\n\nJane'
    )
    assert "your parcel left our warehouse yesterday" in message.meta["full_text"]


def test_outlook_reply_is_cut_at_original_message():
    message = parse("outlook_reply_windows1252.eml")

    assert message.text.startswith("Hi,\n\nPlease cancel the order")
    assert message.text.endswith("Bob Smith\nPurchasing, Corp Example")
    assert "Original Message" not in message.text
    assert "-----Original Message-----" in message.meta["full_text"]


def test_german_reply_is_cut_at_am_schrieb():
    message = parse("german_reply.eml")

    assert message.text == "Hallo,\n\nleider fehlt im Paket noch das Netzteil.\n\nViele Grüße\nMax"
    assert "Ihre Bestellung 1042 ist unterwegs" in message.meta["full_text"]


def test_a_message_without_history_is_kept_whole():
    message = parse("jane_first_contact.eml")

    assert message.text.startswith("Hello, I ordered a lamp")
    assert "full_text" not in message.meta


def test_quoted_lines_without_an_attribution_are_cut_and_a_forward_is_kept_whole():
    assert new_text("Yes, please.\n\n> Shall we ship it?\n> Shop") == "Yes, please."
    assert new_text("> only quoted\n> text") == "> only quoted\n> text"
    interleaved = "See inline.\n\nOn Mon, X wrote:\n> Size?\nXL.\n> Colour?\nBlue."
    assert new_text(interleaved) == interleaved  # cutting would lose "XL." and "Blue."
    forward = (
        "FYI\n\n---------- Forwarded message ---------\nFrom: A <a@x>\n\nOn Mon, B wrote:\n> hi"
    )
    message = parse_email(
        b"From: a@example.com\r\nTo: support@shop.example\r\nSubject: Fwd: order\r\n\r\n"
        + forward.encode()
    )
    assert message.text == forward


# --- Automated mail ------------------------------------------------------------------------


def test_out_of_office_is_an_automated_auto_reply():
    message = parse("out_of_office.eml")

    assert message.is_automated
    assert message.kind == "auto_reply"
    assert message.in_reply_to == "<order-1042-shipped@shop.example>"


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-generated",
        "X-Autoreply: yes",
        "X-Autorespond: Thanks for your mail",
        "Precedence: bulk",
        "Precedence: junk",
        "Precedence: auto_reply",
    ],
)
def test_each_auto_reply_marker_makes_mail_automated(header):
    message = parse_email(
        f"From: a@example.com\r\nTo: support@shop.example\r\n{header}\r\n\r\nHi".encode()
    )
    assert message.is_automated and message.kind == "auto_reply"


def test_auto_submitted_no_and_list_precedence_are_human():
    message = parse_email(
        b"From: a@example.com\r\nTo: support@shop.example\r\nAuto-Submitted: no\r\n"
        b"Precedence: list\r\n\r\nHi"
    )
    assert not message.is_automated and message.kind == "message"


def test_a_dsn_from_mailer_daemon_is_a_bounce_filed_under_the_failed_address():
    message = parse("bounce_dsn.eml")

    assert message.is_automated and message.kind == "bounce"
    assert message.sender.value == "gone@customer.example"
    assert message.sender_name == ""
    assert message.in_reply_to == "<our-reply-977@shop.example>"
    assert message.meta["from"] == "mailer-daemon@mx.shop.example"
    assert message.meta["bounce"] == {
        "final_recipient": "gone@customer.example",
        "action": "failed",
        "status": "5.1.1",
        "diagnostic": "smtp; 550 5.1.1 <gone@customer.example>: Recipient address rejected: "
        "User unknown",
        "original_message_id": "<our-reply-977@shop.example>",
    }
    assert "Recipient address rejected" in message.text


def test_mail_from_postmaster_is_a_bounce():
    message = parse_email(
        b"From: postmaster@mx.example.com\r\nTo: support@shop.example\r\n"
        b"Subject: Delivery failure\r\n\r\nCould not deliver."
    )
    assert message.kind == "bounce" and message.is_automated


# --- mbox ----------------------------------------------------------------------------------


def test_an_mbox_splits_into_its_messages():
    data = load("archive.mbox")
    assert is_mbox(data) and not is_mbox(load("gmail_reply.eml"))

    messages = [parse_email(m) for m in split_mbox(data)]

    assert [m.provider_message_id for m in messages] == [
        "<mbox-1@example.ru>",
        "<mbox-2@example.com>",
        "<mbox-3@example.com>",
        "<mbox-4@example.kr>",
    ]
    # mboxrd: a body line escaped as ">From " is restored.
    assert "\nFrom my point of view" in messages[1].text


# --- Routing and the adapter ---------------------------------------------------------------


def test_the_channel_is_the_delivering_paths_recipient_else_the_headers():
    assert parse("gmail_reply.eml").channel_address == "support@shop.example"  # Delivered-To
    routed = parse("gmail_reply.eml", recipient="Sales@Shop.Example")
    assert routed.channel_address == "sales@shop.example"


def test_the_adapter_parses_stored_events_base64_or_text():
    adapter = EmailAdapter()
    data = load("shift_jis_order.eml")
    raw, encoding = raw_for_storage(data)
    assert encoding == {"raw_encoding": "base64"}  # Shift_JIS bytes are not UTF-8
    assert raw_from_event(encoding, raw) == data

    payload = {"recipient": "support@shop.example", "esp": "Mailgun", **encoding}
    [message] = adapter.parse(payload, raw)
    assert message.subject == "注文について"
    assert message.meta["source"] == "Mailgun"

    text, plain = raw_for_storage(load("german_reply.eml"))
    assert plain == {} and adapter.parse({}, text)[0].sender.value == "max@example.de"


def test_the_adapter_turns_any_parse_failure_into_a_parse_error():
    adapter = EmailAdapter()
    with pytest.raises(ParseError, match="No sender"):
        adapter.parse(
            {"raw_encoding": "base64"}, base64.b64encode(load("garbage_not_an_email.eml")).decode()
        )
    with pytest.raises(ParseError, match="base64"):
        adapter.parse({"raw_encoding": "base64"}, "not base64!")
