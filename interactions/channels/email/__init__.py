"""Email: raw RFC 822 mail from anymail's ESP webhooks, IMAP polling or `manage.py ingest_email`.

Every path stores the whole message as an `InboundEvent` (provider "email") through
`ingest.email_event_store`; the "email" adapter (`adapter.py`) parses it with `parse.py`.
"""
