"""Attachment downloads: only for people who may see the thread, never rendered as a page."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from interactions.message_html import SAFE_IMAGE_TYPES
from interactions.models import Attachment, FetchStatus
from interactions.selectors import visible_threads


@login_required
def attachment_download(request, attachment_id: int):
    attachment = (
        Attachment.objects.filter(
            pk=attachment_id,
            fetch_status=FetchStatus.STORED,
            message__thread__in=visible_threads(request.user),
        )
        .exclude(file="")
        .first()
    )
    if attachment is None:
        raise Http404("No such attachment.")
    # Shown in the browser when asked (?inline=1, as the thread page's inline email images are)
    # and a safe image; everything else is always a download, so a customer's HTML or SVG file
    # can never run in our origin.
    inline = request.GET.get("inline") == "1" and attachment.content_type in SAFE_IMAGE_TYPES
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("The file is no longer stored.") from None
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type if inline else "application/octet-stream",
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response
