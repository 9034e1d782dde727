"""Full-text search over message text, thread subjects and contacts.

PostgreSQL: `to_tsvector('simple', …)` with GIN expression indexes (created only on PostgreSQL,
migration 0004); the `simple` configuration, because an inbox mixes languages and stemming one
language would mangle the others. SQLite: an FTS5 external-content table kept in step by
triggers. Either way the caller gets threads, newest activity first, each with a snippet in
which the hit is marked, escaped before it is marked.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from interactions.models import Contact, ContactIdentity, Message, Thread
from interactions.normalize import InvalidIdentity, normalize_email, normalize_phone

CONFIG = "simple"
# Markers that cannot occur in text, swapped for <mark> after escaping the snippet.
START, STOP = "\x02", "\x03"
MAX_QUERY = 200


@dataclass(frozen=True)
class Hit:
    thread: Thread
    snippet: SafeString


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def clean_query(raw: str) -> str:
    return " ".join(raw.split())[:MAX_QUERY]


def _fts5_query(query: str) -> str:
    # Every word quoted: FTS5 syntax characters in user input are searched for, not obeyed.
    words = re.findall(r"\w+", query, flags=re.UNICODE)
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def _identity_contacts(query: str) -> QuerySet:
    values = []
    for normalize in (normalize_email, normalize_phone):
        with contextlib.suppress(InvalidIdentity):
            values.append(normalize(query))
    return ContactIdentity.objects.filter(value__in=values).values("contact_id")


def matching_threads(threads: QuerySet[Thread], query: str) -> QuerySet[Thread]:
    """`threads` narrowed to those whose messages, subject or contact match `query`."""
    query = clean_query(query)
    if not query:
        return threads
    by_identity = Q(contact_id__in=_identity_contacts(query))
    if is_postgres():
        # Each source is its own index-driven id set (GIN on message text, thread subject,
        # contact name); OR-ing the raw conditions instead would make PostgreSQL parse every
        # thread's subject and contact name, which took seconds at 200k threads.
        tsquery = SearchQuery(query, config=CONFIG, search_type="websearch")
        in_messages = (
            Message.objects.annotate(v=SearchVector("text", config=CONFIG))
            .filter(v=tsquery)
            .values("thread_id")
        )
        in_subjects = (
            Thread.objects.annotate(v=SearchVector("subject", config=CONFIG))
            .filter(v=tsquery)
            .values("pk")
        )
        named = (
            Contact.objects.annotate(v=SearchVector("name", config=CONFIG))
            .filter(v=tsquery)
            .values("pk")
        )
        return threads.filter(
            Q(pk__in=in_messages) | Q(pk__in=in_subjects) | Q(contact_id__in=named) | by_identity
        )
    fts = _fts5_query(query)
    if not fts:
        return threads.filter(by_identity)
    in_messages = RawSQL(
        "SELECT thread_id FROM interactions_message WHERE id IN "
        "(SELECT rowid FROM interactions_message_fts WHERE interactions_message_fts MATCH %s)",
        [fts],
    )
    return threads.filter(
        Q(pk__in=in_messages)
        | Q(subject__icontains=query)
        | Q(contact__name__icontains=query)
        | by_identity
    )


def _mark(text: str) -> SafeString:
    return mark_safe(escape(text).replace(START, "<mark>").replace(STOP, "</mark>"))


def snippets(thread_ids: list[int], query: str) -> dict[int, SafeString]:
    """The newest matching message of each thread, as an escaped snippet with the hit marked."""
    query = clean_query(query)
    if not thread_ids or not query:
        return {}
    if is_postgres():
        tsquery = SearchQuery(query, config=CONFIG, search_type="websearch")
        rows = (
            Message.objects.filter(thread_id__in=thread_ids)
            .annotate(v=SearchVector("text", config=CONFIG))
            .filter(v=tsquery)
            .annotate(
                headline=SearchHeadline(
                    "text",
                    tsquery,
                    config=CONFIG,
                    start_sel=START,
                    stop_sel=STOP,
                    max_words=24,
                    min_words=8,
                )
            )
            .order_by("thread_id", "-created_at")
            .distinct("thread_id")
            .values_list("thread_id", "headline")
        )
        return {thread_id: _mark(headline) for thread_id, headline in rows}
    fts = _fts5_query(query)
    if not fts:
        return {}
    placeholders = ",".join(["%s"] * len(thread_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.thread_id, snippet(interactions_message_fts, 0, %s, %s, '…', 16) "
            "FROM interactions_message_fts JOIN interactions_message m "
            "ON m.id = interactions_message_fts.rowid "
            f"WHERE interactions_message_fts MATCH %s AND m.thread_id IN ({placeholders}) "
            "ORDER BY m.created_at DESC",
            [START, STOP, fts, *thread_ids],
        )
        found: dict[int, SafeString] = {}
        for thread_id, snippet in cursor.fetchall():
            found.setdefault(thread_id, _mark(snippet))
    return found
