from django.urls import path

from interactions.views import contacts, inbox, sections, threads

urlpatterns = [
    path("", sections.home, name="home"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/threads/<int:thread_id>/", threads.thread_detail, name="thread_detail"),
    path("contacts/", contacts.contact_list, name="contacts"),
    path("contacts/<int:contact_id>/", contacts.contact_detail, name="contact_detail"),
    path("reports/", sections.reports, name="reports"),
]
