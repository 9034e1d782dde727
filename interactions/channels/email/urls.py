"""anymail's webhook URLs (`/webhooks/email/<esp>/inbound/`, `…/tracking/`), guarded.

Same paths and names as `include("anymail.urls")` (namespace "anymail"), each view wrapped by
`webhooks.guarded`: an ESP whose secret is unset answers 403, large mail is accepted.
"""

from anymail import urls as anymail_urls

from interactions.channels.email.webhooks import guarded

app_name = "anymail"
urlpatterns = [guarded(pattern) for pattern in anymail_urls.urlpatterns]
