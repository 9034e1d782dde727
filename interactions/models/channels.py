from django.db import models

from accounts.models import Team


class ChannelKind(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    WHATSAPP = "whatsapp", "WhatsApp"
    MESSENGER = "messenger", "Messenger"
    INSTAGRAM = "instagram", "Instagram"
    X = "x", "X"
    YOUTUBE = "youtube", "YouTube"
    VOICE = "voice", "Phone"
    API = "api", "API"


class Channel(models.Model):
    """One inbox source: a mailbox, a phone number, a page, an account, a custom API source."""

    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    name = models.CharField(max_length=100)
    # The address customers reach: an email address, an E.164 number, a page/account id.
    address = models.CharField(max_length=255)
    provider = models.CharField(
        max_length=32, blank=True, help_text="Adapter key, e.g. twilio, meta, mailgun, imap."
    )
    default_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="default_channels"
    )
    # Non-secret provider options (IMAP host and folder, sender name, signature…).
    config = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "address"], name="channel_kind_address_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=ChannelKind.values), name="channel_kind_valid"
            ),
            models.CheckConstraint(condition=~models.Q(address=""), name="channel_address_set"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"
