"""Provider key → adapter. Adding a channel means adding a module and one line here."""

from __future__ import annotations

from functools import cache
from importlib import import_module

from interactions.channels.base import Adapter

# key: "module:Class" under interactions.channels
ADAPTERS: dict[str, str] = {}


def register(key: str, path: str) -> None:
    ADAPTERS[key] = path


@cache
def get_adapter(key: str) -> Adapter | None:
    path = ADAPTERS.get(key)
    if path is None:
        return None
    module_name, _, class_name = path.partition(":")
    return getattr(import_module(f"interactions.channels.{module_name}"), class_name)()


register("twilio", "twilio:TwilioMessaging")
register("twilio_status", "twilio:TwilioMessageStatus")
register("twilio_voice", "twilio:TwilioVoice")
register("meta", "meta:MetaAdapter")
register("x", "x:XAdapter")
register("youtube", "youtube:YouTubeAdapter")
# Outbound email for every email channel, whatever receives its mail (see services/outbound.py).
register("email_out", "email_out:EmailSender")
register("api", "api:ApiAdapter")
register("email", "email.adapter:EmailAdapter")
