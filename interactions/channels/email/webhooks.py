"""anymail's webhook views behind two guards of ours.

1. Refuse with 403 when the ESP's secret is unset. anymail itself accepts unauthenticated
   posts (with only a warning) when WEBHOOK_SECRET is unset, and answers 500 when Mailgun's
   signing key is missing; CX Hub never accepts unsigned traffic (DESIGN.md, "Settings").
   With the secret set, verification is anymail's own: a bad signature or basic auth is its
   AnymailWebhookValidationFailure, which Django answers with 400 (SNS without auth: 401).
2. Accept mail up to MAX_INBOUND_EMAIL_BYTES. Django refuses form fields and bodies over
   DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) — a raw-MIME (Mailgun body-mime, SendGrid "email")
   or JSON (Postmark) post with one phone photo attached. Such a body is read here, within
   our own limit, and handed to anymail already parsed.
"""

from __future__ import annotations

import functools
import logging
import warnings
from email import policy
from email.parser import BytesParser

from anymail.exceptions import AnymailConfigurationError, AnymailWarning
from anymail.webhooks.base import AnymailBasicAuthMixin
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import URLPattern
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt

log = logging.getLogger(__name__)

# Postmark accepts inbound mail up to 35 MB (JSON, attachments base64); Mailgun 25 MB.
MAX_INBOUND_EMAIL_BYTES = 40 * 1024 * 1024


def configuration_problem(view_class, initkwargs: dict) -> str:
    """Why this anymail view must refuse all traffic ("" when it is configured)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AnymailWarning)  # our refusal replaces its warning
        try:
            view = view_class(**initkwargs)
        except AnymailConfigurationError as exc:  # a missing key, or a missing package (boto3)
            return str(exc).splitlines()[0]
    if getattr(view, "webhook_signing_key", None) == b"":
        return "its webhook signing key is empty"
    needs_basic_auth = isinstance(view, AnymailBasicAuthMixin) and view.warn_if_no_basic_auth
    if needs_basic_auth and not view.basic_auth:
        return "ANYMAIL WEBHOOK_SECRET (basic auth) is not set"
    return ""


def _form_from_multipart(content_type: str, body: bytes, encoding: str):
    """(POST, FILES) from a multipart/form-data body, parsed by the email package."""
    message = BytesParser(policy=policy.compat32).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    post, files = QueryDict(mutable=True, encoding=encoding), MultiValueDict()
    parts = message.get_payload() if message.is_multipart() else []
    for part in parts:
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is None:
            post.appendlist(name, data.decode(part.get_content_charset() or encoding, "replace"))
            continue
        # As Django does: no path in an uploaded file's name, and no name is no file.
        filename = filename.replace("\\", "/").rsplit("/", 1)[-1]
        if filename not in {"", ".", ".."}:
            files.appendlist(name, SimpleUploadedFile(filename, data, part.get_content_type()))
    post._mutable = False
    return post, files


def _read_large_body(request: HttpRequest) -> HttpResponse | None:
    """Read a body over Django's in-memory limit ourselves (up to our own); None to go on."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return HttpResponse("Bad Content-Length.", status=400, content_type="text/plain")
    if length > MAX_INBOUND_EMAIL_BYTES:
        return HttpResponse("Message too large.", status=413, content_type="text/plain")
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or length <= limit:
        return None  # Django parses it as usual
    body = request.read()
    # HttpRequest caches these; once set, Django's own size checks are not run again.
    request._body = body
    encoding = request.encoding or settings.DEFAULT_CHARSET
    if request.content_type == "multipart/form-data":
        request._post, request._files = _form_from_multipart(
            request.META.get("CONTENT_TYPE", ""), body, encoding
        )
    elif request.content_type == "application/x-www-form-urlencoded":
        request._post, request._files = QueryDict(body, encoding=encoding), MultiValueDict()
    return None


def guarded(pattern: URLPattern) -> URLPattern:
    """The same URL, name and view, refusing traffic while the ESP is not configured."""
    view = pattern.callback
    view_class = getattr(view, "view_class", None)
    initkwargs = getattr(view, "view_initkwargs", {})

    @functools.wraps(view)
    def guarded_view(request, *args, **kwargs):
        if view_class is not None:
            problem = configuration_problem(view_class, dict(initkwargs))
            if problem:
                name = getattr(view_class, "esp_name", view_class.__name__)
                log.warning("Refused %s webhook: %s", name, problem)
                return HttpResponse(
                    f"{name} webhooks are not configured: {problem}",
                    status=403,
                    content_type="text/plain",
                )
        refusal = _read_large_body(request)
        if refusal is not None:
            return refusal
        return view(request, *args, **kwargs)

    guarded_view = csrf_exempt(login_not_required(guarded_view))
    return URLPattern(pattern.pattern, guarded_view, pattern.default_args, pattern.name)
