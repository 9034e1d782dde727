"""One person across channels is one contact; staff can merge two contacts, audited."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from interactions.models import Contact, ContactIdentity, Thread
from interactions.normalize import InvalidIdentity
from interactions.services.contacts import contact_merge, contact_resolve
from interactions.types import Identity
from tests.factories import ContactIdentityFactory, ThreadFactory

pytestmark = pytest.mark.django_db


def test_a_known_identity_resolves_to_its_contact():
    identity = ContactIdentityFactory(value="jane@example.com")
    assert contact_resolve(identities=[Identity("email", "JANE@example.com")]) == identity.contact


def test_a_new_identity_creates_one_contact_with_a_name():
    contact = contact_resolve(identities=[Identity("phone", "+44 7700 900123")], name="Tom")
    assert contact.name == "Tom"
    assert contact.identities.get().value == "+447700900123"


def test_the_same_person_on_email_and_whatsapp_is_one_contact_when_an_identity_matches():
    first = contact_resolve(identities=[Identity("email", "ana@example.com")])
    again = contact_resolve(
        identities=[Identity("whatsapp", "+5511987654321"), Identity("email", "ana@example.com")]
    )
    assert again == first
    assert set(first.identities.values_list("kind", flat=True)) == {"email", "whatsapp"}


def test_unusable_identities_are_refused():
    with pytest.raises(InvalidIdentity):
        contact_resolve(identities=[Identity("phone", "not a number")])


def test_resolving_through_a_merged_contact_finds_the_survivor(marketer):
    source = ContactIdentityFactory(value="old@example.com").contact
    target = ContactIdentityFactory(value="new@example.com").contact
    contact_merge(source=source, target=target, actor=marketer)

    assert contact_resolve(identities=[Identity("email", "old@example.com")]) == target


def test_a_merge_moves_threads_and_identities_and_is_audited(marketer):
    source = ContactIdentityFactory(value="jane@home.example", contact__name="Jane").contact
    target = ContactIdentityFactory(value="jane@work.example", contact__name="").contact
    thread = ThreadFactory(contact=source)

    contact_merge(source=source, target=target, actor=marketer)

    thread.refresh_from_db()
    source.refresh_from_db()
    target.refresh_from_db()
    assert thread.contact == target
    assert set(target.identities.values_list("value", flat=True)) == {
        "jane@home.example",
        "jane@work.example",
    }
    assert source.merged_into == target
    assert target.name == "Jane"
    event = AuditEvent.objects.get(action=AuditAction.CONTACT_MERGED)
    assert event.data["source_id"] == source.pk and event.data["threads"] == [thread.pk]
    assert event.actor == marketer


def test_a_contact_cannot_be_merged_into_itself(marketer):
    contact = ContactIdentityFactory().contact
    with pytest.raises(ValidationError):
        contact_merge(source=contact, target=contact, actor=marketer)


def test_merging_through_the_page_asks_for_confirmation_first(marketer_client):
    source = ContactIdentityFactory(value="one@example.com").contact
    target = ContactIdentityFactory(value="two@example.com").contact
    url = reverse("contact_merge", args=[source.pk])

    preview = marketer_client.post(url, {"into": "TWO@example.com"})
    assert preview.status_code == 200
    assert "Merge contacts" in preview.content.decode()
    assert Contact.objects.get(pk=source.pk).merged_into is None

    done = marketer_client.post(url, {"into": "two@example.com", "confirm": "1"})
    assert done.status_code == 302
    assert ContactIdentity.objects.get(value="one@example.com").contact == target


def test_an_unknown_merge_target_is_a_field_error(marketer_client):
    source = ContactIdentityFactory().contact
    response = marketer_client.post(
        reverse("contact_merge", args=[source.pk]), {"into": "nobody@x.example"}
    )
    assert "No contact has that id" in response.content.decode()


def test_agents_may_not_merge_contacts(agent_a_client):
    source = ContactIdentityFactory().contact
    assert agent_a_client.get(reverse("contact_merge", args=[source.pk])).status_code == 403


def test_threads_keep_their_history_after_a_merge(marketer):
    source = ContactIdentityFactory().contact
    target = ContactIdentityFactory().contact
    ThreadFactory.create_batch(3, contact=source)
    contact_merge(source=source, target=target, actor=marketer)
    assert Thread.objects.filter(contact=target).count() == 3
