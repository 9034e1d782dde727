from django.urls import path

from accounts import views

urlpatterns = [
    path("settings/", views.settings_home, name="settings"),
    path("settings/users/", views.user_list, name="settings_users"),
    path("settings/users/<int:user_id>/", views.user_edit, name="settings_user_edit"),
    path("settings/teams/", views.team_list, name="settings_teams"),
    path("settings/audit/", views.audit_log, name="settings_audit"),
    path("settings/api-tokens/", views.api_tokens, name="settings_api_tokens"),
    path("settings/privacy/", views.privacy_settings, name="settings_privacy"),
    path("me/availability/", views.availability_toggle, name="availability_toggle"),
]
