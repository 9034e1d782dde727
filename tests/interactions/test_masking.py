"""Masking contact details from agents: the pure mask, every place an address shows, the
admin-only audited switch, its constant cost, and replies that still reach the real address."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, OrganizationSettings
from accounts.permissions import Perm, Role
from accounts.privacy import contact_details_masked, privacy_set_masking
from interactions.channels.base import Adapter
from interactions.masking import (
    identity_label,
    mask_email,
    mask_identity,
    mask_in_text,
    mask_phone,
)
from interactions.models import ChannelKind, IdentityKind
from interactions.services import outbound
from interactions.services.outbound import message_create_outbound, message_send
from interactions.types import Identity
from tests.factories import (
    ChannelFactory,
    ContactFactory,
    ContactIdentityFactory,
    MessageFactory,
    ThreadFactory,
    UserFactory,
)

EMAIL, PHONE = "jane.doe@example.com", "+447700900123"
MASKED_EMAIL, MASKED_PHONE = "j***@example.com", "+44 •••• ••0123"


# --- The mask (pure) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("jane.doe@example.com", "j***@example.com"),
        ("a@b.co", "a***@b.co"),
        ("first.last+tag@sub.example.org", "f***@sub.example.org"),
        ("not-an-address", "***"),
        ("@example.com", "***"),
    ],
)
def test_an_email_keeps_its_first_letter_and_domain(value, masked):
    assert mask_email(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+447700900123", "+44 •••• ••0123"),
        ("+15551234567", "+1 •••• ••4567"),
        ("+4915112345678", "+49 •••• •••5678"),
        ("+3312345", "+33 •••45"),  # a short number keeps fewer digits
        ("+3312", "+33 ••"),  # never the whole number
        ("", "••••"),
    ],
)
def test_a_phone_keeps_its_country_code_and_last_digits(value, masked):
    assert mask_phone(value) == masked


def test_only_emails_and_phone_numbers_are_masked():
    assert mask_identity("whatsapp", "+447700900123") == "+44 •••• ••0123"
    assert mask_identity("messenger", "psid-123456") == "psid-123456"
    assert mask_identity("x", "2244994945") == "2244994945"


def test_a_masked_label_never_falls_back_to_the_display_form():
    assert identity_label("phone", PHONE, "+44 7700 900123", masked=True) == MASKED_PHONE
    assert identity_label("phone", PHONE, "+44 7700 900123", masked=False) == "+44 7700 900123"
    assert identity_label("instagram", "1789", "@janedoe", masked=True) == "@janedoe"
    # An email address reads as itself, whatever name came with it.
    assert identity_label("email", "jane@example.com", "Jane Doe", masked=False) == (
        "jane@example.com"
    )


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("On Mon, Jane <Jane.Doe@Example.com> wrote:", f"On Mon, Jane <{MASKED_EMAIL}> wrote:"),
        ('<a href="mailto:jane.doe@example.com">me</a>', f'<a href="mailto:{MASKED_EMAIL}">me</a>'),
        ("Call +44 7700 900123 please", f"Call {MASKED_PHONE} please"),
        ("or 07700-900-123.", f"or {MASKED_PHONE}."),
        ("from abroad: 0044 (0) 7700 900123", f"from abroad: {MASKED_PHONE}"),
        # Someone else's address, and a longer number that merely contains hers, stay.
        (
            "Write to sales@example.com, ref 177009001234",
            "Write to sales@example.com, ref 177009001234",
        ),
    ],
)
def test_the_contacts_own_details_are_masked_wherever_a_message_writes_them(text, masked):
    identities = [Identity("email", EMAIL), Identity("phone", PHONE), Identity("instagram", "1789")]
    assert mask_in_text(text, identities) == masked


# --- Who sees what -----------------------------------------------------------------------


@pytest.fixture
def masking_on(db, admin_user):
    privacy_set_masking(enabled=True, actor=admin_user)


@pytest.fixture
def jane(team_a):
    contact = ContactFactory(name="Jane Doe")
    ContactIdentityFactory(contact=contact, kind=IdentityKind.EMAIL, value=EMAIL)
    ContactIdentityFactory(contact=contact, kind=IdentityKind.PHONE, value=PHONE)
    thread = ThreadFactory(contact=contact, team=team_a, subject="Broken zipper")
    MessageFactory(thread=thread, text=f"The zipper broke. Call me on {PHONE} or write {EMAIL}.")
    MessageFactory(
        thread=thread,
        text="Any news?",
        html=f"<p>Any news?</p><div>On Monday, Jane Doe &lt;{EMAIL}&gt; wrote:</div>",
    )
    thread.preview = f"Any news? Reach me at {EMAIL}"
    thread.save(update_fields=["preview"])
    return thread


def _pages(client, thread) -> dict[str, str]:
    contact = thread.contact
    return {
        "contact list": client.get(reverse("contacts")).content.decode(),
        "contact detail": client.get(reverse("contact_detail", args=[contact.pk])).content.decode(),
        "thread": client.get(reverse("thread_detail", args=[thread.pk])).content.decode(),
        "api": client.get(f"/api/v1/contacts/{contact.pk}/").content.decode(),
        "api messages": client.get(f"/api/v1/threads/{thread.pk}/messages/").content.decode(),
        "api threads": client.get("/api/v1/threads/").content.decode(),
        "inbox": client.get(reverse("inbox"), {"status": "all"}).content.decode(),
        "search": client.get(reverse("inbox"), {"status": "all", "q": "news"}).content.decode(),
        # What an open thread page fetches when something changes (live updates).
        "live thread": client.get(reverse("thread_poll", args=[thread.pk])).content.decode(),
    }


@pytest.mark.usefixtures("masking_on")
def test_an_agent_sees_addresses_masked_on_every_page_and_in_the_api(agent_a_client, jane):
    for where, page in _pages(agent_a_client, jane).items():
        assert EMAIL not in page and "900123" not in page, where
        assert "j***@example.com" in page, where
    detail = agent_a_client.get(reverse("contact_detail", args=[jane.contact.pk])).content.decode()
    assert MASKED_PHONE in detail and "partly hidden for your role" in detail
    api = agent_a_client.get(f"/api/v1/contacts/{jane.contact.pk}/").json()
    assert {(i["kind"], i["value"], i["display"]) for i in api["identities"]} == {
        ("email", MASKED_EMAIL, MASKED_EMAIL),
        ("phone", MASKED_PHONE, MASKED_PHONE),
    }


@pytest.mark.usefixtures("masking_on")
@pytest.mark.parametrize("role", [Role.MANAGER, Role.MARKETER, Role.ADMIN])
def test_other_roles_see_full_details_while_masking_is_on(role, client_for, jane):
    client = client_for(UserFactory(role=role))
    for where, page in _pages(client, jane).items():
        assert EMAIL in page and "j***@" not in page, where


def test_with_masking_off_agents_see_full_details(agent_a_client, jane):
    for where, page in _pages(agent_a_client, jane).items():
        assert EMAIL in page and "j***@" not in page, where


@pytest.mark.usefixtures("masking_on")
def test_an_agent_still_finds_a_contact_by_their_full_address(agent_a_client, jane):
    listing = agent_a_client.get(reverse("contacts"), {"q": EMAIL}).content.decode()
    inbox = agent_a_client.get(reverse("inbox"), {"q": EMAIL}).content.decode()
    api = agent_a_client.get("/api/v1/contacts/", {"q": EMAIL}).json()

    assert "Jane Doe" in listing and EMAIL not in listing.replace(f'value="{EMAIL}"', "")
    assert "Broken zipper" in inbox
    assert [c["name"] for c in api["results"]] == ["Jane Doe"]
    assert api["results"][0]["identities"][0]["value"] == MASKED_EMAIL


def test_the_roles_that_see_full_details():
    allowed = {r for r in Role.values if UserFactory.build(role=r).can(Perm.SEE_CONTACT_DETAILS)}
    assert allowed == {Role.ADMIN, Role.MANAGER, Role.MARKETER}


# --- The switch --------------------------------------------------------------------------


def test_an_admin_turns_masking_on_in_settings_and_it_is_audited(admin_client, admin_user):
    page = admin_client.get(reverse("settings_privacy"))
    assert (
        page.status_code == 200
        and "Mask email addresses and phone numbers" in page.content.decode()
    )

    response = admin_client.post(
        reverse("settings_privacy"), {"mask_contact_details_for_agents": "on"}
    )

    assert response.status_code == 302
    assert OrganizationSettings.objects.get().mask_contact_details_for_agents is True
    event = AuditEvent.objects.get(action=AuditAction.PRIVACY_CHANGED)
    assert event.actor == admin_user
    assert event.data == {"setting": "mask_contact_details_for_agents", "old": False, "new": True}
    admin_client.post(reverse("settings_privacy"), {})  # unchecked: off again
    assert OrganizationSettings.objects.get().mask_contact_details_for_agents is False
    assert AuditEvent.objects.filter(action=AuditAction.PRIVACY_CHANGED).count() == 2


def test_saving_the_same_value_writes_no_audit_row(admin_user):
    privacy_set_masking(enabled=False, actor=admin_user)
    assert not AuditEvent.objects.filter(action=AuditAction.PRIVACY_CHANGED).exists()


@pytest.mark.parametrize("persona", ["manager", "marketer", "agent_a"])
def test_only_admins_may_change_privacy(persona, request, client_for):
    user = request.getfixturevalue(persona)
    client = client_for(user)

    assert client.get(reverse("settings_privacy")).status_code == 403
    post = client.post(reverse("settings_privacy"), {"mask_contact_details_for_agents": "on"})
    assert post.status_code == 403
    with pytest.raises(PermissionError):
        privacy_set_masking(enabled=True, actor=user)
    assert not OrganizationSettings.objects.exists()
    assert "settings/privacy" not in client.get(reverse("settings")).content.decode()


def test_a_change_applies_at_once_although_the_flag_is_cached(
    admin_user, agent_a, django_capture_on_commit_callbacks
):
    assert contact_details_masked(UserFactory.build(role=Role.AGENT, pk=1)) is False
    with django_capture_on_commit_callbacks(execute=True):
        privacy_set_masking(enabled=True, actor=admin_user)
    assert contact_details_masked(agent_a) is True


# --- Cost --------------------------------------------------------------------------------


def _settings_reads(queries) -> int:
    return sum("accounts_organizationsettings" in q["sql"] for q in queries.captured_queries)


@pytest.mark.usefixtures("masking_on")
def test_the_flag_is_read_once_per_request_at_most(agent_a_client, agent_a, jane):
    for n in range(20):
        ContactIdentityFactory(contact__name=f"Person {n}")
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        page = agent_a_client.get(reverse("contacts"))
    with CaptureQueriesContext(connection) as warm:
        agent_a_client.get(reverse("contacts"))

    assert page.content.decode().count("***@mail.example") == 20
    assert _settings_reads(cold) == 1  # 22 addresses on the page, one read
    assert _settings_reads(warm) == 0  # then the cache answers
    assert len(cold) == len(warm) + 1


def test_roles_that_see_everything_never_read_the_flag(manager_client, jane):
    with CaptureQueriesContext(connection) as queries:
        manager_client.get(reverse("contact_detail", args=[jane.contact.pk]))
    assert _settings_reads(queries) == 0


# --- Replies -----------------------------------------------------------------------------


class RecordingAdapter(Adapter):
    provider = "fake"

    def __init__(self):
        self.requests = []

    def send(self, request):
        self.requests.append(request)
        return f"SM{len(self.requests)}"


@pytest.mark.usefixtures("masking_on")
def test_an_agents_reply_still_goes_to_the_real_number(agent_a, team_a, monkeypatch):
    adapter = RecordingAdapter()
    monkeypatch.setattr(outbound, "get_adapter", lambda key: adapter)
    channel = ChannelFactory(kind=ChannelKind.SMS, provider="twilio")
    thread = ThreadFactory(channel=channel, team=team_a)
    ContactIdentityFactory(contact=thread.contact, kind=IdentityKind.PHONE, value=PHONE)
    MessageFactory(thread=thread, provider_message_id="SM-customer-1")
    assert contact_details_masked(agent_a)

    message = message_create_outbound(
        thread=thread, author=agent_a, text="On its way!", idempotency_key="k1"
    )
    assert message_send(message_id=message.pk) == "sent"

    assert [r.to.value for r in adapter.requests] == [PHONE]
