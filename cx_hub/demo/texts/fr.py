"""French: the topics French-speaking customers raise most (placeholders as in `en`)."""

LINES = {
    "nudge": (
        "Des nouvelles ?",
        "Bonjour ? Il y a quelqu'un ?",
        "J'attends toujours une réponse...",
    ),
    "thanks": ("Merci beaucoup, c'est parfait !", "Super, merci pour votre aide rapide !"),
    "grumble": (
        "D'accord. Mais ça n'aurait pas dû prendre autant de temps.",
        "Bien reçu. J'espère que ça ne se reproduira pas.",
    ),
    "wait": ("J'ai transmis votre demande à l'équipe concernée et je reviens vers vous demain.",),
    "hello": ("Bonjour 👋", "Bonjour, vous êtes là ?"),
    "welcome": ("Avec plaisir, {first} ! Bonne prochaine sortie.", "Je vous en prie !"),
    "cheers": ("Avec plaisir ! 🙌", "❤️"),
    "chat_hi": "Bonjour {first}, ici {agent} de Northpeak. ",
    "greet_in": ("Bonjour,",),
    "sign_in": ("Merci,", "Cordialement,"),
    "greet_out": "Bonjour {first},",
    "sign_out": "Bien cordialement,\n{agent}\nL'équipe Northpeak",
}

TOPICS = {
    "delivery_late": {
        "subject": ("Où est ma commande {order} ?", "Commande {order} : {days} jours de retard"),
        "ask": (
            "J'ai commandé il y a {days} jours et je n'ai toujours rien reçu. Le suivi ne bouge "
            "plus depuis la semaine dernière. Commande {order}. C'est vraiment agaçant.",
            "Ma commande {order} devait arriver lundi. Elle a maintenant {days} jours de retard et "
            "personne ne m'a prévenu. Que se passe-t-il ?",
        ),
        "probe": (
            "Toutes nos excuses pour cette attente. Le colis de la commande {order} est bloqué au "
            "centre de tri du transporteur ; j'ai ouvert une enquête. Pouvez-vous me confirmer que "
            "l'adresse de livraison est toujours la bonne ?",
        ),
        "info": ("Oui, l'adresse est la même.", "Adresse correcte. Il me le faut avant vendredi."),
        "fix": (
            "Bonne nouvelle : le transporteur a retrouvé le colis, il sera livré demain. Nous vous "
            "avons aussi remboursé les frais de port ({amount}) pour nous excuser.",
            "Je vous ai envoyé un nouveau {product} en express, il arrivera sous 2 jours.",
        ),
    },
    "order_status": {
        "subject": ("Suivi de la commande {order}", "Quand ma commande sera-t-elle expédiée ?"),
        "ask": (
            "Bonjour, pouvez-vous me dire quand la commande {order} sera expédiée ?",
            "Je voulais savoir si ma commande {order} est en route.",
        ),
        "probe": (
            "Merci pour votre message ! La commande {order} est prête et quitte notre entrepôt "
            "aujourd'hui. Vous recevrez le lien de suivi par e-mail.",
        ),
        "info": ("Parfait. Faudra-t-il signer à la livraison ?",),
        "fix": (
            "Aucune signature n'est nécessaire. La commande {order} est en route et arrivera sous "
            "2 jours ouvrés.",
        ),
    },
    "refund_request": {
        "subject": ("Remboursement de la commande {order}", "Retour et remboursement"),
        "ask": (
            "Je souhaite retourner le {product} de la commande {order}, la taille ne me convient "
            "pas. Comment être remboursé ?",
            "J'ai renvoyé la commande {order} il y a deux semaines et je n'ai toujours rien reçu.",
        ),
        "probe": (
            "Bien sûr. Je vous ai envoyé par e-mail une étiquette de retour gratuite. Dès que le "
            "colis sera scanné, nous vous rembourserons {amount} sur votre moyen de paiement.",
            "Merci pour votre patience. Votre retour est arrivé à notre entrepôt mardi. "
            "Pouvez-vous me confirmer les quatre derniers chiffres de la carte utilisée ?",
        ),
        "info": ("Bien reçu, je dépose le colis demain.", "Elle se termine par 4417."),
        "fix": (
            "Votre remboursement de {amount} a été effectué. Comptez 3 à 5 jours ouvrés selon "
            "votre banque.",
        ),
    },
    "product_question": {
        "subject": ("Question sur le {product}", "Question de taille"),
        "ask": (
            "Le {product} est-il vraiment imperméable ? Je pars une semaine en Bretagne.",
            "J'hésite entre le M et le L pour le {product}. Je mesure 1,78 m et je porte "
            "d'habitude du M. Que me conseillez-vous ?",
        ),
        "probe": (
            "Bonne question ! Coutures étanchées et colonne d'eau de 20 000 mm : il tient "
            "plusieurs jours de pluie. Le porterez-vous toute la journée ou plutôt dans le sac ?",
            "Nos tailles sont standard. Comptez-vous porter une polaire en dessous ?",
        ),
        "info": ("Toute la journée, en randonnée.", "Oui, sûrement une polaire."),
        "fix": (
            "Alors c'est le bon choix : il respire assez pour être porté toute la journée. Et le "
            "retour est gratuit pendant 30 jours.",
            "Alors je vous conseille le L, pour avoir de la place avec une polaire. Et le retour "
            "est gratuit pendant 30 jours.",
        ),
    },
    "promo_code": {
        "subject": ("Le code {code} ne fonctionne pas", "Réduction de printemps non appliquée"),
        "ask": (
            "J'ai essayé le code {code} de votre e-mail des soldes de printemps et il est refusé. "
            "Pouvez-vous m'aider ?",
        ),
        "probe": (
            "Toutes nos excuses pour ce souci ! {code} ne s'applique qu'aux articles à plein "
            "tarif. Pouvez-vous m'envoyer le numéro de commande ?",
        ),
        "info": ("C'est la {order}.",),
        "fix": (
            "C'est fait : je vous ai remboursé la différence de 20 % ({amount}). Bonnes soldes !",
        ),
    },
    "campaign_praise": {
        "subject": ("J'adore votre campagne de printemps !",),
        "ask": (
            "Je viens de voir votre vidéo des soldes de printemps et j'ai commandé le {product} "
            "tout de suite. Les nouveaux coloris sont superbes !",
        ),
        "fix": (
            "Merci beaucoup, {first} ! Ça nous fait très plaisir. Identifiez-nous sur la photo de "
            "votre première sortie avec le {product} 🏔️",
        ),
    },
    "damaged_item": {
        "subject": ("{product} endommagé", "Article arrivé abîmé"),
        "ask": (
            "Le {product} est arrivé avec une couture déchirée et le carton écrasé. Commande "
            "{order}. C'est inadmissible.",
        ),
        "probe": (
            "Toutes nos excuses, cela n'aurait jamais dû arriver. Pouvez-vous m'envoyer une photo "
            "du dommage et du carton ? Je vous envoie un remplacement dès réception.",
        ),
        "info": ("Voici les photos.",),
        "fix": (
            "Merci. Un {product} neuf part aujourd'hui en express, et vous pouvez garder ou "
            "recycler l'ancien. Encore désolés pour ce désagrément.",
        ),
    },
}
