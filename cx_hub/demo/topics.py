"""What customers write about: each topic's mood, tags, and where it turns up."""

from __future__ import annotations

from dataclasses import dataclass

from interactions.models import ChannelKind as K

# Channels where people type to us one to one.
DIRECT = (K.EMAIL, K.SMS, K.WHATSAPP, K.MESSENGER, K.INSTAGRAM, K.X)
# Channels with no outbound adapter (see DESIGN.md): agents call back or answer elsewhere and
# leave an internal note on the thread.
NO_OUTBOUND = (K.VOICE, K.API)


@dataclass(frozen=True)
class Topic:
    key: str
    mood: str  # angry | neutral | happy
    tags: tuple[str, ...]
    kinds: tuple[str, ...]  # channel kinds the topic turns up on
    weight: int
    team: str = "Support"  # which mailbox an email about it goes to
    campaign: bool = False  # only around the Spring Sale
    needs_company: bool = False


TOPICS = (
    Topic("delivery_late", "angry", ("delivery",), (*DIRECT, K.VOICE, K.YOUTUBE), 12),
    Topic("order_status", "neutral", ("delivery",), (*DIRECT, K.VOICE, K.API), 12),
    Topic("refund_request", "neutral", ("refund",), (*DIRECT, K.VOICE, K.API), 9),
    Topic("damaged_item", "angry", ("refund",), (*DIRECT, K.VOICE), 6),
    Topic(
        "double_charge",
        "angry",
        ("billing",),
        (K.EMAIL, K.SMS, K.WHATSAPP, K.MESSENGER, K.VOICE),
        5,
    ),
    Topic(
        "invoice_request",
        "neutral",
        ("billing",),
        (K.EMAIL, K.API),
        4,
        team="Sales",
        needs_company=True,
    ),
    Topic(
        "product_question",
        "neutral",
        ("product-question",),
        (*DIRECT, K.YOUTUBE, K.API, K.VOICE),
        11,
        team="Sales",
    ),
    Topic(
        "bulk_order",
        "happy",
        (),
        (K.EMAIL, K.API, K.WHATSAPP),
        3,
        team="Sales",
        needs_company=True,
    ),
    Topic(
        "promo_code",
        "neutral",
        ("campaign:spring-sale", "billing"),
        (*DIRECT, K.YOUTUBE),
        8,
        campaign=True,
    ),
    Topic(
        "campaign_praise",
        "happy",
        ("campaign:spring-sale",),
        (K.EMAIL, K.INSTAGRAM, K.X, K.YOUTUBE, K.MESSENGER, K.WHATSAPP),
        8,
        campaign=True,
    ),
    Topic(
        "app_bug",
        "angry",
        ("bug",),
        (K.EMAIL, K.X, K.MESSENGER, K.WHATSAPP, K.API),
        6,
    ),
    Topic("service_praise", "happy", (), (*DIRECT, K.YOUTUBE), 4),
    Topic(
        "exchange_size",
        "neutral",
        (),
        (K.EMAIL, K.SMS, K.WHATSAPP, K.MESSENGER, K.INSTAGRAM, K.API),
        6,
    ),
    Topic(
        "cancel_order",
        "neutral",
        ("refund",),
        (K.EMAIL, K.SMS, K.WHATSAPP, K.MESSENGER, K.VOICE, K.API),
        3,
    ),
)
