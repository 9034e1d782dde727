"""Plan the demo customers and their identities in memory (nothing is saved here)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from interactions.models import ChannelKind as K
from interactions.models import Contact, ContactIdentity, IdentityKind

from . import people
from .people import Country

# The identity a channel resolves its sender by.
IDENTITY_FOR = {
    K.EMAIL: IdentityKind.EMAIL,
    K.SMS: IdentityKind.PHONE,
    K.VOICE: IdentityKind.PHONE,
    K.WHATSAPP: IdentityKind.WHATSAPP,
    K.MESSENGER: IdentityKind.MESSENGER,
    K.INSTAGRAM: IdentityKind.INSTAGRAM,
    K.X: IdentityKind.X,
    K.YOUTUBE: IdentityKind.YOUTUBE,
    K.API: IdentityKind.API,
}
# How often a customer's first channel is each kind.
FIRST_CHANNEL = {
    K.EMAIL: 46,
    K.WHATSAPP: 14,
    K.SMS: 6,
    K.MESSENGER: 8,
    K.INSTAGRAM: 8,
    K.X: 5,
    K.YOUTUBE: 4,
    K.VOICE: 6,
    K.API: 3,
}
EMAIL_PATTERNS = ("{f}.{l}", "{f}{l}", "{i}{l}", "{f}.{l}{n}", "{f}_{l}", "{l}.{f}", "{f}{n}")
TIERS = ("bronze", "silver", "gold")


@dataclass
class PlannedContact:
    contact: Contact
    country: Country
    kinds: list[str]  # channel kinds this person uses, the first one most
    identities: list[ContactIdentity] = field(default_factory=list)
    email_domain: str = ""
    activity: float = 1.0  # relative share of the extra threads
    vip: bool = False

    @property
    def first_name(self) -> str:
        return self.contact.first_name

    @property
    def lang(self) -> str:
        return self.country.writes


def plan_contacts(rng: random.Random) -> list[PlannedContact]:
    """About 200 customers from several countries, each with the identities of their channels."""
    used: set[str] = set()  # membership tests only: iterating a set would break determinism
    planned = []
    for country in people.COUNTRIES:
        for _ in range(country.count):
            planned.append(_plan_one(rng, country, used))
    rng.shuffle(planned)
    return planned


def _plan_one(rng: random.Random, country: Country, used: set[str]) -> PlannedContact:
    first = rng.choice(people.FIRST_NAMES[country.names])
    last = rng.choice(people.LAST_NAMES[country.names])
    if country.names == "es" and rng.random() < 0.3:
        last = f"{last} {rng.choice(people.LAST_NAMES['es'])}"
    company, company_domain = "", ""
    if rng.random() < 0.22:
        company, company_domain = rng.choice(people.COMPANIES[country.names])
    vip = rng.random() < 0.07
    kinds = _channel_kinds(rng)
    attributes = {"orders": rng.randint(12, 40) if vip else rng.randint(1, 11)}
    attributes["tier"] = "gold" if vip else rng.choice(TIERS)
    if vip:
        attributes["vip"] = True
    pc = PlannedContact(
        contact=Contact(
            name=f"{first} {last}",
            company=company,
            locale=country.locale,
            attributes=attributes,
        ),
        country=country,
        kinds=kinds,
        activity=rng.choice((0.5, 1, 1, 1, 2, 3)) * (3 if vip else 1),
        vip=vip,
    )
    needed = [IDENTITY_FOR[k] for k in kinds]
    # Shoppers leave an email at checkout whatever channel they later write on.
    if IdentityKind.EMAIL not in needed and rng.random() < 0.6:
        needed.append(IdentityKind.EMAIL)
    phone = ""
    for kind in dict.fromkeys(needed):  # de-duplicated, order kept
        if kind == IdentityKind.EMAIL:
            domain = company_domain if company and rng.random() < 0.6 else ""
            domain = domain or rng.choice(people.FREEMAIL[country.names])
            value = _unique(used, _email, rng, first, last, domain)
            pc.email_domain = domain
            display = ""
        elif kind in (IdentityKind.PHONE, IdentityKind.WHATSAPP):
            # Most people use WhatsApp on the number they text and call from.
            if not phone or rng.random() < 0.15:
                phone = _unique(used, people.phone_number, rng, country)
            value, display = phone, ""
        else:
            value, display = _social_id(rng, used, kind, first, last)
        pc.identities.append(ContactIdentity(kind=kind, value=value, display=display))
    pc.contact.consent = {k: rng.random() < 0.8 for k in ("email", "sms", "whatsapp")}
    return pc


def _channel_kinds(rng: random.Random) -> list[str]:
    options, weights = list(FIRST_CHANNEL), list(FIRST_CHANNEL.values())
    kinds = [rng.choices(options, weights)[0]]
    extra = rng.choices((0, 1, 2), (62, 30, 8))[0]
    for _ in range(extra):
        kind = rng.choices(options, weights)[0]
        if kind not in kinds:
            kinds.append(kind)
    return kinds


def _email(rng: random.Random, first: str, last: str, domain: str) -> str:
    f, ln = people.ascii_slug(first), people.ascii_slug(last.split(" ")[0])
    pattern = rng.choice(EMAIL_PATTERNS)
    local = pattern.format(f=f, l=ln, i=f[0], n=rng.randint(1, 99))
    return f"{local}@{domain}"


def _social_id(
    rng: random.Random, used: set[str], kind: str, first: str, last: str
) -> tuple[str, str]:
    handle = people.ascii_slug(first) + rng.choice(("", "_", ".")) + people.ascii_slug(last)[:8]
    if rng.random() < 0.5:
        handle += str(rng.randint(1, 999))
    handle = handle.strip("._")
    match kind:
        case IdentityKind.MESSENGER:  # page-scoped ids are 16-17 digits
            value = _unique(used, lambda: str(rng.randint(10**15, 10**16 - 1)))
            return value, f"{first} {last}"
        case IdentityKind.INSTAGRAM:
            value = _unique(used, lambda: str(rng.randint(10**16, 10**17 - 1)))
            return value, f"@{handle}"
        case IdentityKind.X:
            value = _unique(used, lambda: str(rng.randint(10**17, 10**19 - 1)))
            return value, f"@{handle[:15]}"
        case IdentityKind.YOUTUBE:
            alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            value = _unique(used, lambda: "UC" + "".join(rng.choice(alphabet) for _ in range(22)))
            return value, f"@{handle}"
        case _:  # the website's customer number
            value = _unique(used, lambda: f"web-{rng.randint(100000, 999999)}")
            return value, f"Customer #{value[4:]}"


def _unique(used: set[str], make, *args) -> str:
    value = make(*args)
    while value in used:
        value = make(*args)
    used.add(value)
    return value
