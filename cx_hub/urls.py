from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # Webhooks first: providers post hundreds a second, and URL resolution tries in order.
    path("webhooks/", include("interactions.webhook_urls")),
    # anymail's ESP webhooks (/webhooks/email/<esp>/inbound/), refusing while unconfigured.
    path("webhooks/email/", include("interactions.channels.email.urls")),
    path("", include("interactions.urls")),
    path("", include("accounts.urls")),
    path("", include("nps.urls")),
    path("", include("campaigns.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("interactions.api.urls")),
    path("", include("cx_hub.platform_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
