from django.urls import path
from rest_framework.routers import DefaultRouter

from interactions.api import views
from interactions.api.saved_views import SavedViewViewSet

router = DefaultRouter()
router.register("threads", views.ThreadViewSet, basename="api-thread")
router.register("contacts", views.ContactViewSet, basename="api-contact")
router.register("tags", views.TagViewSet, basename="api-tag")
router.register("saved-replies", views.SavedReplyViewSet, basename="api-saved-reply")
router.register("views", SavedViewViewSet, basename="api-saved-view")

urlpatterns = [
    path("inbound/", views.InboundMessageView.as_view(), name="api-inbound"),
    *router.urls,
]
