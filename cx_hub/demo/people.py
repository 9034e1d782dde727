"""Customers' names, companies, phone numbers and mail domains, by country."""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

FIRST_NAMES = {
    "en": (
        "Emily",
        "James",
        "Olivia",
        "Michael",
        "Sophia",
        "Daniel",
        "Ava",
        "Ethan",
        "Chloe",
        "Ryan",
        "Hannah",
        "Noah",
        "Grace",
        "Liam",
        "Megan",
        "Tyler",
        "Priya",
        "Kenji",
        "Aisha",
        "Wei",
        "Marcus",
        "Tanisha",
        "Connor",
        "Fiona",
        "Oliver",
        "Amelia",
        "Jack",
        "Isla",
        "Harry",
        "Zoe",
    ),
    "es": (
        "María",
        "Javier",
        "Carmen",
        "Alejandro",
        "Sofía",
        "Pablo",
        "Elena",
        "Diego",
        "Marta",
        "Sergio",
        "Paula",
        "Andrés",
        "Valentina",
        "Jorge",
        "Camila",
        "Raúl",
        "Isabel",
        "Mateo",
        "Ximena",
        "Lucía",
    ),
    "fr": (
        "Camille",
        "Julien",
        "Chloé",
        "Mathieu",
        "Léa",
        "Antoine",
        "Manon",
        "Nicolas",
        "Sarah",
        "Thomas",
        "Émilie",
        "Hugo",
        "Inès",
        "Louis",
        "Élodie",
        "Maxime",
        "Juliette",
        "Bastien",
        "Margaux",
        "Théo",
    ),
    "de": (
        "Lukas",
        "Anna",
        "Lena",
        "Felix",
        "Laura",
        "Maximilian",
        "Julia",
        "Leon",
        "Sophie",
        "Paul",
        "Marie",
        "Tobias",
        "Katharina",
        "Niklas",
        "Johanna",
        "Florian",
        "Hannah",
        "Moritz",
        "Lea",
        "Jan",
    ),
    "pt": (
        "João",
        "Ana",
        "Pedro",
        "Beatriz",
        "Lucas",
        "Mariana",
        "Gabriel",
        "Larissa",
        "Rafael",
        "Juliana",
        "Thiago",
        "Fernanda",
        "Gustavo",
        "Camila",
        "Bruno",
        "Letícia",
        "Felipe",
        "Isabela",
        "Rodrigo",
        "Carolina",
    ),
    "it": (
        "Giulia",
        "Marco",
        "Francesca",
        "Alessandro",
        "Chiara",
        "Matteo",
        "Sara",
        "Lorenzo",
        "Elena",
        "Davide",
        "Martina",
        "Andrea",
    ),
}

LAST_NAMES = {
    "en": (
        "Johnson",
        "Smith",
        "Williams",
        "Brown",
        "Miller",
        "Davis",
        "Wilson",
        "Taylor",
        "Anderson",
        "Thompson",
        "Clarke",
        "Walker",
        "Hughes",
        "Patel",
        "Nguyen",
        "Kim",
        "O'Brien",
        "Murphy",
        "Robinson",
        "Cooper",
        "Bennett",
        "Reyes",
        "Okafor",
        "Chen",
        "Fraser",
        "Campbell",
    ),
    "es": (
        "García",
        "Fernández",
        "López",
        "Martínez",
        "Sánchez",
        "Pérez",
        "Gómez",
        "Ruiz",
        "Hernández",
        "Díaz",
        "Moreno",
        "Álvarez",
        "Romero",
        "Torres",
        "Navarro",
        "Domínguez",
        "Castillo",
        "Ortega",
    ),
    "fr": (
        "Martin",
        "Bernard",
        "Dubois",
        "Durand",
        "Lefebvre",
        "Moreau",
        "Laurent",
        "Simon",
        "Michel",
        "Garnier",
        "Rousseau",
        "Fontaine",
        "Chevalier",
        "Girard",
        "Lambert",
        "Bonnet",
        "Mercier",
        "Gauthier",
    ),
    "de": (
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Meyer",
        "Wagner",
        "Becker",
        "Schulz",
        "Hoffmann",
        "Koch",
        "Richter",
        "Klein",
        "Wolf",
        "Schröder",
        "Neumann",
        "Schwarz",
        "Zimmermann",
        "Braun",
        "Krüger",
    ),
    "pt": (
        "Silva",
        "Santos",
        "Oliveira",
        "Souza",
        "Rodrigues",
        "Ferreira",
        "Alves",
        "Pereira",
        "Lima",
        "Gomes",
        "Costa",
        "Ribeiro",
        "Martins",
        "Carvalho",
        "Almeida",
        "Lopes",
        "Barbosa",
        "Rocha",
    ),
    "it": (
        "Rossi",
        "Russo",
        "Ferrari",
        "Esposito",
        "Bianchi",
        "Romano",
        "Colombo",
        "Ricci",
        "Marino",
        "Greco",
        "Bruno",
        "Conti",
    ),
}

# (name, mail domain) — customers who buy for a club, a school or a tour operator.
COMPANIES = {
    "en": (
        ("Harbor & Pine Outfitters", "harborpine.example"),
        ("Blue Ridge Scout Council", "blueridgescouts.example"),
        ("Summit Guides LLC", "summitguides.example"),
        ("Crescent Bay Rowing Club", "crescentbay.example"),
        ("Kestrel Adventure Tours", "kestreltours.example"),
        ("Oakfield College Hiking Society", "oakfield.example"),
        ("Brightline Events", "brightline.example"),
        ("Maple Street Gear Co.", "maplestreet.example"),
    ),
    "es": (
        ("Rutas del Sur S.L.", "rutasdelsur.example"),
        ("Aventura Andina", "aventuraandina.example"),
        ("Club Alpino Sierra Norte", "sierranorte.example"),
    ),
    "fr": (
        ("Les Sentiers du Vercors", "sentiers-vercors.example"),
        ("Chamonix Guides Associés", "chamonix-guides.example"),
        ("Atelier Lumière", "atelier-lumiere.example"),
    ),
    "de": (
        ("Bergwerk Outdoor GmbH", "bergwerk.example"),
        ("Alpenblick Reisen", "alpenblick.example"),
        ("Hüttenzauber KG", "huettenzauber.example"),
    ),
    "pt": (
        ("Trilhas Verdes Ltda.", "trilhasverdes.example"),
        ("Serra Azul Turismo", "serraazul.example"),
    ),
    "it": (("Dolomiti Avventure", "dolomiti.example"),),
}

FREEMAIL = {
    "en": ("mail.example", "inbox.example", "post.example"),
    "es": ("correo.example", "mail.example"),
    "fr": ("courriel.example", "mail.example"),
    "de": ("postfach.example", "mail.example"),
    "pt": ("correio.example", "mail.example"),
    "it": ("posta.example", "mail.example"),
}


@dataclass(frozen=True)
class Country:
    locale: str
    names: str  # key into FIRST_NAMES / LAST_NAMES / COMPANIES / FREEMAIL
    writes: str  # the language of their messages when not English
    count: int
    phone_prefix: str
    phone_digits: int  # random digits after the prefix
    money: str  # format for an amount given as a string with two decimals


# Prefixes use the ranges regulators reserve for fiction where one exists (NANP 555-01xx,
# UK 07700 900xxx, France 06 39 98 xx xx); elsewhere they are merely plausible mobiles.
COUNTRIES = (
    Country("en-US", "en", "en", 66, "+1{area}55501", 2, "${}"),
    Country("en-GB", "en", "en", 24, "+447700900", 3, "£{}"),
    Country("en-CA", "en", "en", 8, "+1{area}55501", 2, "CA${}"),
    Country("en-AU", "en", "en", 6, "+6149157", 4, "A${}"),
    Country("es-ES", "es", "es", 16, "+346", 8, "{} €"),
    Country("es-MX", "es", "es", 14, "+5255", 8, "MX${}"),
    Country("fr-FR", "fr", "fr", 16, "+3363998", 4, "{} €"),
    Country("fr-CA", "fr", "fr", 4, "+1{area}55501", 2, "{} $ CA"),
    Country("de-DE", "de", "de", 16, "+49151", 8, "{} €"),
    Country("de-AT", "de", "de", 4, "+43664", 7, "{} €"),
    Country("pt-BR", "pt", "pt", 16, "+55119", 8, "R$ {}"),
    Country("pt-PT", "pt", "pt", 4, "+35191", 7, "{} €"),
    Country("it-IT", "it", "en", 6, "+39347", 7, "{} €"),
)

AREA_CODES = ("212", "312", "415", "503", "617", "720", "206", "512", "604", "416", "514", "303")


def ascii_slug(text: str) -> str:
    """Lowercase ASCII letters and digits only: 'Élodie O'Brien' -> 'elodieobrien'."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def phone_number(rng: random.Random, country: Country) -> str:
    """An E.164 number in `country`'s format."""
    prefix = country.phone_prefix.format(area=rng.choice(AREA_CODES))
    return prefix + "".join(str(rng.randrange(10)) for _ in range(country.phone_digits))


def money(country: Country, amount: float) -> str:
    """`amount` written the way shoppers in `country` see prices."""
    text = f"{amount:.2f}"
    if country.money.endswith(("€", "CA")) or country.money.startswith("R$"):
        text = text.replace(".", ",")
    return country.money.format(text)
