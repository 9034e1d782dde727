"""What the thread page shows of one message: `message.body`, set by `attach_bodies`.

`body.html` is the message's email HTML ready for the page (empty when it has none, and its
text is shown instead), with each inline image pointing at the message's stored attachment;
`body.attachments` are the files to list, less the images already shown in place (as Front and
Help Scout do). An inline part that cannot be shown (failed, too large, not a safe image type)
stays in the list. Reads the page's prefetched attachments: no queries.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.safestring import mark_safe

from interactions import message_html
from interactions.masking import mask_in_text
from interactions.models import Attachment, FetchStatus, Message


@dataclass(frozen=True)
class MessageBody:
    html: str = ""
    text: str = ""
    attachments: list[Attachment] = field(default_factory=list)


def showable_image(attachment: Attachment) -> bool:
    return (
        bool(attachment.content_id)
        and attachment.fetch_status == FetchStatus.STORED
        and bool(attachment.file)
        and attachment.content_type in message_html.SAFE_IMAGE_TYPES
    )


@functools.lru_cache(maxsize=256)
def _display(html: str, urls: tuple[tuple[str, str], ...]) -> message_html.DisplayHtml:
    # Pure, and a long email takes milliseconds: a thread shown again (a live update, the next
    # agent) reuses its messages' results. Keyed by the HTML and the image URLs it points at.
    return message_html.display(html, dict(urls))


def attach_bodies(timeline, *, mask=()) -> None:
    """Set `message.body` on each message of a thread's timeline (for the thread page and its
    live updates): computed here in one pass rather than by a tag per message while the
    template renders, which a long thread felt. `mask`: the contact's identities (email
    addresses, phone numbers) to mask wherever a body writes them; empty for a user who may
    see contact details."""
    mask = list(mask)
    for entry in timeline:
        if entry.message is not None:
            entry.message.body = message_body(entry.message, mask)


def message_body(message: Message, mask=()) -> MessageBody:
    """What to show of `message`, with the identities in `mask` masked."""
    text = mask_in_text(message.text, mask) if mask else message.text
    attachments = list(message.attachments.all())
    if not message.html:
        return MessageBody(text=text, attachments=attachments)
    images: dict[str, Attachment] = {}
    for attachment in attachments:
        if showable_image(attachment):
            images.setdefault(attachment.content_id, attachment)
    urls = {
        content_id: reverse("attachment_download", args=[attachment.pk]) + "?inline=1"
        for content_id, attachment in images.items()
    }
    shown = _display(message.html, tuple(sorted(urls.items())))
    inline = {images[content_id].pk for content_id in shown.shown}
    html = mask_in_text(shown.html, mask) if mask else shown.html
    return MessageBody(
        # nh3's output, our own attributes added (and masked forms, which HTML needs no escape
        # for): safe to put in the page as it is.
        html=mark_safe(html),
        text=text,
        attachments=[a for a in attachments if a.pk not in inline],
    )
