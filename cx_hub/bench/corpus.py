"""Words and sentences the generator draws from: plausible, short, no external data needed."""

FIRST_NAMES = (
    "Ada", "Alan", "Amara", "Ana", "Ben", "Carla", "Chen", "Dara", "Diego", "Elena", "Emil",
    "Fatima", "Grace", "Hana", "Ivan", "Jamal", "Jin", "Julia", "Kai", "Lara", "Leo", "Lina",
    "Marco", "Maya", "Mei", "Nadia", "Noah", "Olga", "Omar", "Priya", "Rafael", "Rosa", "Sam",
    "Sara", "Sofia", "Tariq", "Tom", "Uma", "Vera", "Yusuf", "Zoe",
)

LAST_NAMES = (
    "Abe", "Alvarez", "Baker", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia",
    "Haddad", "Hansen", "Ito", "Jensen", "Kaya", "Kim", "Kowalski", "Larsen", "Lopez", "Mensah",
    "Moreau", "Nakamura", "Novak", "Okafor", "Olsen", "Park", "Patel", "Petrov", "Quinn", "Rossi",
    "Santos", "Schmidt", "Silva", "Singh", "Tanaka", "Torres", "Virtanen", "Wang", "Weber",
    "Yilmaz", "Zhang",
)

COMPANIES = (
    "Acme Corp", "Blue Harbor", "Brightline", "Cobalt Labs", "Delta Foods", "Evergreen Co",
    "Fjord Travel", "Granite Bank", "Helio Energy", "Ivory Health", "Juniper Retail",
    "Kestrel Media", "Lumen Studio", "Maple Logistics", "Nimbus Cloud", "Orbit Sports",
)

LOCALES = ("en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "it-IT", "pt-BR", "nl-NL", "ja-JP")

TAGS = (
    ("billing", "#2563eb"), ("bug", "#dc2626"), ("refund", "#d97706"), ("shipping", "#0891b2"),
    ("feature-request", "#7c3aed"), ("complaint", "#b91c1c"), ("praise", "#16a34a"),
    ("vip", "#ca8a04"), ("churn-risk", "#9f1239"), ("onboarding", "#0d9488"),
    ("spring-sale", "#db2777"), ("warranty", "#475569"),
)

SUBJECTS = (
    "Order {n} has not arrived", "Question about invoice {n}", "Refund for order {n}",
    "Cannot log in to my account", "Damaged item in order {n}", "Change delivery address",
    "Warranty claim #{n}", "Subscription renewal", "Wrong size sent (order {n})",
    "Feedback on your spring sale", "Cancel my order {n}", "Password reset not working",
    "Missing item from order {n}", "Discount code did not apply", "Upgrade my plan",
)

INBOUND = (
    "Hi, my order {n} still hasn't arrived and the tracking page has not moved in four days.",
    "Can you tell me why I was charged twice for order {n}?",
    "The package for order {n} arrived damaged, the box was crushed on one side.",
    "I'd like a refund for order {n}, the jacket is too small and I cannot exchange it in store.",
    "Your app keeps logging me out every time I open the orders page.",
    "Is the spring sale discount valid on items already in my basket?",
    "Thanks a lot, that solved it!",
    "I never received the confirmation email for order {n}.",
    "How long does a warranty repair usually take? My blender stopped working.",
    "Can I change the delivery address for order {n}? I'm moving next week.",
    "The discount code SPRING{n} says it has expired but the ad said it runs all month.",
    "Still waiting for an answer about my refund...",
    "Love the new collection, will you restock the blue one in medium?",
    "I was promised a call back yesterday and nobody called.",
    "Please cancel my subscription at the end of this billing period.",
)

OUTBOUND = (
    "Thanks for reaching out! I've checked order {n} and it's with the courier, it should "
    "arrive within two working days.",
    "I'm sorry about that. I've issued a refund for order {n}; you'll see it in 3-5 days.",
    "Thanks for letting us know. A replacement for order {n} ships today at no cost to you.",
    "I've updated the delivery address on order {n}. Anything else I can help with?",
    "Could you send me a photo of the damaged item so I can open the claim for you?",
    "The spring sale discount applies to every item in your basket until the end of the month.",
    "I've reset your session; please log in again and let me know if it happens again.",
    "Happy to help! I'll close this conversation now, just reply if anything else comes up.",
    "Your warranty repair is booked; the courier collects the item tomorrow morning.",
    "Your subscription is set to end on the last day of this billing period.",
)

NOTES = (
    "Customer called twice already, please prioritise.",
    "Refund approved by the team lead.",
    "Escalated to the logistics partner, waiting for their answer.",
    "VIP customer, offer the 15% goodwill voucher.",
)

EMAIL_GREETING = "Hello,\n\n"
EMAIL_SIGNOFF = "\n\nKind regards,\n{name}"
