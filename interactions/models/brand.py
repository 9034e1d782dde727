from django.conf import settings
from django.db import models


class BrandVoice(models.Model):
    """Marketing's rules for replies, checked before a reply goes out (one row per install)."""

    banned_phrases = models.TextField(
        blank=True, help_text="One phrase per line; a reply containing one gets a warning."
    )
    required_phrases = models.TextField(
        blank=True,
        help_text="One per line; alternatives separated by |, e.g. 'Best regards|Kind regards'.",
    )
    warn_negative_tone = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "brand voice"

    def __str__(self) -> str:
        return "Brand voice"

    @classmethod
    def current(cls) -> "BrandVoice":
        return cls.objects.order_by("pk").first() or cls()
