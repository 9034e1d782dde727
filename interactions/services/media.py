"""Downloading customer media that providers send as URLs, without being turned into a proxy.

A payload names the URL, so the URL is untrusted: `attachment_fetch` only requests hosts the
channel's adapter lists in `media_hosts()` (a leading "." matches subdomains) or the exact host
and port of the provider's configured API base; it resolves the host itself and refuses
private, loopback, link-local, multicast and reserved addresses (except for that configured
API base, which tests point at 127.0.0.1), then connects to the address it checked, so a DNS
answer cannot change between the check and the request. Redirects are followed by hand, each
hop checked the same way, at most MAX_REDIRECTS; credentials go only to the original host.
Bodies stream to a temporary file under a size limit and a deadline.

Attachments are fetched on commit of the message that brought them: the `message_received`
receiver below asks the fetch hook (installed by `interactions.tasks`) to fetch each pending one.
"""

from __future__ import annotations

import ipaddress
import logging
import mimetypes
import socket
import ssl
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urljoin, urlsplit

import certifi
import urllib3
from django.conf import settings
from django.core.files import File
from django.db import connection, transaction

from interactions.channels.base import SendError, TransientSendError
from interactions.channels.registry import get_adapter
from interactions.models import Attachment, FetchStatus
from interactions.services import messages as message_services

log = logging.getLogger(__name__)

MAX_REDIRECTS = 3
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 20
TOTAL_TIMEOUT_S = 60
MAX_FETCH_RETRIES = 5
CHUNK = 64 * 1024
# The setting holding each provider's API base; its exact host:port is always allowed.
API_BASE_SETTINGS = {
    "twilio": "TWILIO_API_BASE",
    "meta": "META_GRAPH_API_BASE",
    "x": "X_API_BASE",
    "youtube": "YOUTUBE_API_BASE",
}
REDIRECTS = {301, 302, 303, 307, 308}


class FetchRefused(Exception):
    """A URL we will not request, or a response we will not keep: the attachment fails."""


class FetchRetry(Exception):
    """A transient failure (timeout, connection, 429, 5xx): the task retries with backoff."""


# --- The fetch hook (installed by interactions.tasks) ----------------------------------------

_enqueue_fetch: Callable[[int], None] | None = None


def set_fetch_enqueuer(enqueue: Callable[[int], None]) -> None:
    global _enqueue_fetch
    _enqueue_fetch = enqueue


def enqueue_fetch(attachment_id: int) -> None:
    if _enqueue_fetch is None:
        return
    try:
        _enqueue_fetch(attachment_id)
    except Exception:  # broker down: the attachment stays pending and can be fetched later
        log.warning("Could not enqueue fetching attachment %s.", attachment_id)


def on_message_received(sender, message, **kwargs) -> None:
    """`message_received` receiver (sent on commit): fetch the message's pending media.

    MEDIA_FETCH_ON_RECEIPT=false turns this off (the test suite does, so no test downloads
    from the internet by accident).
    """
    if not getattr(settings, "MEDIA_FETCH_ON_RECEIPT", True):
        return
    if kwargs.get("attachments") == 0:  # nothing came with it: no need to look
        return
    pending = Attachment.objects.filter(message=message, fetch_status=FetchStatus.PENDING)
    for attachment_id in pending.values_list("pk", flat=True):
        enqueue_fetch(attachment_id)


# --- Pure checks ----------------------------------------------------------------------------


def host_allowed(host: str, allowed: set[str]) -> bool:
    """`host` is in `allowed`; an entry with a leading dot matches any subdomain of it."""
    host = host.lower().rstrip(".")
    for entry in allowed:
        entry = entry.lower()
        if entry.startswith("."):
            if host.endswith(entry):
                return True
        elif host == entry:
            return True
    return False


def address_refusal(ip: str) -> str:
    """Why `ip` may not be fetched from ("" when it is a public address)."""
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for label, flag in (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("unspecified", address.is_unspecified),
        ("private", address.is_private),
    ):
        if flag:
            return f"{label} address {address}"
    if not address.is_global:
        return f"non-public address {address}"
    return ""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent
    ip: str
    trusted: bool  # the configured API base itself


def _port(scheme: str, port: int | None) -> int:
    return port or (443 if scheme == "https" else 80)


def resolve_host(host: str, port: int) -> list[str]:
    """The host's addresses (tests replace this to play DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_url(url: str, *, allowed_hosts: set[str], api_base: str) -> Target:
    """The address to connect to for `url`, or FetchRefused saying why not."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise FetchRefused(f"Refused {scheme or 'a schemeless'} URL: only http(s).")
    if parts.username or parts.password:
        raise FetchRefused("Refused a URL carrying credentials.")
    try:
        host, port = (parts.hostname or "").lower(), _port(scheme, parts.port)
    except ValueError:
        raise FetchRefused("Refused a URL with a bad port.") from None
    if not host:
        raise FetchRefused("Refused a URL without a host.")
    base = urlsplit(api_base or "")
    trusted = bool(base.hostname) and (
        (host, port) == (base.hostname.lower(), _port(base.scheme.lower(), base.port))
    )
    if not trusted and not host_allowed(host, allowed_hosts):
        raise FetchRefused(f"Refused {host}: not one of the provider's media hosts.")
    try:
        addresses = resolve_host(host, port)
    except (OSError, UnicodeError) as exc:
        raise FetchRetry(f"Could not resolve {host}: {exc}") from exc
    if not addresses:
        raise FetchRetry(f"{host} has no address.")
    if not trusted:
        for ip in addresses:
            reason = address_refusal(ip)
            if reason:
                raise FetchRefused(f"Refused {host}: it resolves to a {reason}.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme, host, port, path, addresses[0], trusted)


# --- Fetching -------------------------------------------------------------------------------


def _pool(target: Target):
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT_S, read=READ_TIMEOUT_S)
    if target.scheme == "https":
        context = ssl.create_default_context(cafile=certifi.where())
        # Connect to the checked address; TLS still verifies the certificate for the host name.
        return urllib3.HTTPSConnectionPool(
            target.ip,
            target.port,
            timeout=timeout,
            retries=False,
            ssl_context=context,
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    return urllib3.HTTPConnectionPool(target.ip, target.port, timeout=timeout, retries=False)


def _host_header(target: Target) -> str:
    default = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"


def download(url: str, *, allowed_hosts: set[str], api_base: str, headers: dict, limit: int):
    """Stream `url` into a temporary file; returns (file, size, content type).

    FetchRefused for anything we will not fetch or keep; FetchRetry for what may work later.
    """
    deadline = time.monotonic() + TOTAL_TIMEOUT_S
    first_host = None
    for _hop in range(MAX_REDIRECTS + 1):
        target = check_url(url, allowed_hosts=allowed_hosts, api_base=api_base)
        first_host = first_host or (target.host, target.port)
        request_headers = {"Host": _host_header(target), "Accept": "*/*"}
        if (target.host, target.port) == first_host:
            request_headers.update(headers)  # never hand credentials to another host
        pool = _pool(target)
        try:
            response = pool.urlopen(
                "GET",
                target.path,
                headers=request_headers,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
        except urllib3.exceptions.SSLError as exc:
            pool.close()
            raise FetchRefused(f"TLS verification failed for {target.host}: {exc}") from exc
        except urllib3.exceptions.HTTPError as exc:
            pool.close()
            raise FetchRetry(f"Could not fetch from {target.host}: {exc}") from exc
        try:
            if response.status in REDIRECTS:
                location = response.headers.get("Location")
                if not location:
                    raise FetchRefused(f"{target.host} redirected without a Location.")
                url = urljoin(url, location)
                continue
            if response.status == 429 or response.status >= 500:
                raise FetchRetry(f"{target.host} answered {response.status}.")
            if response.status != 200:
                raise FetchRefused(f"{target.host} answered {response.status}.")
            return _stream(response, limit, deadline)
        finally:
            response.release_conn()
            pool.close()
    raise FetchRefused(f"More than {MAX_REDIRECTS} redirects.")


def _stream(response, limit: int, deadline: float):
    declared = response.headers.get("Content-Length")
    if declared and declared.isdecimal() and int(declared) > limit:
        raise FetchRefused(f"Larger than the {_mb(limit)} limit ({int(declared)} bytes).")
    # Returned to the caller, who closes it: not a `with` block here.
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115
    size = 0
    try:
        for chunk in response.stream(CHUNK, decode_content=True):
            size += len(chunk)
            if size > limit:
                raise FetchRefused(f"Larger than the {_mb(limit)} limit.")
            if time.monotonic() > deadline:
                raise FetchRetry(f"Download took longer than {TOTAL_TIMEOUT_S} s.")
            spool.write(chunk)
    except urllib3.exceptions.HTTPError as exc:
        spool.close()
        raise FetchRetry(f"Download interrupted: {exc}") from exc
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip()
    return spool, size, content_type


def _mb(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB"


def _filename(attachment: Attachment, content_type: str) -> str:
    name = PurePosixPath(attachment.filename or "attachment").name or "attachment"
    if not PurePosixPath(name).suffix:
        extension = mimetypes.guess_extension(content_type or attachment.content_type or "")
        if extension:
            name += extension
    return name[:200]


def attachment_fetch(*, attachment_id: int, final_attempt: bool = True) -> str:
    """Download a pending attachment from its provider into storage, once.

    Returns "stored", "failed" or "skipped" (not pending any more). Raises FetchRetry after a
    transient failure unless `final_attempt`, when the attachment is failed with the reason.
    """
    attachment = (
        Attachment.objects.select_related("message__channel").filter(pk=attachment_id).first()
    )
    if attachment is None or attachment.fetch_status != FetchStatus.PENDING:
        return "skipped"
    channel = attachment.message.channel
    adapter = get_adapter(channel.provider)
    if adapter is None:
        return _finish(attachment_id, error=f"No adapter for provider {channel.provider!r}.")
    if not attachment.source_url:
        return _finish(attachment_id, error="No URL to fetch from.")
    api_base = getattr(settings, API_BASE_SETTINGS.get(channel.provider, ""), "") or ""
    try:
        # Some providers hand out media ids that resolve to a short-lived URL (Meta).
        url = adapter.media_resolve(attachment.source_url, channel_config=channel.config)
        spool, size, content_type = download(
            url,
            allowed_hosts=adapter.media_hosts(),
            api_base=api_base,
            headers=adapter.media_headers(url=url, channel_config=channel.config),
            limit=message_services.MAX_ATTACHMENT_BYTES,
        )
    except TransientSendError as exc:
        exc = FetchRetry(str(exc))
        if final_attempt:
            return _finish(attachment_id, error=f"Gave up: {exc}")
        raise exc from None
    except SendError as exc:
        return _finish(attachment_id, error=str(exc))
    except FetchRefused as exc:
        return _finish(attachment_id, error=str(exc))
    except FetchRetry as exc:
        if final_attempt:
            return _finish(attachment_id, error=f"Gave up: {exc}")
        Attachment.objects.filter(pk=attachment_id, fetch_status=FetchStatus.PENDING).update(
            fetch_error=str(exc)[:255]
        )
        raise
    with spool:
        return _finish(attachment_id, content=spool, size=size, content_type=content_type)


def _finish(attachment_id, *, error="", content=None, size=0, content_type="") -> str:
    with transaction.atomic():
        rows = Attachment.objects.select_related("message").filter(pk=attachment_id)
        if connection.features.has_select_for_update_of:
            rows = rows.select_for_update(of=("self",))  # not the message row
        else:
            rows = rows.select_for_update()
        attachment = rows.first()
        if attachment is None or attachment.fetch_status != FetchStatus.PENDING:
            return "skipped"  # another worker finished it first
        if error:
            attachment.fetch_status = FetchStatus.FAILED
            attachment.fetch_error = error[:255]
            attachment.save(update_fields=["fetch_status", "fetch_error"])
            log.warning("Attachment %s not fetched: %s", attachment_id, error)
            return "failed"
        if content_type and attachment.content_type in {"", "application/octet-stream"}:
            attachment.content_type = content_type[:255]
        attachment.size = size
        attachment.fetch_status = FetchStatus.STORED
        attachment.fetch_error = ""
        name = _filename(attachment, content_type)
        attachment.file.save(name, File(content, name=name), save=False)
        attachment.save()
        return "stored"
