"""Writes that apply an adopted policy version to claims: one claim, or a bulk run over a frozen selection."""

from collections import defaultdict
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from compensation.engine import (
    EXCLUDED_CATEGORIES,
    EXCLUDED_STATUSES,
    OUT_OF_SCOPE_STATUSES,
    ClaimFacts,
    CompiledVersion,
    apply_claimant_cap,
    claim_facts,
    compile_version,
    evaluate,
    explain,
)
from compensation.models import Assessment, AssessmentRun, CompensationEvent, PolicyVersion, RemedyType
from compensation.services.policy import require_perm
from core.exceptions import ApplicationError

RUN_CHUNK = 500


def _require_adopted(version: PolicyVersion) -> None:
    if version.status != PolicyVersion.Status.ADOPTED:
        raise ApplicationError("채택된 판으로만 산정할 수 있습니다. 초안은 시뮬레이터로 확인하세요.")


def _claims_mark_assessed(*, claim_ids: list[int], version: PolicyVersion) -> None:
    """The single call site that moves newly assessed claims to `assessed` through the claims workflow.

    The workflow only allows in_review → assessed, so a received claim passes through in_review. Claims in other
    states (awaiting the claimant, answered, transferred, already assessed) keep theirs. The move is made as
    the system (actor None): reviewers do not hold claims.change_claim; who assessed is in our own audit rows."""
    from claims.models import Claim
    from claims.workflow import claim_transition

    reason = f"보상 산정 ({version})"
    movable = (Claim.Status.RECEIVED, Claim.Status.IN_REVIEW)
    for claim in Claim.objects.filter(pk__in=claim_ids, status__in=movable).order_by("id"):
        if claim.status == Claim.Status.RECEIVED:
            claim_transition(claim=claim, to=Claim.Status.IN_REVIEW, actor=None, reason=reason)
        claim_transition(claim=claim, to=Claim.Status.ASSESSED, actor=None, reason=reason)


def _build(
    *, facts: ClaimFacts, compiled: CompiledVersion, version: PolicyVersion, earlier_sum: int, run: Any
) -> Assessment | None:
    outcome = evaluate(facts, compiled)
    if outcome is None:
        return None
    paid = outcome.amount
    capped = False
    if outcome.is_cash:
        paid, capped = apply_claimant_cap(amount=outcome.amount, earlier_sum=earlier_sum, compiled=compiled)
    rule = outcome.rule
    inputs = {
        "claim": facts.as_inputs(),
        "rule": {"id": rule.pk, "priority": rule.priority, "name": rule.name} if rule else None,
        "service": _service_inputs(compiled, facts.service_id),
        "base_amount": outcome.base_amount,
        "factor": str(rule.factor(facts.service_id)) if rule else "1",
        "cap_per_claim": compiled.cap_per_claim,
        "cap_per_claimant": compiled.cap_per_claimant,
        "minimum": compiled.minimum,
        "claimant_earlier_sum": earlier_sum,
        "claimant_cap_applied": capped,
    }
    return Assessment(
        claim_id=facts.id,
        version=version,
        rule_id=rule.pk if rule else None,
        run=run,
        claimant_key=facts.claimant_key,
        inputs=inputs,
        remedy=outcome.remedy,
        tier=outcome.tier,
        amount_won=paid,
        amount_before_claimant_cap_won=outcome.amount,
        book_value_won=outcome.book_value,
        in_kind_item=outcome.in_kind_item,
        credit_days=outcome.credit_days,
        explanation=explain(facts, outcome, compiled, paid=paid),
        state=(
            Assessment.State.INDIVIDUAL_REVIEW
            if outcome.remedy == RemedyType.INDIVIDUAL_REVIEW
            else Assessment.State.PENDING
        ),
    )


def _service_inputs(compiled: CompiledVersion, service_id: int) -> dict[str, Any] | None:
    service = compiled.services.get(service_id)
    if service is None:
        return None
    return {
        "id": service.id,
        "name": service.name,
        "outage_hours": str(service.outage_hours) if service.outage_hours is not None else None,
        "outage_days": service.outage_days,
        "monthly_fee_won": service.monthly_fee_won,
    }


def _assess_batch(
    *, version: PolicyVersion, compiled: CompiledVersion, claim_ids: list[int], actor: Any, run: Any
) -> tuple[int, int]:
    """Assess claims (in id order) not yet assessed under `version`. Returns (created, skipped)."""
    existing = set(
        Assessment.objects.filter(version=version, claim_id__in=claim_ids).values_list("claim_id", flat=True)
    )
    todo = [claim_id for claim_id in claim_ids if claim_id not in existing]
    facts = list(claim_facts(incident_id=compiled.incident_id, claim_ids=todo, with_evidence=compiled.uses_evidence))
    # The per-claimant cap counts what earlier claims (lower id) of the same claimant were assessed at.
    prior: dict[str, list[tuple[int, int]]] = defaultdict(list)
    if compiled.cap_per_claimant is not None and facts:
        rows = Assessment.objects.filter(
            version=version, claimant_key__in={f.claimant_key for f in facts}, claim_id__lt=facts[-1].id
        ).values_list("claimant_key", "claim_id", "amount_before_claimant_cap_won")
        for key, claim_id, amount in rows:
            prior[key].append((claim_id, amount))
    built = []
    for fact in facts:
        earlier = sum(amount for claim_id, amount in prior[fact.claimant_key] if claim_id < fact.id)
        assessment = _build(facts=fact, compiled=compiled, version=version, earlier_sum=earlier, run=run)
        if assessment is None:
            continue
        prior[fact.claimant_key].append((fact.id, assessment.amount_before_claimant_cap_won))
        built.append(assessment)
    created = Assessment.objects.bulk_create(built)
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    CompensationEvent.objects.bulk_create(
        CompensationEvent(
            type="assessment_created",
            actor_id=actor_id,
            assessment=a,
            payload={"remedy": a.remedy, "amount": a.amount_won, "rule": a.rule_id, "run": run.pk if run else None},
        )
        for a in created
    )
    assessed_ids = [a.claim_id for a in created]
    _supersede_open(version=version, claim_ids=assessed_ids, actor_id=actor_id)
    _claims_mark_assessed(claim_ids=assessed_ids, version=version)
    return len(created), len(claim_ids) - len(created)


def _supersede_open(*, version: PolicyVersion, claim_ids: list[int], actor_id: int | None) -> None:
    """Undecided assessments of the same claims under earlier versions of the policy give way to the new one."""
    older = list(
        Assessment.objects.select_for_update()
        .filter(claim_id__in=claim_ids, version__policy_id=version.policy_id, state__in=Assessment.OPEN_STATES)
        .exclude(version=version)
    )
    for assessment in older:
        CompensationEvent.objects.create(
            type="assessment_state",
            actor_id=actor_id,
            assessment=assessment,
            payload={"from_state": assessment.state, "to_state": Assessment.State.SUPERSEDED, "by_version": version.pk},
        )
        assessment.state = Assessment.State.SUPERSEDED
        assessment.save(update_fields=["state", "updated_at"])


@transaction.atomic
def claim_assess(*, claim: Any, version: PolicyVersion, actor: Any) -> Assessment | None:
    """Assess one claim under an adopted version. Returns the (possibly existing) assessment, or None if the
    claim is out of scope (withdrawn, merged…, or excluded with no rule for it)."""
    if actor is not None and not (
        actor.has_perm("compensation.add_assessmentrun") or actor.has_perm("compensation.decide_assessment")
    ):
        raise PermissionDenied
    _require_adopted(version)
    existing = Assessment.objects.filter(claim=claim, version=version).first()
    if existing is not None:
        return existing
    compiled = compile_version(version)
    _assess_batch(version=version, compiled=compiled, claim_ids=[claim.pk], actor=actor, run=None)
    return Assessment.objects.filter(claim=claim, version=version).first()


def eligible_claim_ids(*, version: PolicyVersion) -> list[int]:
    """The frozen selection of a bulk run: in-scope claims of the incident, in id order, without those already
    assessed under this version or decided under an earlier version of the policy. Transferred/non-monetary
    claims only if some rule of the version may match them."""
    from claims.models import Claim

    queryset = Claim.objects.filter(incident_id=version.policy.incident_id).exclude(status__in=OUT_OF_SCOPE_STATUSES)
    if not version.rules.filter(include_excluded=True).exists():
        queryset = queryset.exclude(status__in=EXCLUDED_STATUSES).exclude(category__in=EXCLUDED_CATEGORIES)
    already = Assessment.objects.filter(claim_id=OuterRef("pk"), version=version)
    decided = Assessment.objects.filter(
        claim_id=OuterRef("pk"), version__policy_id=version.policy_id, state__in=Assessment.DECIDED_STATES
    )
    queryset = queryset.exclude(Exists(already)).exclude(Exists(decided))
    return list(queryset.order_by("id").values_list("id", flat=True))


def assessment_run_start(*, version: PolicyVersion, actor: Any) -> AssessmentRun:
    """Freeze the selection and queue the Celery job (after commit). Progress is on the run row."""
    require_perm(actor, "compensation.add_assessmentrun")
    _require_adopted(version)
    from compensation.tasks import assessment_run_process_task

    with transaction.atomic():
        ids = eligible_claim_ids(version=version)
        run = AssessmentRun.objects.create(
            version=version,
            claim_ids=ids,
            total=len(ids),
            started_by=actor if getattr(actor, "pk", None) else None,
        )
        CompensationEvent.objects.create(
            type="run_started", actor=run.started_by, version=version, payload={"run": run.pk, "total": run.total}
        )
        transaction.on_commit(lambda: assessment_run_process_task.delay(run_id=run.pk))
    return run


def assessment_run_process(*, run_id: int, chunk_size: int = RUN_CHUNK) -> AssessmentRun:
    """Work through a run chunk by chunk, each in its own transaction under a lock on the run row.

    Safe to run twice or concurrently: the lock serialises chunks, `processed` says where to resume, and a claim
    already assessed under the version is skipped."""
    run = AssessmentRun.objects.select_related("version__policy").get(pk=run_id)
    if run.status == AssessmentRun.Status.DONE:
        return run
    AssessmentRun.objects.filter(pk=run_id).exclude(status=AssessmentRun.Status.DONE).update(
        status=AssessmentRun.Status.RUNNING, error=""
    )
    compiled = compile_version(run.version)
    claim_ids: list[int] = run.claim_ids
    while True:
        with transaction.atomic():
            locked = AssessmentRun.objects.select_for_update().only("processed", "status", "total").get(pk=run_id)
            if locked.processed >= locked.total:
                if locked.status != AssessmentRun.Status.DONE:
                    locked.status = AssessmentRun.Status.DONE
                    locked.finished_at = timezone.now()
                    locked.save(update_fields=["status", "finished_at", "updated_at"])
                    CompensationEvent.objects.create(
                        type="run_finished", version=run.version, payload={"run": run_id, "total": locked.total}
                    )
                break
            chunk = claim_ids[locked.processed : locked.processed + chunk_size]
            created, skipped = _assess_batch(
                version=run.version, compiled=compiled, claim_ids=chunk, actor=run.started_by, run=run
            )
            AssessmentRun.objects.filter(pk=run_id).update(
                processed=locked.processed + len(chunk),
                created_count=F("created_count") + created,
                skipped_count=F("skipped_count") + skipped,
                updated_at=timezone.now(),
            )
    run.refresh_from_db()
    return run


def assessment_run_fail(*, run_id: int, error: str) -> None:
    """The last failure of the task: recorded on the run and audited; a new start continues where it stopped."""
    with transaction.atomic():
        updated = AssessmentRun.objects.filter(pk=run_id).exclude(status=AssessmentRun.Status.DONE)
        if updated.update(status=AssessmentRun.Status.FAILED, error=error[:2000]):
            run = AssessmentRun.objects.get(pk=run_id)
            CompensationEvent.objects.create(
                type="run_failed", version_id=run.version_id, payload={"run": run_id, "error": error[:500]}
            )


def assessment_run_resume(*, run: AssessmentRun, actor: Any) -> AssessmentRun:
    require_perm(actor, "compensation.add_assessmentrun")
    if run.status == AssessmentRun.Status.DONE:
        return run
    from compensation.tasks import assessment_run_process_task

    transaction.on_commit(lambda: assessment_run_process_task.delay(run_id=run.pk))
    return run


__all__ = [
    "assessment_run_fail",
    "assessment_run_process",
    "assessment_run_resume",
    "assessment_run_start",
    "claim_assess",
    "eligible_claim_ids",
]
