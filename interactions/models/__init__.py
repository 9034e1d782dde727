from .channels import Channel, ChannelKind
from .contacts import Contact, ContactIdentity, IdentityKind
from .events import EventStatus, InboundEvent
from .messages import (
    Attachment,
    DeliveryStatus,
    Direction,
    FetchStatus,
    Message,
    MessageKind,
    SavedReply,
)
from .polling import PollCursor
from .routing import (
    AssignmentMode,
    BusinessHours,
    Rule,
    RuleTrigger,
    SlaPolicy,
    TeamRouting,
)
from .threads import (
    Priority,
    Sentiment,
    Tag,
    Thread,
    ThreadEvent,
    ThreadEventKind,
    ThreadStatus,
)

__all__ = [
    "AssignmentMode",
    "Attachment",
    "BusinessHours",
    "Channel",
    "ChannelKind",
    "Contact",
    "ContactIdentity",
    "DeliveryStatus",
    "Direction",
    "EventStatus",
    "FetchStatus",
    "IdentityKind",
    "InboundEvent",
    "Message",
    "MessageKind",
    "PollCursor",
    "Priority",
    "Rule",
    "RuleTrigger",
    "SavedReply",
    "Sentiment",
    "SlaPolicy",
    "Tag",
    "TeamRouting",
    "Thread",
    "ThreadEvent",
    "ThreadEventKind",
    "ThreadStatus",
]
