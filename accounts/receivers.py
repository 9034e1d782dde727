"""Audit sign-ins, sign-outs, failed sign-ins and password resets."""

from allauth.account.signals import password_reset
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.models import AuditAction
from accounts.services import audit_record


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit_record(action=AuditAction.LOGIN, actor=user, target=user, request=request)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=AuditAction.LOGOUT, actor=user, target=user, request=request)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    # Never store the password; the identifier is what an admin needs to spot an attack.
    identifier = credentials.get("email") or credentials.get("username") or ""
    audit_record(
        action=AuditAction.LOGIN_FAILED, actor_label=str(identifier)[:254], request=request
    )


@receiver(password_reset)
def audit_password_reset(sender, request, user, **kwargs):
    audit_record(action=AuditAction.PASSWORD_RESET, actor=user, target=user, request=request)
