from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from accounts.decorators import nav_section, require_perm
from accounts.permissions import Perm
from accounts.privacy import contact_details_masked
from interactions.masking import mask_previews
from interactions.models import Contact, ContactIdentity
from interactions.normalize import InvalidIdentity, normalize_email, normalize_phone
from interactions.selectors import PAGE_SIZE, access_contact, contact_threads, contacts_page
from interactions.services.contacts import contact_merge as contact_merge_service


def _offset(request) -> int:
    try:
        return max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        return 0


@login_required
@nav_section("contacts")
def contact_list(request):
    query = request.GET.get("q", "").strip()[:100]
    offset = _offset(request)
    rows = contacts_page(query=query, offset=offset)
    return render(
        request,
        "interactions/contact_list.html",
        {
            "contacts": rows[:PAGE_SIZE],
            "query": query,
            "offset": offset,
            "next_offset": offset + PAGE_SIZE if len(rows) > PAGE_SIZE else None,
            "prev_offset": max(0, offset - PAGE_SIZE) if offset else None,
        },
    )


@login_required
@nav_section("contacts")
def contact_detail(request, contact_id: int):
    contact = access_contact(contact_id)
    threads = contact_threads(user=request.user, contact=contact)
    identities = list(contact.identities.all())
    if contact_details_masked(request.user):
        mask_previews(threads, identities)
    return render(
        request,
        "interactions/contact_detail.html",
        {"contact": contact, "threads": threads, "identities": identities},
    )


def _find_contact(query: str):
    """A live contact by #id, email address or phone number; None if nothing matches."""
    query = query.strip().lstrip("#")
    if query.isdecimal():
        contact = Contact.objects.filter(pk=int(query)).first()
    else:
        identity = None
        for kind, normalize in (("email", normalize_email), ("phone", normalize_phone)):
            try:
                value = normalize(query)
            except InvalidIdentity:
                continue
            identity = (
                ContactIdentity.objects.select_related("contact")
                .filter(kind__in=[kind, "whatsapp"] if kind == "phone" else [kind], value=value)
                .first()
            )
            if identity:
                break
        contact = identity.contact if identity else None
    while contact is not None and contact.merged_into_id:
        contact = contact.merged_into
    return contact


@require_perm(Perm.MERGE_CONTACTS)
@nav_section("contacts")
def contact_merge(request, contact_id: int):
    """Merge this contact into another: a confirmation page, then the merge on POST."""
    source = access_contact(contact_id)
    query = (request.POST.get("into") or request.GET.get("into") or "").strip()[:255]
    target = _find_contact(query) if query else None
    error = ""
    if query and target is None:
        error = "No contact has that id, email address or phone number."
    elif target is not None and target.pk == source.pk:
        error = "That is this same contact."
        target = None
    if request.method == "POST" and target is not None and request.POST.get("confirm"):
        try:
            contact_merge_service(source=source, target=target, actor=request.user, request=request)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"{source} was merged into {target}.")
            return redirect("contact_detail", target.pk)
    return render(
        request,
        "interactions/contact_merge.html",
        {"source": source, "target": target, "query": query, "error": error},
    )
