"""Information requests: an agent asks the claimant for documents or facts; the claimant answers on the public
status page; one reminder goes out before the due date; unanswered past the grace period, the claim closes."""

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from claims.models import Claim, InformationRequest
from claims.workflow import S, claim_lock, claim_move_locked, status_url
from core.exceptions import ApplicationError
from core.validators import contains_rrn, reject_rrn_in, rrn_message
from notifications.services import notify

QUESTION_MAX = 5000
ANSWER_MAX = 10_000
MAX_DAYS_AHEAD = 60


def grace_days() -> int:
    redress: dict[str, Any] = settings.REDRESS
    return int(redress.get("INFO_REQUEST_GRACE_DAYS", 3))


def remind_days_before() -> int:
    redress: dict[str, Any] = settings.REDRESS
    return int(redress.get("INFO_REQUEST_REMIND_DAYS_BEFORE", 1))


def _today() -> date:
    return timezone.localdate()


@transaction.atomic
def information_request_create(*, claim: Claim, question: str, due_date: date, actor: Any) -> InformationRequest:
    """Ask the claimant; the claim moves to awaiting_claimant and the SLA clock pauses."""
    if actor is None or not actor.has_perm("claims.add_informationrequest"):
        raise ApplicationError("보완 요청을 할 권한이 없습니다.", status_code=403)
    question = (question or "").strip()
    errors: dict[str, list[str]] = {}
    if not question:
        errors["question"] = ["요청할 내용을 적어 주세요."]
    elif len(question) > QUESTION_MAX:
        errors["question"] = [f"{QUESTION_MAX}자 이내로 적어 주세요."]
    elif contains_rrn(question):
        errors["question"] = [rrn_message("보완 요청 내용")]
    today = _today()
    if not isinstance(due_date, date) or due_date <= today:
        errors["due_date"] = ["제출 기한은 내일 이후여야 합니다."]
    elif due_date > today + timedelta(days=MAX_DAYS_AHEAD):
        errors["due_date"] = [f"제출 기한은 {MAX_DAYS_AHEAD}일 이내로 정해 주세요."]
    if errors:
        raise ValidationError(errors)

    locked = claim_lock(claim_id=claim.pk)
    if locked.status == S.AWAITING_CLAIMANT:
        raise ApplicationError("이미 신고인의 보완 답변을 기다리고 있습니다.")
    request = InformationRequest(claim=locked, question=question, due_date=due_date, requested_by=actor)
    request.full_clean()
    request.save()
    # A refused move raises here and takes the request with it (one transaction).
    claim_move_locked(
        claim=locked,
        to=S.AWAITING_CLAIMANT,
        actor=actor,
        reason=question,
        data={"information_request": request.pk, "due_date": due_date.isoformat()},
    )
    notify(
        event="info_requested",
        key=f"inforeq:{request.pk}:requested",
        context={
            "reference": locked.reference,
            "name": locked.claimant.name,
            "request_text": question,
            "due_date": due_date,
            "status_url": status_url(),
        },
        claimant=locked.claimant,
        claim=locked,
    )
    claim.status = locked.status
    return request


def information_request_open_for(*, claim: Claim) -> InformationRequest | None:
    return InformationRequest.objects.filter(claim=claim, status=InformationRequest.Status.OPEN).first()


@transaction.atomic
def information_request_answer(
    *, claim: Claim, answer_text: str, evidence: list[UploadedFile] | tuple = ()
) -> InformationRequest:
    """The claimant's answer from the public status page: stored with its files, the claim goes back to review
    and its agent (or the team supervisor) is told."""
    from claims.services import evidence_attach, evidence_validate

    answer_text = (answer_text or "").strip()
    files = evidence_validate(files=evidence)
    if not answer_text and not files:
        raise ValidationError({"answer_text": ["답변 내용을 적거나 파일을 올려 주세요."]})
    if len(answer_text) > ANSWER_MAX:
        raise ValidationError({"answer_text": [f"{ANSWER_MAX}자 이내로 적어 주세요."]})
    reject_rrn_in(field="answer_text", label="보완 요청 답변", value=answer_text)
    locked = claim_lock(claim_id=claim.pk)
    request = (
        InformationRequest.objects.select_for_update()
        .filter(claim=locked, status=InformationRequest.Status.OPEN)
        .first()
    )
    if request is None:
        raise ApplicationError("답변할 보완 요청이 없습니다.")
    request.answer_text = answer_text
    request.answered_at = timezone.now()
    request.status = InformationRequest.Status.ANSWERED
    request.save(update_fields=["answer_text", "answered_at", "status", "updated_at"])
    evidence_attach(claim=locked, files=files, information_request=request)
    claim_move_locked(
        claim=locked,
        to=S.IN_REVIEW,
        actor=None,
        reason="신고인이 보완 요청에 답변했습니다.",
        data={"information_request": request.pk, "files": len(files)},
    )
    recipient = locked.assigned_to or (locked.team.supervisor if locked.team is not None else None)
    if recipient is not None:
        notify(
            event="agent_claim_updated",
            key=f"inforeq:{request.pk}:answered",
            context={"reference": locked.reference, "message": "신고인이 보완 요청에 답변했습니다."},
            user=recipient,
            claim=locked,
        )
    return request


@transaction.atomic
def information_request_remind(*, request_id: int, today: date | None = None) -> bool:
    """Send the one reminder for an open request due soon. Safe to run twice: the second run sends nothing."""
    today = today or _today()
    request = InformationRequest.objects.select_for_update().select_related("claim__claimant").get(pk=request_id)
    if request.status != InformationRequest.Status.OPEN or request.reminder_sent_at is not None:
        return False
    if not (today <= request.due_date <= today + timedelta(days=remind_days_before())):
        return False
    claim = request.claim
    notify(
        event="info_request_reminder",
        key=f"inforeq:{request.pk}:reminder",
        context={
            "reference": claim.reference,
            "name": claim.claimant.name,
            "due_date": request.due_date,
            "status_url": status_url(),
        },
        claimant=claim.claimant,
        claim=claim,
    )
    request.reminder_sent_at = timezone.now()
    request.save(update_fields=["reminder_sent_at", "updated_at"])
    return True


@transaction.atomic
def information_request_expire(*, request_id: int, today: date | None = None) -> bool:
    """Close the claim of a request left unanswered past due date + grace. Safe to run twice."""
    today = today or _today()
    claim_id = InformationRequest.objects.filter(pk=request_id).values_list("claim_id", flat=True).first()
    if claim_id is None:
        return False
    # Same lock order as the answer path (claim, then request), so an answer and the expiry never deadlock.
    locked = claim_lock(claim_id=claim_id)
    request = InformationRequest.objects.select_for_update().get(pk=request_id)
    if request.status != InformationRequest.Status.OPEN or request.due_date + timedelta(days=grace_days()) >= today:
        return False
    request.status = InformationRequest.Status.EXPIRED
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "closed_at", "updated_at"])
    claim_move_locked(
        claim=locked,
        to=S.CLOSED,
        actor=None,
        reason=f"요청드린 보완 자료가 제출 기한({request.due_date:%Y-%m-%d})까지 도착하지 않아 신고를 종결합니다. "
        "다시 신고하시려면 새로 접수해 주세요.",
        data={"information_request": request.pk},
    )
    return True


def information_requests_remind_due(*, today: date | None = None, limit: int = 1000) -> int:
    """Beat job body: one reminder per open request due within the reminder window (bounded batch)."""
    today = today or _today()
    ids = list(
        InformationRequest.objects.filter(
            status=InformationRequest.Status.OPEN,
            reminder_sent_at__isnull=True,
            due_date__gte=today,
            due_date__lte=today + timedelta(days=remind_days_before()),
        )
        .order_by("due_date", "id")
        .values_list("id", flat=True)[:limit]
    )
    return sum(information_request_remind(request_id=pk, today=today) for pk in ids)


def information_requests_expire_due(*, today: date | None = None, limit: int = 1000) -> int:
    """Beat job body: expire open requests past due date + grace (bounded batch; the next run takes the rest)."""
    today = today or _today()
    ids = list(
        InformationRequest.objects.filter(
            status=InformationRequest.Status.OPEN, due_date__lt=today - timedelta(days=grace_days())
        )
        .order_by("due_date", "id")
        .values_list("id", flat=True)[:limit]
    )
    return sum(information_request_expire(request_id=pk, today=today) for pk in ids)
