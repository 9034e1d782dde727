"""Spanish: the topics Spanish-speaking customers raise most (placeholders as in `en`)."""

LINES = {
    "nudge": ("¿Alguna novedad?", "¿Hola? ¿Hay alguien?", "Sigo esperando respuesta..."),
    "thanks": ("¡Muchas gracias, genial!", "Perfecto, ¡gracias por la ayuda!"),
    "grumble": (
        "Vale. Aunque no debería haber tardado tanto.",
        "Recibido. Espero que no vuelva a pasar.",
    ),
    "wait": ("Lo he pasado al equipo correspondiente y te digo algo mañana como muy tarde.",),
    "hello": ("Hola 👋", "Hola, ¿hay alguien?"),
    "welcome": ("¡De nada, {first}! Que disfrutes de la próxima salida.", "¡A ti! Aquí estamos."),
    "cheers": ("¡Lo haré! 🙌", "❤️"),
    "chat_hi": "Hola, {first}. Soy {agent}, de Northpeak. ",
    "greet_in": ("Hola:", "Buenos días:"),
    "sign_in": ("Gracias,", "Un saludo,"),
    "greet_out": "Hola, {first}:",
    "sign_out": "Un saludo,\n{agent}\nEquipo de Northpeak",
}

TOPICS = {
    "delivery_late": {
        "subject": ("¿Dónde está mi pedido {order}?", "Pedido {order} con {days} días de retraso"),
        "ask": (
            "Hice el pedido {order} hace {days} días y todavía no ha llegado. El seguimiento no se "
            "mueve desde la semana pasada. Es muy frustrante, lo necesitaba para un viaje.",
            "Mi pedido {order} debía llegar el lunes. Ya lleva {days} días de retraso y nadie me "
            "ha dicho nada. ¿Qué está pasando?",
        ),
        "probe": (
            "Lamento mucho la espera. El paquete del pedido {order} está parado en el centro de "
            "distribución del transportista y ya he abierto una reclamación. ¿Me confirmas que la "
            "dirección de entrega sigue siendo correcta?",
        ),
        "info": (
            "Sí, la dirección es la misma.",
            "Es correcta. Solo necesito que llegue antes del viernes.",
        ),
        "fix": (
            "Buenas noticias: el transportista ha localizado el paquete y se entregará mañana. "
            "Además, te hemos reembolsado los gastos de envío ({amount}) como disculpa.",
            "Te he enviado un {product} nuevo por envío urgente; llegará en 2 días.",
        ),
    },
    "order_status": {
        "subject": ("Estado del pedido {order}", "¿Cuándo se envía mi pedido?"),
        "ask": (
            "Hola, ¿me podéis decir cuándo se enviará el pedido {order}?",
            "Quería saber si mi pedido {order} ya está en camino.",
        ),
        "probe": (
            "¡Gracias por escribirnos! El pedido {order} ya está preparado y sale hoy de nuestro "
            "almacén. Recibirás el enlace de seguimiento por correo.",
        ),
        "info": ("Perfecto. ¿Hará falta firmar la entrega?",),
        "fix": (
            "No hace falta firmar. El pedido {order} ya está en camino y llegará en 2 días "
            "laborables.",
        ),
    },
    "refund_request": {
        "subject": ("Reembolso del pedido {order}", "Devolución y reembolso"),
        "ask": (
            "Quiero devolver el {product} del pedido {order}, no me queda bien. ¿Cómo solicito el "
            "reembolso?",
            "Devolví el pedido {order} hace dos semanas y todavía no he recibido el reembolso.",
        ),
        "probe": (
            "Por supuesto. Te he enviado por correo una etiqueta de devolución gratuita. En cuanto "
            "se escanee el paquete, te devolveremos {amount} al método de pago original.",
            "Gracias por tu paciencia. Tu devolución llegó a nuestro almacén el martes. ¿Me "
            "confirmas los últimos cuatro dígitos de la tarjeta con la que pagaste?",
        ),
        "info": ("Recibida, mañana lo llevo a la oficina de correos.", "Termina en 4417."),
        "fix": (
            "Tu reembolso de {amount} ya está emitido. El banco suele tardar entre 3 y 5 días "
            "laborables en reflejarlo.",
        ),
    },
    "product_question": {
        "subject": ("Pregunta sobre el {product}", "Duda de talla"),
        "ask": (
            "¿El {product} es totalmente impermeable? Me voy una semana a los Pirineos.",
            "Dudo entre la talla M y la L del {product}. Mido 1,75 y normalmente uso la M. ¿Qué me "
            "recomendáis?",
        ),
        "probe": (
            "¡Buena pregunta! Tiene costuras selladas y una columna de agua de 20.000 mm, así que "
            "aguanta días de lluvia. ¿Lo llevarás puesto todo el día o en la mochila?",
            "Nuestras tallas son las habituales. ¿Vas a llevar un forro polar debajo?",
        ),
        "info": ("Todo el día, de excursión.", "Sí, seguramente un forro polar."),
        "fix": (
            "Entonces es perfecto: transpira bien para llevarlo todo el día. Y la devolución es "
            "gratuita durante 30 días.",
            "Entonces te recomiendo la L: tendrás sitio para el forro sin que quede holgada. Y la "
            "devolución es gratuita durante 30 días.",
        ),
    },
    "promo_code": {
        "subject": ("El código {code} no funciona", "No se aplicó el descuento de primavera"),
        "ask": (
            "He probado el código {code} del correo de las rebajas de primavera y dice que no es "
            "válido. ¿Me ayudáis?",
        ),
        "probe": (
            "¡Perdona las molestias! {code} solo funciona con artículos a precio completo. ¿Me "
            "pasas el número de pedido?",
        ),
        "info": ("Es el {order}.",),
        "fix": (
            "Listo: te he reembolsado la diferencia del 20 % ({amount}). ¡Disfruta de las rebajas!",
        ),
    },
    "campaign_praise": {
        "subject": ("¡Me encantó la campaña de primavera!",),
        "ask": (
            "Acabo de ver vuestro vídeo de las rebajas de primavera y he pedido el {product}. ¡Los "
            "colores nuevos son preciosos!",
            "¡Qué vídeo tan bonito! Aproveché el descuento de primavera para comprar el "
            "{product} 🙌",
        ),
        "fix": (
            "¡Muchísimas gracias, {first}! Nos has alegrado el día. Etiquétanos en la foto de tu "
            "primera excursión con el {product} 🏔️",
        ),
    },
    "damaged_item": {
        "subject": ("{product} dañado", "Ha llegado roto"),
        "ask": (
            "El {product} ha llegado con una costura rota y la caja aplastada. Pedido {order}. "
            "Quiero una solución ya.",
        ),
        "probe": (
            "Lo siento muchísimo, esto no debería pasar. ¿Puedes enviarme una foto del daño y de "
            "la caja? En cuanto la tenga, te mando uno nuevo.",
        ),
        "info": ("Te adjunto las fotos.",),
        "fix": (
            "Gracias. Hoy sale un {product} nuevo por envío urgente, y puedes quedarte el dañado o "
            "reciclarlo. Disculpa de nuevo.",
        ),
    },
}
