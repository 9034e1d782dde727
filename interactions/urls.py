from django.urls import path

from interactions.views import (
    attachments,
    brand,
    contacts,
    inbox,
    ingestion,
    live,
    reports,
    sections,
    thread_tools,
    threads,
)
from interactions.views import drafts as draft_views
from interactions.views import macros as macro_views
from interactions.views import notifications as notification_views
from interactions.views import routing as routing_views
from interactions.views import saved_views as saved_view_views

urlpatterns = [
    path("", sections.home, name="home"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/poll/", live.inbox_poll, name="inbox_poll"),
    path("inbox/bulk/", inbox.inbox_bulk, name="inbox_bulk"),
    path("inbox/views/", saved_view_views.views_manage, name="inbox_views"),
    path("inbox/views/save/", saved_view_views.view_save, name="inbox_view_save"),
    path("inbox/views/panel/", saved_view_views.views_panel_poll, name="inbox_views_panel"),
    path("inbox/views/<int:view_id>/", saved_view_views.view_update, name="inbox_view_update"),
    path(
        "inbox/views/<int:view_id>/delete/",
        saved_view_views.view_delete,
        name="inbox_view_delete",
    ),
    path("inbox/threads/<int:thread_id>/", threads.thread_detail, name="thread_detail"),
    path("inbox/threads/<int:thread_id>/poll/", live.thread_poll, name="thread_poll"),
    path("inbox/threads/<int:thread_id>/action/", threads.thread_action, name="thread_action"),
    path("inbox/threads/<int:thread_id>/reply/", threads.thread_reply, name="thread_reply"),
    path(
        "inbox/threads/<int:thread_id>/reply/check/",
        threads.thread_compose_check,
        name="thread_compose_check",
    ),
    path("inbox/threads/<int:thread_id>/presence/", live.thread_presence, name="thread_presence"),
    path(
        "inbox/threads/<int:thread_id>/draft/",
        draft_views.thread_draft_save,
        name="thread_draft_save",
    ),
    path(
        "inbox/threads/<int:thread_id>/drafts/",
        draft_views.thread_drafts_poll,
        name="thread_drafts",
    ),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/bell/", notification_views.notifications_bell, name="notifications_bell"),
    path(
        "notifications/read/",
        notification_views.notifications_read_all,
        name="notifications_read_all",
    ),
    path(
        "inbox/threads/<int:thread_id>/merge/",
        thread_tools.thread_merge_view,
        name="thread_merge",
    ),
    path(
        "inbox/threads/<int:thread_id>/split/",
        thread_tools.thread_split_view,
        name="thread_split",
    ),
    path(
        "inbox/threads/<int:thread_id>/macros/<int:macro_id>/apply/",
        thread_tools.thread_macro_apply,
        name="thread_macro_apply",
    ),
    path("settings/macros/", macro_views.macro_list, name="settings_macros"),
    path("settings/macros/new/", macro_views.macro_create, name="settings_macro_create"),
    path("settings/macros/<int:macro_id>/", macro_views.macro_edit, name="settings_macro_edit"),
    path(
        "settings/macros/<int:macro_id>/delete/",
        macro_views.macro_delete,
        name="settings_macro_delete",
    ),
    path(
        "attachments/<int:attachment_id>/",
        attachments.attachment_download,
        name="attachment_download",
    ),
    path("settings/saved-replies/", brand.saved_replies, name="settings_saved_replies"),
    path(
        "settings/saved-replies/<int:reply_id>/",
        brand.saved_replies,
        name="settings_saved_reply_edit",
    ),
    path(
        "settings/saved-replies/<int:reply_id>/delete/",
        brand.saved_reply_delete,
        name="settings_saved_reply_delete",
    ),
    path("settings/brand-voice/", brand.brand_voice, name="settings_brand_voice"),
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
