from django.db import models
from django.db.models.functions import Lower


class Contact(models.Model):
    """One person, however many channels they use: identities point here."""

    name = models.CharField(max_length=200, blank=True)
    company = models.CharField(max_length=200, blank=True)
    linkedin_url = models.URLField(blank=True)
    locale = models.CharField(max_length=16, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    # Consent per channel kind, e.g. {"email": true, "sms": false}; absent means unknown.
    consent = models.JSONField(default=dict, blank=True)
    # Set when this contact was merged into another; the row stays for the history.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(Lower("name"), name="contact_name_lower_idx"),
            models.Index(fields=["-last_seen_at"], name="contact_last_seen_idx"),
        ]

    def __str__(self) -> str:
        return self.name or f"Contact #{self.pk}"

    @property
    def first_name(self) -> str:
        return (self.name or "").split(" ")[0]

    @property
    def initials(self) -> str:
        parts = (self.name or "?").split()
        return "".join(p[0] for p in parts[:2]).upper()


class IdentityKind(models.TextChoices):
    EMAIL = "email", "Email address"
    PHONE = "phone", "Phone (E.164)"
    WHATSAPP = "whatsapp", "WhatsApp (E.164)"
    MESSENGER = "messenger", "Messenger PSID"
    INSTAGRAM = "instagram", "Instagram id"
    X = "x", "X user id"
    YOUTUBE = "youtube", "YouTube channel id"
    API = "api", "External id"


class ContactIdentity(models.Model):
    """A normalized address that belongs to exactly one contact (lowercased email, E.164…)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=IdentityKind.choices)
    value = models.CharField(max_length=255)
    display = models.CharField(max_length=255, blank=True, help_text="Handle or name as shown.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "contact identities"
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="identity_kind_value_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=IdentityKind.values), name="identity_kind_valid"
            ),
            models.CheckConstraint(condition=~models.Q(value=""), name="identity_value_set"),
            # Emails are stored lowercased so the unique constraint means one person per address.
            models.CheckConstraint(
                condition=~models.Q(kind="email") | models.Q(value=Lower("value")),
                name="identity_email_lowercase",
            ),
            # Phone-like identities are E.164: a plus and 7 to 15 digits.
            models.CheckConstraint(
                condition=~models.Q(kind__in=["phone", "whatsapp"])
                | models.Q(value__regex=r"^\+[1-9][0-9]{6,14}$"),
                name="identity_phone_e164",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.display or self.value}"
