"""Public pages for claimants: the claim form and the status lookup."""

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from claims import selectors, services
from claims.casework.public import status_page_context
from claims.challenge import challenge_add, claim_form_challenge_required
from claims.forms import ClaimForm, ClaimStatusForm
from claims.models import Claim, ClaimEvidence
from core.clientip import client_address_hash
from core.ratelimit import throttle_posts
from payouts.selectors import claim_awaits_bank_account
from privacy.models import PersonalDataAccess
from privacy.services import access_record

# Service errors about the claimant arrive as {"claimant": {"phone": [...]}}; the form's fields are flat.
_FORM_FIELDS = set(ClaimForm.base_fields)


def _add_service_errors(form: ClaimForm, errors: dict) -> None:
    for key, messages in errors.items():
        field = key.rpartition(".")[2]
        form.add_error(field if field in _FORM_FIELDS else None, messages)


@require_http_methods(["GET", "POST"])
def claim_new(request: HttpRequest) -> HttpResponse:
    incident = selectors.incident_get_default()
    if incident is None:
        return render(request, "claims/closed.html", status=503)
    form = ClaimForm(request.POST or None, request.FILES or None, incident=incident)
    if claim_form_challenge_required(request=request):
        challenge_add(form)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            claim, _ = services.claim_submit(
                incident=incident,
                service=data["service"],
                claimant={k: data[k] for k in ("kind", "name", "email", "phone", "business_no")},
                paid=data["paid"],
                claimed_amount=data["claimed_amount"],
                description=data["description"],
                channel=Claim.Channel.WEB,
                submitted_from=client_address_hash(request),
                consent_privacy=data["consent_privacy"],
                consent_share_contact=data["consent_share_contact"],
                evidence=data["evidence"],
                preferred_channel=data["preferred_channel"],
                opted_out_optional=data["opted_out_optional"],
            )
        except ValidationError as exc:
            _add_service_errors(form, exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages})
        else:
            request.session["last_claim_reference"] = claim.reference
            return redirect("claims:submitted")
    return render(request, "claims/new.html", {"form": form, "incident": incident})


def claim_submitted(request: HttpRequest) -> HttpResponse:
    reference = request.session.get("last_claim_reference")
    if not reference:
        return redirect("claims:new")
    return render(request, "claims/submitted.html", {"reference": reference})


@require_http_methods(["GET", "POST"])
@throttle_posts("claim_status")
def claim_status(request: HttpRequest) -> HttpResponse:
    form = ClaimStatusForm(request.POST or None)
    claim = None
    not_found = False
    if request.method == "POST" and form.is_valid():
        claim = selectors.claim_public_status(
            reference=form.cleaned_data["reference"], phone_last4=form.cleaned_data["phone_last4"]
        )
        not_found = claim is None
    context = {"form": form, "claim": claim, "not_found": not_found}
    if claim is not None:
        context.update(status_page_context(request=request, claim=claim))
        context["awaits_bank_account"] = claim_awaits_bank_account(claim_id=claim.pk, claimant_id=claim.claimant_id)
    return render(request, "claims/status.html", context)


@permission_required("claims.view_claimevidence", raise_exception=True)
def evidence_download(request: HttpRequest, evidence_id: int) -> HttpResponse | FileResponse:
    """Evidence is only ever served as an attachment, to staff allowed to see it."""
    evidence = ClaimEvidence.objects.select_related("claim").filter(pk=evidence_id).first()
    if evidence is None or not evidence.file:
        raise Http404
    reason = (request.GET.get("reason") or "").strip()
    if not reason:
        # PIPA access records keep the reason for every download of personal data.
        return render(request, "claims/download_reason.html", {"evidence": evidence})
    access_record(
        request=request,
        action=PersonalDataAccess.Action.DOWNLOAD,
        claimant_ids=[evidence.claim.claimant_id],
        reason=reason,
    )
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
