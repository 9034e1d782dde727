from django.urls import path

from interactions.views.webhooks import provider_webhook

urlpatterns = [
    path(
        "twilio/messaging/",
        provider_webhook,
        {"provider": "twilio"},
        name="webhook_twilio_messaging",
    ),
    path(
        "twilio/status/",
        provider_webhook,
        {"provider": "twilio_status"},
        name="webhook_twilio_status",
    ),
    path(
        "twilio/voice/", provider_webhook, {"provider": "twilio_voice"}, name="webhook_twilio_voice"
    ),
    path(
        "twilio/voice/status/",
        provider_webhook,
        {"provider": "twilio_voice"},
        name="webhook_twilio_voice_status",
    ),
    path("meta/", provider_webhook, {"provider": "meta"}, name="webhook_meta"),
    path("x/", provider_webhook, {"provider": "x"}, name="webhook_x"),
]
