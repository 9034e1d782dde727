from .channels import Channel, ChannelKind
from .contacts import Contact, ContactIdentity, IdentityKind
from .events import EventStatus, InboundEvent
from .messages import Attachment, DeliveryStatus, Direction, Message, MessageKind, SavedReply
from .threads import Priority, Sentiment, Tag, Thread, ThreadStatus

__all__ = [
    "Attachment",
    "Channel",
    "ChannelKind",
    "Contact",
    "ContactIdentity",
    "DeliveryStatus",
    "Direction",
    "EventStatus",
    "IdentityKind",
    "InboundEvent",
    "Message",
    "MessageKind",
    "Priority",
    "SavedReply",
    "Sentiment",
    "Tag",
    "Thread",
    "ThreadStatus",
]
