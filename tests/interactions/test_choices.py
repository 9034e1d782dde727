"""The cached choice lists and the workers' process-local copies of configuration."""

import pytest
from django.core.cache import cache

from interactions import choices
from interactions.models import Channel, ChannelKind, Tag
from interactions.services.messages import channel_for

pytestmark = pytest.mark.django_db


def test_a_change_shows_in_the_lists_and_drops_the_old_versions_entries(
    django_capture_on_commit_callbacks,
):
    Tag.objects.create(name="billing")
    with django_capture_on_commit_callbacks(execute=True):
        Tag.objects.create(name="refund")
    version = choices._version()
    assert [t.name for t in choices.tags()] == ["billing", "refund"]
    assert cache.get(f"choices:tags:{version}") is not None

    with django_capture_on_commit_callbacks(execute=True):
        Tag.objects.create(name="delivery")

    assert cache.get(f"choices:tags:{version}") is None  # nothing would read it again
    assert [t.name for t in choices.tags()] == ["billing", "delivery", "refund"]


def test_a_list_not_declared_is_refused():
    with pytest.raises(ValueError, match=r"choices\.NAMES"):
        choices.cached("channels", list)


def test_the_workers_copy_of_channels_follows_a_change_made_in_the_same_process():
    channel = Channel.objects.create(kind=ChannelKind.SMS, name="Support", address="+14155550100")
    assert channel_for(kind="sms", address="+14155550100") == channel

    channel.address = "+14155550199"
    channel.save()

    assert channel_for(kind="sms", address="+14155550199") == channel


def test_a_channel_added_elsewhere_is_found_before_the_copy_catches_up(django_assert_num_queries):
    Channel.objects.create(kind=ChannelKind.SMS, name="Support", address="+14155550100")
    channel_for(kind="sms", address="+14155550100")  # the copy is built and kept
    # Added by another process: this one's copy does not know it yet, the database does.
    Channel.objects.bulk_create(
        [Channel(kind=ChannelKind.SMS, name="Sales", address="+14155550111")]
    )

    with django_assert_num_queries(1):
        assert channel_for(kind="sms", address="+14155550111").name == "Sales"
    with django_assert_num_queries(0):
        assert channel_for(kind="sms", address="+14155550100").name == "Support"
