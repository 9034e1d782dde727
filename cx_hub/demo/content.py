"""The demo organization: who works there, where customers reach it, and its brand voice."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.permissions import Role
from interactions.models import ChannelKind

SEED = 2026
BRAND = "Northpeak"
# Reserved `.example` names (RFC 2606) for every customer-facing address, so a demo that gets
# wired to a real email provider can never write to somebody's real mailbox.
BRAND_DOMAIN = "northpeak.example"
DEMO_DOMAIN = "demo.cxhub.local"
DEMO_PASSWORD = "demo1234"
DEMO_URL = "http://127.0.0.1:8000/"
PROMO_CODE = "SPRING20"
# The Spring Sale ran from 45 to 31 days before the seed; its threads cluster there.
SPRING_SALE_DAYS_AGO = (45, 31)
HISTORY_DAYS = 90

TEAMS = {
    "Support": "Orders, deliveries, returns, billing and the app.",
    "Sales": "Product advice, team and bulk orders, invoices, social selling.",
}


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: str
    team: str | None = None
    # Languages the agent answers in besides English: threads in them go to this agent first.
    speaks: tuple[str, ...] = ()


USERS = (
    DemoUser(f"admin@{DEMO_DOMAIN}", "Ada Admin", Role.ADMIN),
    DemoUser(f"manager@{DEMO_DOMAIN}", "Max Manager", Role.MANAGER),
    DemoUser(f"marketer@{DEMO_DOMAIN}", "Mia Marketer", Role.MARKETER),
    DemoUser(f"agent@{DEMO_DOMAIN}", "Alex Agent", Role.AGENT, "Support"),
    DemoUser(f"agent2@{DEMO_DOMAIN}", "Sam Sales", Role.AGENT, "Sales"),
    DemoUser(f"agent3@{DEMO_DOMAIN}", "Priya Patel", Role.AGENT, "Support"),
    DemoUser(f"agent4@{DEMO_DOMAIN}", "Lucía Fernández", Role.AGENT, "Support", ("es", "pt")),
    DemoUser(f"agent5@{DEMO_DOMAIN}", "Chloé Dubois", Role.AGENT, "Support", ("fr",)),
    DemoUser(f"agent6@{DEMO_DOMAIN}", "Jonas Becker", Role.AGENT, "Sales", ("de",)),
)
ADMIN_EMAIL = USERS[0].email


@dataclass(frozen=True)
class DemoChannel:
    key: str
    kind: str
    name: str
    address: str
    provider: str
    team: str
    config: dict = field(default_factory=dict)


CHANNELS = (
    DemoChannel(
        "email-support",
        ChannelKind.EMAIL,
        "Support mailbox",
        f"support@{BRAND_DOMAIN}",
        "mailgun",
        "Support",
        {
            "sender_name": "Northpeak Support",
            "signature": "Northpeak Support, gear for the long way",
        },
    ),
    DemoChannel(
        "email-sales",
        ChannelKind.EMAIL,
        "Sales mailbox",
        f"sales@{BRAND_DOMAIN}",
        "imap",
        "Sales",
        {"imap_host": f"imap.{BRAND_DOMAIN}", "folder": "INBOX", "sender_name": "Northpeak Sales"},
    ),
    # NANP 555-01xx numbers are reserved for fiction.
    DemoChannel("sms", ChannelKind.SMS, "SMS line", "+12025550143", "twilio", "Support"),
    DemoChannel(
        "whatsapp",
        ChannelKind.WHATSAPP,
        "WhatsApp",
        "+14155550132",
        "twilio",
        "Support",
        {"display_name": "Northpeak"},
    ),
    DemoChannel(
        "messenger",
        ChannelKind.MESSENGER,
        "Facebook page",
        "104857392011234",
        "meta",
        "Support",
        {"page_name": "Northpeak Outdoors"},
    ),
    DemoChannel(
        "instagram",
        ChannelKind.INSTAGRAM,
        "Instagram @northpeak",
        "17841400000000001",
        "meta",
        "Sales",
        {"username": "northpeak"},
    ),
    DemoChannel(
        "x",
        ChannelKind.X,
        "X @NorthpeakHelp",
        "1460001234567890123",
        "x",
        "Support",
        {"screen_name": "NorthpeakHelp"},
    ),
    DemoChannel(
        "youtube",
        ChannelKind.YOUTUBE,
        "YouTube Northpeak",
        "UCn0rthp3akD3m0Ch4nn3l12",
        "youtube",
        "Sales",
        {"videos": ["spring-sale-2026", "ridge-40l-review"]},
    ),
    DemoChannel(
        "voice",
        ChannelKind.VOICE,
        "Phone line",
        "+18005550199",
        "twilio",
        "Support",
        {"voicemail": True, "record_calls": False},
    ),
    DemoChannel(
        "api",
        ChannelKind.API,
        "Website contact form",
        "web-contact-form",
        "api",
        "Sales",
        {"source": f"https://www.{BRAND_DOMAIN}/contact"},
    ),
)

TAGS = {
    "refund": "#dc2626",
    "vip": "#7c3aed",
    "bug": "#ea580c",
    "billing": "#2563eb",
    "delivery": "#0891b2",
    "product-question": "#0d9488",
    "complaint": "#be123c",
    "campaign:spring-sale": "#16a34a",
}

PRODUCTS = (
    "Ridge 40L backpack",
    "Summit down jacket",
    "Stormline rain shell",
    "Trailrunner 2 trail shoe",
    "Basecamp 3P tent",
    "Drift sleeping bag",
    "Alpine fleece",
    "Peak thermal bottle",
)

# (title, shortcut, team or None for every team, body). Brand voice: warm, plain, outdoorsy.
SAVED_REPLIES = (
    (
        "Thanks for reaching out",
        "hello",
        None,
        "Hi {{ contact.first_name }},\n\nThanks for getting in touch with Northpeak! I'm "
        "{{ agent.first_name }} and I'll look after this for you.\n\n{{ agent.first_name }}",
    ),
    (
        "Sorry for the delay",
        "delay",
        "Support",
        "Hi {{ contact.first_name }},\n\nI'm sorry your order is taking longer than promised. I've "
        "opened a trace with the carrier and I'll update you within 24 hours, even if there's no "
        "news yet.\n\n{{ agent.first_name }}",
    ),
    (
        "Refund issued",
        "refund-ok",
        "Support",
        "Good news, {{ contact.first_name }}: your refund is on its way. Banks usually take 3-5 "
        "business days to show it. Thanks for giving our gear a try!\n\n{{ agent.first_name }}",
    ),
    (
        "Returns policy",
        "returns",
        None,
        "You can return anything unworn within 30 days, free of charge — the label is in your "
        "order email. Gear that fails on the trail is covered by our lifetime repair guarantee.",
    ),
    (
        "Where is my order",
        "where",
        "Support",
        "Hi {{ contact.first_name }}, I've checked your order: it left our warehouse and is with "
        "the carrier now. Your tracking link is in the shipping email. — {{ agent.first_name }}",
    ),
    (
        "Free size exchange",
        "exchange",
        "Support",
        "Exchanges are always free, {{ contact.first_name }}. Tell me the size you'd like and I'll "
        "ship it today with a prepaid return label for the old one.",
    ),
    (
        "Spring Sale code",
        "spring",
        None,
        "Hi {{ contact.first_name }}! The SPRING20 code takes 20% off full-price items until the "
        "end of the Spring Sale. If it didn't apply, send me your order number and I'll refund "
        "the difference.",
    ),
    (
        "Bug report received",
        "bug-thanks",
        "Support",
        "Thanks for the detailed report, {{ contact.first_name }}. I've passed it to our app "
        "team with your steps and device, and I'll let you know as soon as a fix ships.",
    ),
    (
        "Team and bulk orders",
        "bulk",
        "Sales",
        "Hi {{ contact.first_name }}, we'd love to outfit your team! Orders of 20+ items get 15% "
        "off and free logo embroidery setup. Which products, sizes and deadline should I quote "
        "for?\n\n{{ agent.first_name }}, Northpeak Sales",
    ),
    (
        "Closing the loop",
        "close",
        None,
        "Glad we could sort this out, {{ contact.first_name }}. If anything else comes up, just "
        "reply here — a real person will answer. See you on the trail!\n\n{{ agent.first_name }}",
    ),
    (
        "Saludo (español)",
        "hola",
        None,
        "Hola, {{ contact.first_name }}:\n\nGracias por escribir a Northpeak. Soy "
        "{{ agent.first_name }} y me encargo de tu consulta.",
    ),
)
