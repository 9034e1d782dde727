from django.contrib import admin
from django.db.models import Count

from interactions.models import (
    Attachment,
    BrandVoice,
    BusinessHours,
    Channel,
    Contact,
    ContactIdentity,
    Draft,
    InboundEvent,
    Macro,
    Message,
    Notification,
    PollCursor,
    Rule,
    SavedReply,
    SavedView,
    SlaPolicy,
    Tag,
    TeamRouting,
    Thread,
    ThreadEvent,
)


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "address", "provider", "default_team", "is_active"]
    list_filter = ["kind", "provider", "is_active", "default_team"]
    search_fields = ["name", "address"]
    list_select_related = ["default_team"]


class ContactIdentityInline(admin.TabularInline):
    model = ContactIdentity
    extra = 0


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "company", "thread_count", "last_seen_at", "created_at"]
    search_fields = ["name", "company", "identities__value"]
    list_filter = ["created_at", "last_seen_at"]
    inlines = [ContactIdentityInline]
    raw_id_fields = ["merged_into"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_threads=Count("threads"))

    @admin.display(ordering="_threads", description="threads")
    def thread_count(self, obj):
        return obj._threads


@admin.register(ContactIdentity)
class ContactIdentityAdmin(admin.ModelAdmin):
    list_display = ["value", "kind", "display", "contact", "created_at"]
    list_filter = ["kind"]
    search_fields = ["value", "display", "contact__name"]
    raw_id_fields = ["contact"]
    list_select_related = ["contact"]


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["created_at", "direction", "kind", "author", "text", "delivery_status"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "channel",
        "contact",
        "status",
        "priority",
        "assignee",
        "team",
        "last_activity_at",
    ]
    list_filter = ["status", "priority", "channel__kind", "team", "sentiment", "is_unread", "tags"]
    search_fields = ["subject", "preview", "contact__name", "contact__identities__value"]
    date_hierarchy = "last_activity_at"
    raw_id_fields = ["contact", "assignee"]
    list_select_related = ["channel", "contact", "assignee", "team"]
    filter_horizontal = ["tags"]
    inlines = [MessageInline]
    # Counting 200k threads on every admin page load is wasted work; show "more than" instead.
    show_full_result_count = False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "thread", "direction", "kind", "author", "delivery_status", "created_at"]
    list_filter = ["direction", "kind", "delivery_status", "channel__kind"]
    search_fields = ["text", "provider_message_id"]
    raw_id_fields = ["thread", "author"]
    list_select_related = ["thread", "author"]
    date_hierarchy = "created_at"
    inlines = [AttachmentInline]
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["filename", "content_type", "size", "is_inline", "message"]
    list_filter = ["content_type", "is_inline"]
    search_fields = ["filename"]
    raw_id_fields = ["message"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "color"]
    search_fields = ["name"]


@admin.register(SavedReply)
class SavedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "shortcut", "team", "updated_at"]
    list_filter = ["team"]
    search_fields = ["title", "shortcut", "body"]


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ["provider", "provider_event_id", "channel", "status", "attempts", "received_at"]
    list_filter = ["provider", "status", "channel"]
    search_fields = ["provider_event_id", "error"]
    readonly_fields = ["received_at", "processed_at"]
    date_hierarchy = "received_at"
    show_full_result_count = False


@admin.register(PollCursor)
class PollCursorAdmin(admin.ModelAdmin):
    list_display = [
        "channel",
        "folder",
        "last_uid",
        "last_polled_at",
        "last_success_at",
        "failures",
    ]
    list_filter = ["channel__kind"]
    search_fields = ["folder", "last_error"]
    readonly_fields = ["last_polled_at", "last_success_at"]
    list_select_related = ["channel"]


@admin.register(ThreadEvent)
class ThreadEventAdmin(admin.ModelAdmin):
    list_display = ["at", "thread", "kind", "actor"]
    list_filter = ["kind"]
    raw_id_fields = ["thread", "actor"]
    date_hierarchy = "at"
    list_select_related = ["thread", "actor"]
    show_full_result_count = False


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ["name", "trigger", "position", "is_active", "stop_processing"]
    list_filter = ["trigger", "is_active"]
    search_fields = ["name", "last_error"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "priority", "first_response_minutes", "resolution_minutes", "is_active"]
    list_filter = ["priority", "is_active"]
    search_fields = ["name"]


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "created_at"]
    search_fields = ["name"]


@admin.register(TeamRouting)
class TeamRoutingAdmin(admin.ModelAdmin):
    list_display = ["team", "mode", "last_assigned"]
    list_filter = ["mode"]


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "position", "created_by"]
    list_filter = ["team"]
    search_fields = ["name", "body"]


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "team", "position", "created_at"]
    list_filter = ["team"]
    search_fields = ["name", "query"]
    raw_id_fields = ["owner"]


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ["thread", "author", "updated_at"]
    raw_id_fields = ["thread", "author"]
    search_fields = ["text"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "thread", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "thread", "message", "actor"]
    show_full_result_count = False


@admin.register(BrandVoice)
class BrandVoiceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "warn_negative_tone", "updated_at", "updated_by"]
