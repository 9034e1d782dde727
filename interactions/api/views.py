"""REST API v1: the same selectors and services as the pages, so they never disagree."""

from django.db import transaction
from django.db.models import Prefetch, Q
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from accounts.permissions import Perm, user_can
from accounts.privacy import contact_details_masked
from interactions.api.filters import ThreadFilter
from interactions.api.serializers import (
    ContactSerializer,
    InboundApiMessageSerializer,
    MessageSerializer,
    NoteCreateSerializer,
    ReplyCreateSerializer,
    SavedReplySerializer,
    TagSerializer,
    ThreadSerializer,
    ThreadUpdateSerializer,
)
from interactions.models import Contact, ContactIdentity, SavedReply, Tag, Thread
from interactions.selectors import access_thread, thread_messages, visible_threads
from interactions.services import threads as thread_services
from interactions.services.events import inbound_event_store
from interactions.services.messages import message_create_note
from interactions.services.outbound import message_create_outbound


class NewestActivityFirst(CursorPagination):
    ordering = ("-last_activity_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class HasPerm(permissions.BasePermission):
    """Checks `view.required_perms[action]` against the role's permission map."""

    def has_permission(self, request, view):
        needed = getattr(view, "required_perms", {}).get(getattr(view, "action", None))
        return needed is None or user_can(request.user, needed)


class ThreadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Threads the caller may see; PATCH changes status, assignee, team, priority and tags."""

    serializer_class = ThreadSerializer
    pagination_class = NewestActivityFirst
    filterset_class = ThreadFilter
    permission_classes = [permissions.IsAuthenticated, HasPerm]
    required_perms = {"partial_update": Perm.ASSIGN, "notes": Perm.REPLY, "replies": Perm.REPLY}
    http_method_names = ["get", "patch", "post", "head", "options"]

    queryset = Thread.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Thread.objects.none()
        threads = (
            visible_threads(self.request.user)
            .select_related("channel", "contact", "assignee", "team")
            .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        )
        if contact_details_masked(self.request.user):
            # Each preview is masked with its own contact's addresses (ThreadSerializer).
            threads = threads.prefetch_related("contact__identities")
        return threads

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["mask_contact_details"] = contact_details_masked(self.request.user)
        return context

    def get_object(self):
        return access_thread(self.request.user, self.kwargs["pk"])

    @extend_schema(request=ThreadUpdateSerializer, responses=ThreadSerializer)
    def partial_update(self, request, pk=None):
        thread = self.get_object()
        changes = ThreadUpdateSerializer(data=request.data)
        changes.is_valid(raise_exception=True)
        data, actor = changes.validated_data, request.user
        with transaction.atomic():
            if "assignee" in data:
                thread = thread_services.thread_assign(
                    thread=thread, assignee=data["assignee"], actor=actor
                )
            if "team" in data:
                thread = thread_services.thread_set_team(
                    thread=thread, team=data["team"], actor=actor
                )
            if "priority" in data:
                thread = thread_services.thread_set_priority(
                    thread=thread, priority=data["priority"], actor=actor
                )
            if "status" in data:
                thread = thread_services.thread_set_status(
                    thread=thread,
                    status=data["status"],
                    actor=actor,
                    snoozed_until=data.get("snoozed_until"),
                )
            if data.get("add_tags") or data.get("remove_tags"):
                thread = thread_services.thread_set_tags(
                    thread=thread,
                    add=data.get("add_tags", []),
                    remove=data.get("remove_tags", []),
                    actor=actor,
                )
        thread = access_thread(request.user, thread.pk)
        return Response(ThreadSerializer(thread, context=self.get_serializer_context()).data)

    @extend_schema(responses=MessageSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def messages(self, request, pk=None):
        thread = self.get_object()
        page = self.paginate_queryset_plain(thread_messages(thread))
        return Response(MessageSerializer(page, many=True, context=_masking(request, thread)).data)

    @extend_schema(request=NoteCreateSerializer, responses={201: MessageSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        thread = self.get_object()
        body = NoteCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        note = message_create_note(
            thread=thread, author=request.user, text=body.validated_data["text"]
        )
        return Response(
            MessageSerializer(note, context=_masking(request, thread)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=ReplyCreateSerializer, responses={201: MessageSerializer})
    @action(detail=True, methods=["post"])
    def replies(self, request, pk=None):
        """Reply to the customer; 201 with the stored reply (queued, or scheduled)."""
        thread = self.get_object()
        body = ReplyCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        reply = message_create_outbound(
            thread=thread,
            author=request.user,
            text=data["text"],
            idempotency_key=data["idempotency_key"],
            cc=data["cc"],
            bcc=data["bcc"],
            subject=data["subject"],
            template=data["template"],
            send_at=data["send_at"],
        )
        return Response(
            MessageSerializer(reply, context=_masking(request, thread)).data,
            status=status.HTTP_201_CREATED,
        )

    def paginate_queryset_plain(self, queryset, limit: int = 500):
        # A thread's messages come oldest first, whole (threads are short); capped for safety.
        return list(queryset[:limit])


class ContactViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ContactSerializer

    def get_queryset(self):
        contacts = Contact.objects.filter(merged_into__isnull=True).prefetch_related(
            Prefetch("identities", queryset=ContactIdentity.objects.order_by("kind", "value"))
        )
        query = self.request.query_params.get("q", "").strip()
        if query:
            contacts = contacts.filter(
                Q(name__icontains=query)
                | Q(company__icontains=query)
                | Q(identities__value__icontains=query.lower())
            ).distinct()
        return contacts.order_by("-last_seen_at", "-id")


class TagViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TagSerializer
    queryset = Tag.objects.order_by("name")
    pagination_class = None


class SavedReplyViewSet(viewsets.ReadOnlyModelViewSet):
    """Saved replies shared with everyone plus those of the caller's teams."""

    serializer_class = SavedReplySerializer
    pagination_class = None

    queryset = SavedReply.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SavedReply.objects.none()
        teams = self.request.user.team_memberships.values("team_id")
        return SavedReply.objects.filter(Q(team__isnull=True) | Q(team_id__in=teams)).order_by(
            "title"
        )


class InboundMessageView(generics.GenericAPIView):
    """A message from a custom source; stored and processed like any provider delivery."""

    serializer_class = InboundApiMessageSerializer

    @extend_schema(responses={202: None})
    def post(self, request):
        if not user_can(request.user, Perm.CONFIGURE_CHANNELS):
            raise PermissionDenied("Posting inbound messages needs an admin's token.")
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with transaction.atomic():
            event, created = inbound_event_store(
                provider="api",
                provider_event_id=f"{data['channel']}:{data['external_id']}",
                payload=dict(data),
            )
        return Response(
            {"event": event.pk, "duplicate": not created}, status=status.HTTP_202_ACCEPTED
        )


def _masking(request, thread) -> dict:
    """Serializer context that masks the contact's addresses in message bodies, for callers
    who may not see contact details."""
    if not contact_details_masked(request.user):
        return {}
    return {"masked_identities": list(thread.contact.identities.all())}
