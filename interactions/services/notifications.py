"""Notifications: created from @mentions in notes, read by opening the thread or in bulk.

Every write bumps the recipient's bell version on commit (interactions/bell.py), so open
pages learn about it from the cache.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Perm, user_can
from interactions import bell
from interactions.mentions import MentionIndex, Person, find_mentions
from interactions.models import Message, Notification, NotificationKind, Thread
from interactions.selectors import visible_threads

DIRECTORY_KEY = "mentions:directory"
# The directory only decides which names are highlighted in notes already written; who gets
# notified is always decided from the database.
DIRECTORY_TTL_S = 300


def _active_users() -> list[User]:
    return list(User.objects.filter(is_active=True))


def _directory_store(users: list[User]) -> list[Person]:
    people = [Person(pk=u.pk, email=u.email, display_name=u.display_name) for u in users]
    cache.set(DIRECTORY_KEY, people, timeout=DIRECTORY_TTL_S)
    return people


def mention_index() -> MentionIndex:
    """The active users a mention can name, from the cache (one query when it is cold)."""
    people = cache.get(DIRECTORY_KEY)
    if people is None:
        people = _directory_store(_active_users())
    return MentionIndex(people)


def notify_mentions(note: Message) -> list[Notification]:
    """Notify the users a note @mentions who may see its thread; never the note's author.

    One query for the active users when the note contains an "@", then one per mentioned user
    to check they can see the thread; nothing at all for a note without an "@".
    """
    if "@" not in note.text:
        return []
    users = _active_users()
    _directory_store(users)
    by_id = {user.pk: user for user in users}
    recipients = [
        by_id[user_id]
        for user_id in find_mentions(note.text, users)
        if user_id != note.author_id
        and visible_threads(by_id[user_id]).filter(pk=note.thread_id).exists()
    ]
    if not recipients:
        return []
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=NotificationKind.MENTION,
                thread_id=note.thread_id,
                message=note,
                actor_id=note.author_id,
                created_at=note.created_at,
            )
            for user in recipients
        ],
        ignore_conflicts=True,  # the same note notifies a user once
    )
    for user in recipients:
        bell.changed(user.pk)
    return created


def notifications_for(user: User) -> QuerySet[Notification]:
    """The user's notifications on threads they can still see (a thread may change teams)."""
    notifications = Notification.objects.filter(recipient=user)
    if user_can(user, Perm.TRIAGE_ALL_TEAMS):
        return notifications
    # Team ids as a subquery, so the whole thing stays one query.
    teams = user.team_memberships.values("team_id")
    return notifications.filter(thread__in=visible_threads(user, team_ids=teams))


def notifications_unread(user: User) -> bell.BellState:
    """The bell: from the cache, or one COUNT query (then cached) when the cache lacks it."""
    return bell.unread(
        user.pk, lambda: notifications_for(user).filter(read_at__isnull=True).count()
    )


def notifications_mark_read(*, user: User, thread: Thread) -> int:
    """Mark the user's notifications on a thread read (they opened it); how many changed.

    Free when the cache says the user has nothing unread, which is the common case.
    """
    if notifications_unread(user).unread == 0:
        return 0
    changed = Notification.objects.filter(
        recipient=user, thread=thread, read_at__isnull=True
    ).update(read_at=timezone.now())
    if changed:
        bell.changed(user.pk)
    return changed


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every notification of the user read; how many changed."""
    changed = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if changed:
        bell.changed(user.pk)
    return changed
