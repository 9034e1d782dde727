"""Portuguese (Brazilian): the topics Portuguese speakers raise most (placeholders as in `en`)."""

LINES = {
    "nudge": ("Alguma novidade?", "Oi? Tem alguém aí?", "Ainda aguardando resposta..."),
    "thanks": ("Muito obrigado, perfeito!", "Ótimo, valeu pela ajuda rápida!"),
    "grumble": (
        "Tá bom. Mas não deveria ter demorado tanto.",
        "Recebido. Espero que não aconteça de novo.",
    ),
    "wait": ("Passei para a equipe responsável e te dou um retorno até amanhã.",),
    "hello": ("Oi 👋", "Olá, tudo bem?"),
    "welcome": ("Por nada, {first}! Boa trilha.", "Imagina! Qualquer coisa, estamos por aqui."),
    "cheers": ("Pode deixar! 🙌", "❤️"),
    "chat_hi": "Oi, {first}! Aqui é {agent}, da Northpeak. ",
    "greet_in": ("Olá,", "Bom dia,"),
    "sign_in": ("Obrigado,", "Abraço,"),
    "greet_out": "Olá, {first}!",
    "sign_out": "Abraço,\n{agent}\nEquipe Northpeak",
}

TOPICS = {
    "delivery_late": {
        "subject": ("Cadê meu pedido {order}?", "Pedido {order} com {days} dias de atraso"),
        "ask": (
            "Fiz o pedido {order} há {days} dias e até agora nada. O rastreamento está parado "
            "desde a semana passada. Muito frustrante.",
            "Meu pedido {order} era para chegar na segunda. Já são {days} dias de atraso e "
            "ninguém me avisou nada. O que está acontecendo?",
        ),
        "probe": (
            "Sinto muito pela demora. O pacote do pedido {order} está parado no centro de "
            "distribuição da transportadora e já abri uma reclamação. Pode confirmar se o "
            "endereço de entrega continua correto?",
        ),
        "info": ("Sim, o endereço é o mesmo.", "Está correto. Preciso receber até sexta."),
        "fix": (
            "Boa notícia: a transportadora localizou o pacote e ele será entregue amanhã. Também "
            "reembolsamos o frete ({amount}) como pedido de desculpas.",
        ),
    },
    "order_status": {
        "subject": ("Status do pedido {order}", "Quando meu pedido será enviado?"),
        "ask": (
            "Oi, vocês podem me dizer quando o pedido {order} será enviado?",
            "Queria saber se meu pedido {order} já está a caminho.",
        ),
        "probe": (
            "Obrigado pela mensagem! O pedido {order} já foi separado e sai do nosso estoque hoje. "
            "Você vai receber o link de rastreamento por e-mail.",
        ),
        "info": ("Ótimo. Precisa de assinatura na entrega?",),
        "fix": (
            "Não precisa de assinatura. O pedido {order} já está a caminho e chega em 2 dias "
            "úteis.",
        ),
    },
    "refund_request": {
        "subject": ("Reembolso do pedido {order}", "Devolução e reembolso"),
        "ask": (
            "Quero devolver o {product} do pedido {order}, não serviu. Como peço o reembolso?",
            "Devolvi o pedido {order} há duas semanas e ainda não recebi o reembolso.",
        ),
        "probe": (
            "Claro! Enviei para o seu e-mail uma etiqueta de devolução gratuita. Assim que o "
            "pacote for escaneado, devolvemos {amount} para a sua forma de pagamento original.",
            "Obrigado pela paciência. Sua devolução chegou ao nosso estoque na terça. Pode "
            "confirmar os quatro últimos dígitos do cartão usado na compra?",
        ),
        "info": ("Recebi, vou postar amanhã.", "Termina em 4417."),
        "fix": (
            "Seu reembolso de {amount} foi emitido. O banco costuma levar de 3 a 5 dias úteis "
            "para mostrar.",
        ),
    },
    "product_question": {
        "subject": ("Dúvida sobre o {product}", "Dúvida de tamanho"),
        "ask": (
            "O {product} é totalmente impermeável? Vou passar uma semana na Serra da Mantiqueira.",
            "Estou entre o M e o G do {product}. Tenho 1,76 m e costumo usar M. O que vocês "
            "recomendam?",
        ),
        "probe": (
            "Ótima pergunta! Ele tem costuras seladas e coluna d'água de 20.000 mm, aguenta dias "
            "de chuva. Você vai usar o dia todo ou mais na mochila?",
            "Nossos tamanhos são padrão. Você pretende usar um fleece por baixo?",
        ),
        "info": ("O dia todo, fazendo trilha.", "Sim, provavelmente um fleece."),
        "fix": (
            "Então é uma ótima escolha: respira bem para usar o dia inteiro. E a troca é grátis "
            "por 30 dias.",
            "Então recomendo o G, para sobrar espaço para o fleece. E a troca é grátis por 30 "
            "dias.",
        ),
    },
    "promo_code": {
        "subject": ("O cupom {code} não funciona", "Desconto de primavera não aplicado"),
        "ask": (
            "Tentei usar o cupom {code} do e-mail da promoção de primavera e aparece como "
            "inválido. Podem me ajudar?",
        ),
        "probe": (
            "Desculpe pelo transtorno! O {code} vale só para produtos com preço cheio. Pode me "
            "mandar o número do pedido?",
        ),
        "info": ("É o {order}.",),
        "fix": (
            "Pronto: reembolsei a diferença de 20% ({amount}) no seu cartão. Aproveite a promoção!",
        ),
    },
    "campaign_praise": {
        "subject": ("Amei a campanha de primavera!",),
        "ask": (
            "Acabei de ver o vídeo da promoção de primavera e já comprei o {product}. As cores "
            "novas estão lindas!",
            "Que vídeo incrível! Aproveitei o desconto e peguei o {product} 🙌",
        ),
        "fix": (
            "Muito obrigado, {first}! Você fez o nosso dia. Marca a gente na foto da sua primeira "
            "trilha com o {product} 🏔️",
        ),
    },
    "damaged_item": {
        "subject": ("{product} danificado", "Produto chegou quebrado"),
        "ask": (
            "O {product} chegou com a costura rasgada e a caixa amassada. Pedido {order}. Assim "
            "não dá.",
        ),
        "probe": (
            "Sinto muito, isso não deveria acontecer. Pode me mandar uma foto do dano e da caixa? "
            "Assim que receber, envio um novo.",
        ),
        "info": ("Fotos em anexo.",),
        "fix": (
            "Obrigado. Um {product} novo sai hoje por envio expresso, e você pode ficar com o "
            "danificado ou reciclar. Desculpe mais uma vez.",
        ),
    },
}
