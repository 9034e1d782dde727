"""API tokens: `cxh_<prefix>_<secret>`; the database keeps only a SHA-256 of the whole token."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.models import ApiToken, AuditAction, User
from accounts.services import audit_record

PREFIX_BYTES = 6


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, request=None) -> tuple[ApiToken, str]:
    """A new token for `user`; returns (row, the raw token to show once)."""
    prefix = secrets.token_hex(PREFIX_BYTES)
    raw = f"cxh_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name[:100] or "API token", prefix=prefix, key_hash=_hash(raw)
    )
    audit_record(action=AuditAction.API_TOKEN_CREATED, actor=user, target=token, request=request)
    return token, raw


def api_token_revoke(*, token: ApiToken, actor: User, request=None) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            action=AuditAction.API_TOKEN_REVOKED, actor=actor, target=token, request=request
        )


def api_token_user(raw: str) -> User | None:
    """The active user a raw token belongs to, or None (unknown, revoked, malformed)."""
    parts = raw.split("_", 2)  # the secret itself may contain "_"
    if len(parts) < 3 or parts[0] != "cxh" or not parts[2]:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(prefix=parts[1], revoked_at__isnull=True)
        .first()
    )
    if (
        token is None
        or not hmac.compare_digest(token.key_hash, _hash(raw))
        or not token.user.is_active
    ):
        return None
    # Recording every use would write on every request; once a minute is plenty.
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer cxh_…` (or `Token cxh_…`)."""

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        user = api_token_user(header[1])
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API token.")
        return user, None

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class TokenScheme(OpenApiAuthenticationExtension):
    """Describes the token scheme in the OpenAPI schema (and the Swagger UI's Authorize)."""

    target_class = "accounts.tokens.TokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "cxh_…"}
