"""German: the topics German-speaking customers raise most (placeholders as in `en`)."""

LINES = {
    "nudge": (
        "Gibt es schon etwas Neues?",
        "Hallo? Ist da jemand?",
        "Ich warte immer noch auf eine Antwort...",
    ),
    "thanks": ("Vielen Dank, super!", "Perfekt, danke für die schnelle Hilfe!"),
    "grumble": (
        "Na gut. Hätte aber nicht so lange dauern dürfen.",
        "Erhalten. Hoffentlich passiert das nicht wieder.",
    ),
    "wait": (
        "Ich habe das an das zuständige Team weitergegeben und melde mich spätestens morgen.",
    ),
    "hello": ("Hallo 👋", "Hallo, kurze Frage"),
    "welcome": ("Gern geschehen, {first}! Viel Spaß bei der nächsten Tour.", "Sehr gern!"),
    "cheers": ("Mach ich! 🙌", "❤️"),
    "chat_hi": "Hallo {first}, hier ist {agent} von Northpeak. ",
    "greet_in": ("Hallo,", "Guten Tag,"),
    "sign_in": ("Danke,", "Viele Grüße,"),
    "greet_out": "Hallo {first},",
    "sign_out": "Viele Grüße\n{agent}\nIhr Northpeak-Team",
}

TOPICS = {
    "delivery_late": {
        "subject": (
            "Wo bleibt meine Bestellung {order}?",
            "Bestellung {order} seit {days} Tagen überfällig",
        ),
        "ask": (
            "Ich habe vor {days} Tagen bestellt und noch immer nichts erhalten. Die "
            "Sendungsverfolgung bewegt sich seit letzter Woche nicht. Bestellung {order}. Das ist "
            "wirklich ärgerlich.",
            "Meine Bestellung {order} sollte am Montag ankommen. Jetzt ist sie {days} Tage zu spät "
            "und niemand hat sich gemeldet. Was ist da los?",
        ),
        "probe": (
            "Das tut mir sehr leid. Das Paket zu Bestellung {order} liegt im Verteilzentrum des "
            "Versanddienstleisters fest; ich habe einen Nachforschungsauftrag gestellt. Ist die "
            "Lieferadresse noch korrekt?",
        ),
        "info": ("Ja, die Adresse stimmt.", "Adresse ist korrekt. Ich brauche es bis Freitag."),
        "fix": (
            "Gute Nachrichten: Das Paket wurde gefunden und wird morgen zugestellt. Als "
            "Entschuldigung haben wir Ihnen die Versandkosten ({amount}) erstattet.",
            "Ich habe Ihnen per Express Ersatz geschickt ({product}), er kommt innerhalb von 2 "
            "Tagen an.",
        ),
    },
    "order_status": {
        "subject": ("Status Bestellung {order}", "Wann wird meine Bestellung verschickt?"),
        "ask": (
            "Hallo, können Sie mir sagen, wann die Bestellung {order} verschickt wird?",
            "Ich wollte fragen, ob meine Bestellung {order} schon unterwegs ist.",
        ),
        "probe": (
            "Danke für Ihre Nachricht! Die Bestellung {order} ist gepackt und verlässt heute unser "
            "Lager. Den Tracking-Link erhalten Sie per E-Mail.",
        ),
        "info": ("Super. Muss ich bei der Zustellung unterschreiben?",),
        "fix": (
            "Eine Unterschrift ist nicht nötig. Die Bestellung {order} ist unterwegs und kommt in "
            "2 Werktagen an.",
        ),
    },
    "refund_request": {
        "subject": ("Rückerstattung Bestellung {order}", "Rücksendung und Erstattung"),
        "ask": (
            "Ich möchte den Artikel {product} aus Bestellung {order} zurückschicken, er passt "
            "leider nicht. Wie bekomme ich mein Geld zurück?",
            "Ich habe die Bestellung {order} vor zwei Wochen zurückgeschickt und noch keine "
            "Erstattung erhalten.",
        ),
        "probe": (
            "Natürlich. Ich habe Ihnen ein kostenloses Rücksendeetikett per E-Mail geschickt. "
            "Sobald das Paket gescannt ist, erstatten wir {amount} auf Ihr ursprüngliches "
            "Zahlungsmittel.",
            "Danke für Ihre Geduld. Ihre Rücksendung ist am Dienstag in unserem Lager "
            "angekommen. Können Sie mir die letzten vier Ziffern der Karte nennen, mit der Sie "
            "bezahlt haben?",
        ),
        "info": ("Danke, ich bringe es morgen zur Post.", "Sie endet auf 4417."),
        "fix": (
            "Ihre Erstattung über {amount} ist veranlasst. Je nach Bank dauert es 3-5 Werktage.",
        ),
    },
    "product_question": {
        "subject": ("Frage zum Modell {product}", "Frage zur Größe"),
        "ask": (
            "Ist das Modell {product} wirklich wasserdicht? Ich bin eine Woche in den Alpen "
            "unterwegs.",
            "Beim Modell {product} schwanke ich zwischen M und L. Ich bin 1,80 m groß und trage "
            "normalerweise M. Was empfehlen Sie?",
        ),
        "probe": (
            "Gute Frage! Verschweißte Nähte und 20.000 mm Wassersäule: Das hält tagelangem Regen "
            "stand. Tragen Sie es den ganzen Tag oder eher im Rucksack?",
            "Unsere Größen fallen normal aus. Möchten Sie eine Fleecejacke darunter tragen?",
        ),
        "info": ("Den ganzen Tag, beim Wandern.", "Ja, wahrscheinlich eine Fleecejacke."),
        "fix": (
            "Dann passt es perfekt: Es ist atmungsaktiv genug für den ganzen Tag. Die Rücksendung "
            "ist 30 Tage lang kostenlos.",
            "Dann empfehle ich L, damit genug Platz für das Fleece bleibt. Die Rücksendung ist 30 "
            "Tage lang kostenlos.",
        ),
    },
    "promo_code": {
        "subject": ("Code {code} funktioniert nicht", "Frühlingsrabatt nicht abgezogen"),
        "ask": (
            "Ich habe den Code {code} aus Ihrer Mail zur Frühlingsaktion ausprobiert, aber er wird "
            "als ungültig angezeigt. Können Sie helfen?",
        ),
        "probe": (
            "Entschuldigen Sie die Umstände! {code} gilt nur für Artikel zum vollen Preis. Können "
            "Sie mir die Bestellnummer schicken?",
        ),
        "info": ("Es ist {order}.",),
        "fix": (
            "Erledigt: Ich habe Ihnen die Differenz von 20 % ({amount}) erstattet. Viel Freude "
            "mit Ihrem Einkauf!",
        ),
    },
    "campaign_praise": {
        "subject": ("Tolle Frühlingsaktion!",),
        "ask": (
            "Habe gerade Ihr Video zur Frühlingsaktion gesehen und sofort das Modell {product} "
            "bestellt. Die neuen Farben sind toll!",
        ),
        "fix": (
            "Vielen Dank, {first}! Das freut uns riesig. Markieren Sie uns gern auf dem Foto Ihrer "
            "ersten Tour 🏔️",
        ),
    },
    "damaged_item": {
        "subject": ("Beschädigte Ware: {product}", "Ware beschädigt angekommen"),
        "ask": (
            "Das Modell {product} kam mit aufgerissener Naht und zerdrücktem Karton an. Bestellung "
            "{order}. So geht das nicht.",
        ),
        "probe": (
            "Das tut mir sehr leid, das darf nicht passieren. Können Sie mir ein Foto vom Schaden "
            "und vom Karton schicken? Dann schicke ich sofort Ersatz.",
        ),
        "info": ("Fotos anbei.",),
        "fix": (
            "Danke. Ersatz geht heute per Express raus, den beschädigten Artikel können Sie "
            "behalten oder recyceln. Entschuldigen Sie nochmals.",
        ),
    },
}
