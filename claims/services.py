"""Writes for claims intake. Every channel (API, public form, import, admin) ends up here."""

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from claims.casework.assignment import claim_route_on_intake
from claims.events import claims_contact_corrected_events
from claims.intake import claim_text_clean, claimant_clean, contact_preferences_clean
from claims.models import Claim, Claimant, ClaimEvidence, Incident, InformationRequest, Service
from claims.triage import triage
from core.exceptions import ApplicationError
from core.validators import reject_rrn_in, reject_rrn_in_upload
from notifications.services import notify

EVIDENCE_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def incident_reserve_references(*, incident_id: int, count: int) -> list[str]:
    """Reserve `count` consecutive references (`PGY-2022-0104231`): one UPDATE … RETURNING, whose row lock lasts
    only as long as the caller's transaction (an import reserves outside its chunks' transactions)."""
    table = Incident._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET next_reference_no = next_reference_no + %s WHERE id = %s"
            " RETURNING reference_prefix, next_reference_no",
            [count, incident_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Incident.DoesNotExist(f"incident {incident_id}")
    prefix, after = row
    return [f"{prefix}-{number:07d}" for number in range(after - count, after)]


def claim_find_probable_duplicate(*, incident_id: int, service_id: int, phone: str, business_no: str) -> Claim | None:
    """The earliest claim on the same service of the same incident from the same phone or business."""
    match = Q(claimant__phone=phone)
    if business_no:
        match |= Q(claimant__business_no=business_no)
    return (
        Claim.objects.filter(match, incident_id=incident_id, service_id=service_id, duplicate_of__isnull=True)
        .order_by("id")
        .only("id", "reference")
        .first()
    )


def evidence_validate(*, files: Iterable[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    """Check count, size and real type (from the bytes, not the name). Returns (file, mime) pairs."""
    files = list(files)
    limits: dict[str, Any] = settings.REDRESS
    if len(files) > limits["EVIDENCE_MAX_FILES"]:
        raise ValidationError({"evidence": [f"증빙 파일은 {limits['EVIDENCE_MAX_FILES']}개까지 올릴 수 있습니다."]})
    checked = []
    for upload in files:
        if upload.size is not None and upload.size > limits["EVIDENCE_MAX_BYTES"]:
            raise ValidationError({"evidence": [f"{upload.name}: 파일 하나는 10MB 이하여야 합니다."]})
        head = upload.read(2048)
        upload.seek(0)
        kind = filetype.guess(head)
        if kind is None or kind.mime not in EVIDENCE_TYPES:
            raise ValidationError({"evidence": [f"{upload.name}: PDF, JPEG, PNG 파일만 올릴 수 있습니다."]})
        reject_rrn_in_upload(upload, field="evidence")
        checked.append((upload, kind.mime))
    return checked


def evidence_attach(
    *, claim: Claim, files: list[tuple[UploadedFile, str]], information_request: InformationRequest | None = None
) -> None:
    """Store checked files on a claim (at intake, or as the answer to an information request)."""
    for upload, mime in files:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        evidence = ClaimEvidence(
            claim=claim,
            original_name=(upload.name or "evidence")[:255],
            content_type=mime,
            size=upload.size or 0,
            sha256=digest.hexdigest(),
            information_request=information_request,
        )
        evidence.file.save(f"{claim.reference}.{EVIDENCE_TYPES[mime]}", upload, save=False)
        evidence.save()


def claim_submit(
    *,
    incident: Incident,
    service: Service,
    claimant: dict[str, Any],
    paid: bool,
    claimed_amount: Any,
    description: Any,
    channel: str,
    consent_privacy: bool,
    consent_share_contact: bool = False,
    received_at: datetime | None = None,
    submission_id: str | None = None,
    submitted_from: str = "",
    evidence: Iterable[UploadedFile] = (),
    preferred_channel: str | None = None,
    opted_out_optional: bool = False,
) -> tuple[Claim, bool]:
    """File one claim: clean, triage, flag a probable duplicate, store, and tell the claimant.

    `preferred_channel` (알림톡 when not given) and `opted_out_optional` are stored on the claimant; errors
    about them are keyed `claimant.<field>` like the other claimant fields.
    `submitted_from` is the keyed hash of the client address (core.clientip), never the address; empty for
    rows without one (imports). Returns (claim, created). A repeated `submission_id` returns the first claim and
    created=False.
    """
    if submission_id:
        existing = Claim.objects.filter(incident=incident, submission_id=submission_id).first()
        if existing is not None:
            return existing, False

    errors: dict[str, Any] = {}
    if not consent_privacy:
        errors["consent_privacy"] = ["개인정보 수집·이용에 동의해야 접수할 수 있습니다."]
    if service.incident_id != incident.pk:
        errors["service"] = ["이 장애의 서비스가 아닙니다."]
    if not incident.is_open:
        errors["incident"] = ["접수가 마감된 장애입니다."]
    cleaned_claimant: dict[str, Any] = {}
    cleaned_text: dict[str, Any] = {}
    try:
        cleaned_claimant = claimant_clean(**claimant)
    except ValidationError as exc:
        errors.update({f"claimant.{field}": messages for field, messages in exc.message_dict.items()})
    try:
        cleaned_claimant.update(
            contact_preferences_clean(
                preferred_channel=preferred_channel,
                opted_out_optional=opted_out_optional,
                email=cleaned_claimant.get("email", claimant.get("email") or ""),
            )
        )
    except ValidationError as exc:
        errors.update({f"claimant.{field}": messages for field, messages in exc.message_dict.items()})
    try:
        cleaned_text = claim_text_clean(description=description, claimed_amount=claimed_amount)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    checked_files: list[tuple[UploadedFile, str]] = []
    try:
        checked_files = evidence_validate(files=evidence)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

    decision = triage(
        service_affiliate_id=service.affiliate_id,
        paid=paid,
        claimed_amount=cleaned_text["claimed_amount"],
        description=cleaned_text["description"],
    )
    # Reserved in its own short transaction so the incident row is not locked while files are written;
    # a failed submission leaves a gap in the numbering, never a reused reference.
    reference = incident_reserve_references(incident_id=incident.pk, count=1)[0]
    try:
        with transaction.atomic():
            person = Claimant.objects.create(**cleaned_claimant)
            claim = Claim.objects.create(
                reference=reference,
                incident=incident,
                service=service,
                claimant=person,
                claimant_kind=person.kind,
                paid=paid,
                claimed_amount=cleaned_text["claimed_amount"],
                description=cleaned_text["description"],
                channel=channel,
                received_at=received_at or timezone.now(),
                consent_privacy=consent_privacy,
                consent_share_contact=consent_share_contact,
                operator=decision.operator,
                affiliate_id=decision.affiliate_id,
                category=decision.category,
                subtype=decision.subtype,
                triage_rule=decision.rule,
                duplicate_of=claim_find_probable_duplicate(
                    incident_id=incident.pk,
                    service_id=service.pk,
                    phone=person.phone,
                    business_no=person.business_no,
                ),
                submission_id=submission_id or None,
                submitted_from=submitted_from,
            )
            evidence_attach(claim=claim, files=checked_files)
            claim_route_on_intake(claim=claim)
            claim_received_notify(claim=claim)
    except IntegrityError:
        # Two concurrent requests with one submission_id: the loser returns the winner's claim.
        if submission_id:
            existing = Claim.objects.filter(incident=incident, submission_id=submission_id).first()
            if existing is not None:
                return existing, False
        raise
    return claim, True


def claim_received_notify(*, claim: Claim) -> None:
    notify(
        event="claim_received",
        claimant=claim.claimant,
        key=f"claim:{claim.pk}:received",
        context={
            "reference": claim.reference,
            "name": claim.claimant.name,
            "service": claim.service.name,
            "status_url": f"{settings.REDRESS['PUBLIC_BASE_URL']}/claims/status/",
        },
        claim=claim,
    )


def claim_set_subtype(*, claim: Claim, subtype: str, actor: Any) -> Claim:
    """An agent corrects the guessed subtype of a non-monetary report."""
    if claim.category != Claim.Category.NON_MONETARY:
        raise ValidationError({"subtype": ["비금전 신고에만 세부유형이 있습니다."]})
    if subtype not in Claim.Subtype.values:
        raise ValidationError({"subtype": ["알 수 없는 세부유형입니다."]})
    claim.subtype = subtype
    claim.save(update_fields=["subtype", "updated_at"])
    return claim


# The claimant fields an agent may correct after intake. Not kind: each claim keeps a copy of it (claimant_kind)
# for filters and statistics, and a correction here would leave those copies wrong.
CLAIMANT_CONTACT_FIELDS = ("name", "email", "phone", "business_no", "preferred_channel", "opted_out_optional")


def claimant_contact_clean(*, claimant: Claimant, changes: dict[str, Any]) -> dict[str, Any]:
    """The claimant's contact details with `changes` applied, cleaned by the same functions as intake, so a
    correction is refused exactly where the public form would refuse it. Errors are keyed by field."""
    unknown = set(changes) - set(CLAIMANT_CONTACT_FIELDS)
    if unknown:
        raise ValidationError(f"정정할 수 없는 항목입니다: {', '.join(sorted(unknown))}")
    merged = {name: changes.get(name, getattr(claimant, name)) for name in CLAIMANT_CONTACT_FIELDS}
    errors: dict[str, list[str]] = {}
    contact: dict[str, Any] = {}
    try:
        contact = claimant_clean(
            kind=claimant.kind,
            name=merged["name"],
            email=merged["email"],
            phone=merged["phone"],
            business_no=merged["business_no"],
        )
        contact.pop("kind")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        contact.update(
            contact_preferences_clean(
                preferred_channel=merged["preferred_channel"],
                opted_out_optional=merged["opted_out_optional"],
                email=merged["email"],
            )
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return contact


@transaction.atomic
def claimant_update_contact(*, claimant: Claimant, actor: Any, changes: dict[str, Any], reason: str) -> Claimant:
    """An agent corrects a claimant's contact details after intake (a mistyped phone, a new notice channel).

    Writes only the fields that really change, and one history row on each of the claimant's claims naming
    the changed fields and the reason; the personal values themselves stay out of the history."""
    claimant = Claimant.objects.select_for_update().get(pk=claimant.pk)
    if actor is None or not actor.has_perm("claims.change_claimant"):
        raise ApplicationError("신고인 연락처를 정정할 권한이 없습니다.", status_code=403)
    if claimant.anonymised_at is not None:
        raise ApplicationError("개인정보가 파기된 신고인은 정정할 수 없습니다.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["정정 사유를 입력해 주세요."]})
    reject_rrn_in(field="reason", label="사유", value=reason)

    clean = claimant_contact_clean(claimant=claimant, changes=changes)
    changed = [name for name in CLAIMANT_CONTACT_FIELDS if name in changes and clean[name] != getattr(claimant, name)]
    if not changed:
        return claimant
    for name in changed:
        setattr(claimant, name, clean[name])
    claimant.full_clean()
    claimant.save(update_fields=[*changed, "updated_at"])
    claims_contact_corrected_events(claims=claimant.claims.all(), actor=actor, fields=changed, reason=reason)
    return claimant
