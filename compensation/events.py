"""Audit-row writers. Services call them inside their own transaction; nothing else writes CompensationEvent."""

from typing import Any

from compensation.models import Assessment, CompensationEvent, Entitlement, PolicyVersion


def _event(
    type: str,
    *,
    actor: Any,
    version: PolicyVersion | None = None,
    assessment: Assessment | None = None,
    entitlement: Entitlement | None = None,
    **payload: Any,
) -> CompensationEvent:
    return CompensationEvent.objects.create(
        type=type,
        actor=actor if getattr(actor, "pk", None) else None,
        version=version,
        assessment=assessment,
        entitlement=entitlement,
        payload=payload,
    )


def version_created_event(*, version: PolicyVersion, actor: Any, copied_from: int | None) -> CompensationEvent:
    return _event("version_created", actor=actor, version=version, copied_from=copied_from)


def version_adopted_event(*, version: PolicyVersion, actor: Any, superseded: int | None) -> CompensationEvent:
    return _event(
        "version_adopted",
        actor=actor,
        version=version,
        resolution=version.adopted_by_id,
        label=version.adoption_label,
        effective_date=version.effective_date.isoformat() if version.effective_date else None,
        superseded=superseded,
    )


def version_superseded_event(*, version: PolicyVersion, actor: Any, by: PolicyVersion) -> CompensationEvent:
    return _event("version_superseded", actor=actor, version=version, by=by.pk)


def assessment_created_event(*, assessment: Assessment, actor: Any) -> CompensationEvent:
    return _event(
        "assessment_created",
        actor=actor,
        assessment=assessment,
        remedy=assessment.remedy,
        amount=assessment.amount_won,
        rule=assessment.rule_id,
        run=assessment.run_id,
    )


def assessment_state_event(
    *, assessment: Assessment, actor: Any, from_state: str, to_state: str, **detail: Any
) -> CompensationEvent:
    return _event(
        "assessment_state", actor=actor, assessment=assessment, from_state=from_state, to_state=to_state, **detail
    )


def assessment_checklist_event(*, assessment: Assessment, actor: Any, checklist: dict[str, bool]) -> CompensationEvent:
    return _event("assessment_checklist", actor=actor, assessment=assessment, checklist=checklist)


def appeal_lodged_event(*, assessment: Assessment, actor: Any, assigned_to: int | None) -> CompensationEvent:
    return _event("appeal_lodged", actor=actor, assessment=assessment, assigned_to=assigned_to)


def appeal_assigned_event(*, assessment: Assessment, actor: Any, assigned_to: int) -> CompensationEvent:
    return _event("appeal_assigned", actor=actor, assessment=assessment, assigned_to=assigned_to)


def appeal_decided_event(*, assessment: Assessment, actor: Any, outcome: str, amount: int | None) -> CompensationEvent:
    return _event("appeal_decided", actor=actor, assessment=assessment, outcome=outcome, amount=amount)


def entitlement_event(*, entitlement: Entitlement, actor: Any, action: str, **detail: Any) -> CompensationEvent:
    return _event(
        f"entitlement_{action}",
        actor=actor,
        assessment=entitlement.assessment,
        entitlement=entitlement,
        kind=entitlement.kind,
        amount=entitlement.amount_won,
        status=entitlement.status,
        **detail,
    )
