from .brand import BrandVoice
from .channels import Channel, ChannelKind
from .contacts import Contact, ContactIdentity, IdentityKind
from .drafts import Draft
from .events import EventStatus, InboundEvent
from .macros import Macro
from .messages import (
    Attachment,
    DeliveryStatus,
    Direction,
    FetchStatus,
    Message,
    MessageKind,
    SavedReply,
)
from .notifications import Notification, NotificationKind
from .polling import PollCursor
from .routing import (
    AssignmentMode,
    BusinessHours,
    Rule,
    RuleTrigger,
    SlaPolicy,
    TeamRouting,
)
from .saved_views import SavedView
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
    "BrandVoice",
    "BusinessHours",
    "Channel",
    "ChannelKind",
    "Contact",
    "ContactIdentity",
    "DeliveryStatus",
    "Direction",
    "Draft",
    "EventStatus",
    "FetchStatus",
    "IdentityKind",
    "InboundEvent",
    "Macro",
    "Message",
    "MessageKind",
    "Notification",
    "NotificationKind",
    "PollCursor",
    "Priority",
    "Rule",
    "RuleTrigger",
    "SavedReply",
    "SavedView",
    "Sentiment",
    "SlaPolicy",
    "Tag",
    "TeamRouting",
    "Thread",
    "ThreadEvent",
    "ThreadEventKind",
    "ThreadStatus",
]
