"""Writes for policies and their versions: drafting, rules, causation parameters and adoption."""

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from compensation import events
from compensation.models import FROZEN_MESSAGE, CausationParameter, Policy, PolicyVersion, Rule, RuleBand
from compensation.validation import RuleSpec, reachability_errors, remedy_errors, version_errors
from core.exceptions import ApplicationError

VERSION_FIELDS = (
    "title", "notes", "appeal_window_days", "cap_per_claim_won", "cap_per_claimant_won", "minimum_payment_won",
    "second_review_above_won",
)  # fmt: skip
RULE_COPY_FIELDS = [
    f.name for f in Rule._meta.concrete_fields if f.name not in ("id", "version", "created_at", "updated_at")
]


def require_perm(actor: Any, perm: str) -> None:
    """`actor=None` is the system (tasks, data migrations, the demo seed); a user must hold `perm`."""
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied


def version_ensure_draft(version: PolicyVersion) -> None:
    status = PolicyVersion.objects.filter(pk=version.pk).values_list("status", flat=True).first()
    if status != PolicyVersion.Status.DRAFT:
        raise ApplicationError(FROZEN_MESSAGE)


@transaction.atomic
def policy_create(*, incident: Any, code: str, name: str, actor: Any, description: str = "") -> Policy:
    require_perm(actor, "compensation.add_policy")
    policy = Policy(incident=incident, code=code, name=name, description=description)
    policy.full_clean()
    policy.save()
    return policy


@transaction.atomic
def policy_version_create(
    *, policy: Policy, actor: Any, copy_from: PolicyVersion | None = None, **fields: Any
) -> PolicyVersion:
    """A new draft numbered after the last; `copy_from` copies its settings, rules, bands and causation."""
    require_perm(actor, "compensation.add_policyversion")
    Policy.objects.select_for_update().filter(pk=policy.pk).first()
    number = (policy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    values = {name: getattr(copy_from, name) for name in VERSION_FIELDS} if copy_from else {}
    values.update({k: v for k, v in fields.items() if k in VERSION_FIELDS})
    if copy_from is not None and copy_from.policy_id != policy.pk:
        raise ValidationError({"copy_from": ["다른 보상 기준의 판은 복사할 수 없습니다."]})
    version = PolicyVersion(
        policy=policy, number=number, created_by=actor if getattr(actor, "pk", None) else None, **values
    )
    version.full_clean()
    version.save()
    if copy_from is not None:
        for rule in copy_from.rules.prefetch_related("bands", "match_services").order_by("priority"):
            copy = Rule(version=version, **{name: getattr(rule, name) for name in RULE_COPY_FIELDS})
            copy.save()
            copy.match_services.set(rule.match_services.all())
            RuleBand.objects.bulk_create(
                RuleBand(rule=copy, lower_won=b.lower_won, upper_won=b.upper_won, amount_won=b.amount_won)
                for b in rule.bands.all()
            )
        for param in copy_from.causation_parameters.all():
            param.pk = None
            param.id = None
            param.version = version
            param._state.adding = True
            param.save()
    events.version_created_event(version=version, actor=actor, copied_from=copy_from.pk if copy_from else None)
    return version


@transaction.atomic
def policy_version_update(*, version: PolicyVersion, actor: Any, **fields: Any) -> PolicyVersion:
    require_perm(actor, "compensation.change_policyversion")
    version_ensure_draft(version)
    changed = [name for name in VERSION_FIELDS if name in fields and getattr(version, name) != fields[name]]
    for name in changed:
        setattr(version, name, fields[name])
    if changed:
        version.full_clean()
        version.save(update_fields=[*changed, "updated_at"])
    return version


def rule_validate(
    *, rule: Rule, bands: list[tuple[int, int | None, int]], service_ids: set[int] | None
) -> dict[str, list[str]]:
    """Remedy values, bands, and reachability against the version's other rules. Field-keyed errors."""
    errors = remedy_errors(rule=rule, bands=bands)
    others = [
        RuleSpec.from_rule(other)
        for other in Rule.objects.filter(version_id=rule.version_id).prefetch_related("match_services")
        if other.pk != rule.pk
    ]
    reach = reachability_errors(rule=RuleSpec.from_rule(rule, service_ids=service_ids or set()), others=others)
    if reach:
        errors.setdefault("priority", []).extend(reach)
    return errors


@transaction.atomic
def rule_save(
    *,
    rule: Rule,
    actor: Any,
    bands: list[tuple[int, int | None, int]] | None = None,
    service_ids: set[int] | None = None,
) -> Rule:
    """Create or update a rule of a draft version with its bands and service list, after validation.

    `bands` None keeps the stored bands; `service_ids` None keeps the stored services (empty set = any)."""
    require_perm(actor, "compensation.change_rule" if rule.pk else "compensation.add_rule")
    version_ensure_draft(rule.version)
    if bands is None:
        bands = [(b.lower_won, b.upper_won, b.amount_won) for b in rule.bands.all()] if rule.pk else []
    if service_ids is None:
        service_ids = {s.pk for s in rule.match_services.all()} if rule.pk else set()
    errors = rule_validate(rule=rule, bands=bands, service_ids=service_ids)
    if errors:
        raise ValidationError(errors)
    rule.full_clean()
    rule.save()
    rule.match_services.set(service_ids)
    rule.bands.all().delete()
    RuleBand.objects.bulk_create(
        RuleBand(rule=rule, lower_won=lower, upper_won=upper, amount_won=amount) for lower, upper, amount in bands
    )
    return rule


@transaction.atomic
def rule_delete(*, rule: Rule, actor: Any) -> None:
    require_perm(actor, "compensation.delete_rule")
    version_ensure_draft(rule.version)
    rule.delete()


@transaction.atomic
def causation_parameter_save(*, parameter: CausationParameter, actor: Any) -> CausationParameter:
    require_perm(actor, "compensation.change_causationparameter")
    version_ensure_draft(parameter.version)
    parameter.full_clean()
    parameter.save()
    return parameter


def resolution_label(resolution: Any) -> str:
    """ "협의체 3차 회의 의결 2호": how the council names a resolution."""
    return str(resolution)


@transaction.atomic
def policy_version_adopt(
    *, version: PolicyVersion, resolution: Any, actor: Any, effective_date: date | None = None
) -> PolicyVersion:
    """Freeze a draft as adopted by a council resolution; the previously adopted version becomes superseded.

    The resolution must be decided `adopted` and of kind `policy_adoption`. A repeat with the same resolution
    returns the version unchanged."""
    require_perm(actor, "compensation.adopt_policyversion")
    version = PolicyVersion.objects.select_for_update().select_related("policy").get(pk=version.pk)
    if version.status == PolicyVersion.Status.ADOPTED and version.adopted_by_id == resolution.pk:
        return version
    if version.status != PolicyVersion.Status.DRAFT:
        raise ApplicationError("초안만 채택할 수 있습니다.")
    if resolution.state != "adopted":
        raise ApplicationError("가결된 의결로만 채택할 수 있습니다.")
    if resolution.kind != "policy_adoption":
        raise ApplicationError("보상 기준 채택 의결이 아닙니다.")
    problems = version_errors(version)
    if problems:
        raise ValidationError({"rules": problems})
    # Lock every version of the policy so two adoptions cannot both become current.
    current = (
        PolicyVersion.objects.select_for_update()
        .filter(policy_id=version.policy_id, status=PolicyVersion.Status.ADOPTED)
        .first()
    )
    now = timezone.now()
    if current is not None:
        current.status = PolicyVersion.Status.SUPERSEDED
        current.superseded_at = now
        current.save(update_fields=["status", "superseded_at", "updated_at"])
        events.version_superseded_event(version=current, actor=actor, by=version)
    version.status = PolicyVersion.Status.ADOPTED
    version.adopted_by = resolution
    version.adoption_label = resolution_label(resolution)
    version.adopted_at = now
    decided = getattr(resolution, "adopted_at", None) or getattr(resolution, "decided_at", None) or now
    version.effective_date = effective_date or timezone.localdate(decided)
    version.save(update_fields=["status", "adopted_by", "adoption_label", "adopted_at", "effective_date", "updated_at"])
    events.version_adopted_event(version=version, actor=actor, superseded=current.pk if current else None)
    return version
