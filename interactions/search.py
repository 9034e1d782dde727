"""Full-text search over message text, thread subjects and contacts.

PostgreSQL: `to_tsvector('simple', …)` with GIN expression indexes (created only on PostgreSQL,
migration 0005); the `simple` configuration, because an inbox mixes languages and stemming one
language would mangle the others. SQLite: an FTS5 external-content table kept in step by
triggers. Either way the caller gets threads, newest activity first, each with a snippet in
which the hit is marked, escaped before it is marked.

A page of results on PostgreSQL is found in two ways, cheapest first (`newest_matching_ids`):
a word many messages contain is met within the newest threads, so those are checked one by one;
only when they hold too few hits are the GIN indexes asked for every match (`newest_matching`),
which costs a visit to each matching message's row.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchVector
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from interactions.models import Contact, ContactIdentity, Message, Thread
from interactions.normalize import InvalidIdentity, normalize_email, normalize_phone

CONFIG = "simple"
# Markers that cannot occur in text, swapped for <mark> after escaping the snippet.
START, STOP = "\x02", "\x03"
MAX_QUERY = 200
# How many of the newest threads a search page checks one by one before it asks the indexes for
# every match. Checking one costs ~30 µs (to_tsvector over its messages); fetching every match
# of a word in 4% of messages (37k rows scattered over 20k pages) cost 60-130 ms at 1M messages.
WINDOW = 1000


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


def _identity_values(query: str) -> list[str]:
    values = []
    for normalize in (normalize_email, normalize_phone):
        with contextlib.suppress(InvalidIdentity):
            values.append(normalize(query))
    return values


def _identity_contacts(query: str) -> QuerySet:
    values = _identity_values(query)
    return ContactIdentity.objects.filter(value__in=values).order_by().values("contact_id")


def _named_contacts(tsquery: SearchQuery) -> QuerySet:
    return (
        Contact.objects.annotate(v=SearchVector("name", config=CONFIG))
        .filter(v=tsquery)
        .order_by()
        .values("pk")
    )


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
        return threads.filter(
            Q(pk__in=in_messages)
            | Q(pk__in=in_subjects)
            | Q(contact_id__in=_named_contacts(tsquery))
            | by_identity
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


NEWEST = ("-last_activity_at", "-id")


def newest_matching_ids(threads: QuerySet[Thread], query: str, limit: int) -> list[int] | None:
    """The ids of the `limit` threads of `threads` with the newest activity that match `query`.

    Newest first, like the inbox. On PostgreSQL the newest WINDOW threads are checked one by one
    (in one query, stopping at the `limit`th hit); None means they hold fewer hits and more
    threads lie beyond them: `newest_matching` then finds the page. SQLite always answers from
    its FTS5 id set.
    """
    query = clean_query(query)
    newest = threads.order_by(*NEWEST)
    if query and is_postgres():
        return _newest_in_window(newest, query, limit)
    return list(matching_threads(newest, query).values_list("pk", flat=True)[:limit])


def _vector(column: str) -> str:
    # The GIN indexes' own expression (migration 0005), so the planner can still use them.
    return f"to_tsvector('{CONFIG}'::regconfig, COALESCE({column}, ''))"


def _newest_in_window(newest: QuerySet[Thread], query: str, limit: int) -> list[int] | None:
    window = newest.values("id", "contact_id", "subject", "last_activity_at")[:WINDOW]
    try:
        window_sql, window_params = window.query.sql_with_params()
    except EmptyResultSet:  # filters no thread can pass (an assignee id past 64 bits, say)
        return []
    size_sql, size_params = newest.values("id")[:WINDOW].query.sql_with_params()
    named_sql, named_params = _named_contacts(
        SearchQuery(query, config=CONFIG, search_type="websearch")
    ).query.sql_with_params()
    tsquery = f"websearch_to_tsquery('{CONFIG}'::regconfig, %s)"
    conditions = [f"{_vector('w.subject')} @@ {tsquery}", f"w.contact_id IN ({named_sql})"]
    params = [query, *named_params]
    if _identity_values(query):
        identity_sql, identity_params = _identity_contacts(query).query.sql_with_params()
        conditions.append(f"w.contact_id IN ({identity_sql})")
        params += identity_params
    # Last, as it costs most (PostgreSQL evaluates OR from the left). Per thread, not per
    # matching message: EXISTS lets the planner parse a thread's few messages (for a word in
    # 4% of messages) or, for a rarer word, hash the thread ids of the GIN index's hits.
    conditions.append(
        f"EXISTS (SELECT 1 FROM {Message._meta.db_table} m WHERE m.thread_id = w.id "
        f"AND {_vector('m.text')} @@ {tsquery})"
    )
    params.append(query)
    # The window is a derived table with its own ORDER BY … LIMIT: PostgreSQL then reads it in
    # that order and stops at the `limit`th hit. `win.n` tells a short window (every thread the
    # filters allow) from a full one with too few hits.
    sql = (
        f"SELECT hit.id, win.n FROM (SELECT count(*) AS n FROM ({size_sql}) s) win "
        f"LEFT JOIN (SELECT w.id, w.last_activity_at FROM ({window_sql}) w "
        f"WHERE {' OR '.join(conditions)} "
        "ORDER BY w.last_activity_at DESC, w.id DESC LIMIT %s) hit ON true "
        "ORDER BY hit.last_activity_at DESC, hit.id DESC"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*size_params, *window_params, *params, limit])
        rows = cursor.fetchall()
    ids = [pk for pk, _n in rows if pk is not None]
    if len(ids) < limit and rows[0][1] >= WINDOW:
        return None
    return ids


class _AnyOf(Func):
    """`field = ANY(ARRAY(subquery))`, PostgreSQL only.

    The planner cannot see how long the array will be and assumes ten elements, so it looks the
    ids up in the field's index and sorts the few rows it expects. `field IN (subquery)` is
    estimated from the GIN statistics instead, which for a rare word guess thousands of rows:
    enough to scan all 200k threads (40 ms) or walk them newest first (145 ms) for three hits.
    Only for a lookup: as a filter on many rows it would compare each with every element, so
    `matching_threads` (which the saved views' counts use) keeps `IN`.
    """

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()


def newest_matching(threads: QuerySet[Thread], query: str, limit: int) -> QuerySet:
    """PostgreSQL: the ids of the `limit` newest threads of `threads` matching `query`.

    A sliced queryset for `pk__in`, for when `newest_matching_ids` found too few hits among the
    newest threads: the GIN indexes give every match, then their threads are looked up by id.
    """
    query = clean_query(query)
    tsquery = SearchQuery(query, config=CONFIG, search_type="websearch")
    # No ORDER BY: ArraySubquery keeps the models' default ordering, a sort of every match.
    in_messages = (
        Message.objects.annotate(v=SearchVector("text", config=CONFIG))
        .filter(v=tsquery)
        .order_by()
        .values("thread_id")
    )
    in_subjects = (
        Thread.objects.annotate(v=SearchVector("subject", config=CONFIG))
        .filter(v=tsquery)
        .order_by()
        .values("pk")
    )
    condition = (
        _AnyOf(F("pk"), ArraySubquery(in_messages))
        | _AnyOf(F("pk"), ArraySubquery(in_subjects))
        | _AnyOf(F("contact_id"), ArraySubquery(_named_contacts(tsquery)))
    )
    if _identity_values(query):
        condition |= _AnyOf(F("contact_id"), ArraySubquery(_identity_contacts(query)))
    return threads.filter(condition).order_by(*NEWEST).values("pk")[:limit]


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
