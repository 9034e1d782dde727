from django.contrib.auth import get_user_model
from rest_framework import serializers

from accounts.models import Team
from accounts.privacy import contact_details_masked
from interactions.masking import MASKED_KINDS, mask_identity, mask_in_text
from interactions.models import (
    Attachment,
    Channel,
    Contact,
    ContactIdentity,
    DeliveryStatus,
    Message,
    Priority,
    SavedReply,
    Sentiment,
    Tag,
    Thread,
    ThreadStatus,
)


def _maybe_blank(choices) -> serializers.ChoiceField:
    # Read-only fields lose the model's blank=True in DRF, and the schema would promise one of
    # the choices where the API answers "" (no sentiment yet; no delivery status for a note).
    return serializers.ChoiceField(choices=choices, allow_blank=True, read_only=True)


User = get_user_model()


class ChannelRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Channel
        fields = ["id", "kind", "name", "address"]


class UserRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")

    class Meta:
        model = User
        fields = ["id", "name", "email"]


class TeamRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "color"]


class IdentitySerializer(serializers.ModelSerializer):
    """An identity; masked (`j***@example.com`) for callers who may not see contact details."""

    class Meta:
        model = ContactIdentity
        fields = ["kind", "value", "display"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if (
            request is not None
            and instance.kind in MASKED_KINDS
            and contact_details_masked(request.user)
        ):
            data["value"] = data["display"] = mask_identity(instance.kind, instance.value)
        return data


class ContactSerializer(serializers.ModelSerializer):
    identities = IdentitySerializer(many=True, read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "name",
            "company",
            "linkedin_url",
            "locale",
            "attributes",
            "consent",
            "identities",
            "created_at",
            "last_seen_at",
        ]


class ContactRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name"]


class ThreadSerializer(serializers.ModelSerializer):
    channel = ChannelRefSerializer(read_only=True)
    contact = ContactRefSerializer(read_only=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    team = TeamRefSerializer(read_only=True, allow_null=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    priority = serializers.ChoiceField(choices=Priority.choices, read_only=True)
    sentiment = _maybe_blank(Sentiment.choices)

    class Meta:
        model = Thread
        fields = [
            "id",
            "subject",
            "preview",
            "status",
            "priority",
            "sentiment",
            "is_unread",
            "channel",
            "contact",
            "assignee",
            "team",
            "tags",
            "message_count",
            "created_at",
            "last_activity_at",
            "last_inbound_at",
            "first_response_at",
            "resolved_at",
            "snoozed_until",
            "first_response_due_at",
            "resolution_due_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context.get("mask_contact_details"):
            data["preview"] = mask_in_text(data["preview"], instance.contact.identities.all())
        return data


class ThreadUpdateSerializer(serializers.Serializer):
    """What an agent may change on a thread; every field is optional."""

    status = serializers.ChoiceField(choices=ThreadStatus.choices, required=False)
    snoozed_until = serializers.DateTimeField(required=False, allow_null=True)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    add_tags = serializers.SlugRelatedField(
        slug_field="name", queryset=Tag.objects.all(), many=True, required=False
    )
    remove_tags = serializers.SlugRelatedField(
        slug_field="name", queryset=Tag.objects.all(), many=True, required=False
    )

    def validate(self, attrs):
        if attrs.get("status") == ThreadStatus.SNOOZED and not attrs.get("snoozed_until"):
            raise serializers.ValidationError(
                {"snoozed_until": "Snoozing needs a time to wake up."}
            )
        return attrs


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "is_inline", "fetch_status"]


class MessageSerializer(serializers.ModelSerializer):
    author = UserRefSerializer(read_only=True, allow_null=True)
    sentiment = _maybe_blank(Sentiment.choices)
    delivery_status = _maybe_blank(DeliveryStatus.choices)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "direction",
            "kind",
            "author",
            "text",
            "html",
            "sentiment",
            "delivery_status",
            "delivery_error",
            "created_at",
            "attachments",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # The view passes the contact's identities when the caller may not see them.
        if masked := self.context.get("masked_identities"):
            data["text"] = mask_in_text(data["text"], masked)
            data["html"] = mask_in_text(data["html"], masked)
        return data


class NoteCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=20000, trim_whitespace=True)


class SavedReplySerializer(serializers.ModelSerializer):
    class Meta:
        model = SavedReply
        fields = ["id", "title", "shortcut", "body", "team", "updated_at"]


class InboundApiMessageSerializer(serializers.Serializer):
    """A message from a custom source (a web form, an app): POST /api/v1/inbound/."""

    channel = serializers.CharField(max_length=255, help_text="The address of an API channel.")
    external_id = serializers.CharField(max_length=200, help_text="Your id; a repeat is ignored.")
    sender_kind = serializers.ChoiceField(choices=["email", "phone", "api"], default="email")
    sender = serializers.CharField(max_length=255)
    sender_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    subject = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    text = serializers.CharField(max_length=50000)


class ReplyCreateSerializer(serializers.Serializer):
    """A reply to the customer on the thread's channel; the key makes a retried POST send once."""

    text = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    idempotency_key = serializers.CharField(max_length=64)
    subject = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    cc = serializers.ListField(child=serializers.EmailField(), required=False, default=list)
    bcc = serializers.ListField(child=serializers.EmailField(), required=False, default=list)
    template = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    send_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if not attrs["text"].strip() and not attrs["template"]:
            raise serializers.ValidationError(
                {"text": "Write a reply (or name an approved template)."}
            )
        return attrs
