from django.urls import path

from interactions.views import attachments, contacts, inbox, ingestion, live, reports, sections, threads
from interactions.views import routing as routing_views

urlpatterns = [
    path("", sections.home, name="home"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/poll/", live.inbox_poll, name="inbox_poll"),
    path("inbox/bulk/", inbox.inbox_bulk, name="inbox_bulk"),
    path("inbox/threads/<int:thread_id>/", threads.thread_detail, name="thread_detail"),
    path("inbox/threads/<int:thread_id>/poll/", live.thread_poll, name="thread_poll"),
    path("inbox/threads/<int:thread_id>/action/", threads.thread_action, name="thread_action"),
    path("inbox/threads/<int:thread_id>/presence/", live.thread_presence, name="thread_presence"),
    path(
        "attachments/<int:attachment_id>/",
        attachments.attachment_download,
        name="attachment_download",
    ),
    path("contacts/", contacts.contact_list, name="contacts"),
    path("contacts/<int:contact_id>/", contacts.contact_detail, name="contact_detail"),
    path("contacts/<int:contact_id>/merge/", contacts.contact_merge, name="contact_merge"),
    path("reports/", reports.reports, name="reports"),
    path("reports/export/", reports.reports_export, name="reports_export"),
    path("settings/ingestion/", ingestion.ingestion, name="ingestion"),
    path(
        "settings/ingestion/<int:event_id>/replay/",
        ingestion.ingestion_replay,
        name="ingestion_replay",
    ),
    path("settings/rules/", routing_views.rules_list, name="settings_rules"),
    path("settings/rules/new/", routing_views.rule_create, name="settings_rule_create"),
    path("settings/rules/<int:rule_id>/", routing_views.rule_edit, name="settings_rule_edit"),
    path("settings/rules/<int:rule_id>/move/", routing_views.rule_move, name="settings_rule_move"),
    path(
        "settings/rules/<int:rule_id>/toggle/",
        routing_views.rule_toggle,
        name="settings_rule_toggle",
    ),
    path(
        "settings/rules/<int:rule_id>/delete/",
        routing_views.rule_delete,
        name="settings_rule_delete",
    ),
    path(
        "settings/rules/teams/<int:team_id>/",
        routing_views.team_routing,
        name="settings_team_routing",
    ),
    path("settings/slas/", routing_views.sla_list, name="settings_slas"),
    path(
        "settings/slas/<int:policy_id>/",
        routing_views.sla_policy_edit,
        name="settings_sla_policy_edit",
    ),
    path("settings/slas/hours/new/", routing_views.sla_hours_edit, name="settings_sla_hours_new"),
    path(
        "settings/slas/hours/<int:hours_id>/",
        routing_views.sla_hours_edit,
        name="settings_sla_hours_edit",
    ),
]
