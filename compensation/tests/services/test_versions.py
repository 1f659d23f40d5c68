"""Adopted versions are immutable; later versions supersede without erasing; adoption needs a valid version."""

import pytest
from django.core.exceptions import ValidationError

from compensation.models import PolicyVersion, Rule, RuleBand
from compensation.services import policy_version_adopt, policy_version_create, policy_version_update, rule_save
from compensation.tests.factories import add_rule, adopt, draft_version, tiered_2022
from core.exceptions import ApplicationError


def test_adopted_version_refuses_every_write(db):
    version = draft_version(minimum_payment_won=1_000)
    rule = tiered_2022(version)
    adopted = adopt(version)
    assert adopted.status == PolicyVersion.Status.ADOPTED
    assert adopted.adopted_by is not None and adopted.effective_date is not None

    with pytest.raises(ApplicationError):
        policy_version_update(version=adopted, actor=None, minimum_payment_won=0)
    with pytest.raises(ApplicationError):
        rule_save(rule=Rule.objects.get(pk=rule.pk), actor=None, bands=[(0, 100, 1)])
    # The model guard stops writes that bypass the services too.
    stale = Rule.objects.get(pk=rule.pk)
    stale.amount_won = 1
    with pytest.raises(ValidationError):
        stale.save()
    with pytest.raises(ValidationError):
        RuleBand.objects.filter(rule=rule).first().delete()
    with pytest.raises(ValidationError):
        Rule(version=adopted, priority=99, name="x", remedy="none", none_reason="x").save()
    adopted.minimum_payment_won = 0
    with pytest.raises(ValidationError):
        adopted.save()
    adopted.refresh_from_db()
    assert adopted.minimum_payment_won == 1_000
    assert list(RuleBand.objects.filter(rule=rule).values_list("amount_won", flat=True)) == [30_000, 50_000]


def test_later_version_supersedes_without_erasing(db):
    first = adopt(_valid(draft_version()))
    second = policy_version_create(policy=first.policy, actor=None, copy_from=first)
    assert second.number == 2 and second.status == PolicyVersion.Status.DRAFT
    assert second.rules.count() == first.rules.count()
    assert list(second.rules.get().bands.values_list("amount_won", flat=True)) == [30_000, 50_000]
    policy_version_update(version=second, actor=None, minimum_payment_won=10)
    second = adopt(second)
    first.refresh_from_db()
    assert first.status == PolicyVersion.Status.SUPERSEDED and first.superseded_at is not None
    assert first.rules.count() == 1 and first.minimum_payment_won == 0
    assert list(first.events.values_list("type", flat=True)) == [
        "version_created",
        "version_adopted",
        "version_superseded",
    ]
    assert PolicyVersion.objects.filter(policy=first.policy, status="adopted").get() == second


def test_adoption_refused_for_invalid_version_or_unadopted_resolution(db):
    from council.tests.factories import adopted_resolution

    empty = draft_version()
    with pytest.raises(ValidationError) as excinfo:
        adopt(empty)
    assert "규칙이 하나도 없습니다." in str(excinfo.value)
    version = _valid(draft_version())
    other_kind = adopted_resolution(kind="procedure")
    with pytest.raises(ApplicationError):
        policy_version_adopt(version=version, resolution=other_kind, actor=None)


def test_validation_errors_for_bands_missing_values_and_unreachable_rules(db):
    version = draft_version()
    with pytest.raises(ValidationError) as excinfo:
        add_rule(version, priority=10, remedy="cash_tiered", bands=[(0, 300_000, 1), (200_000, 500_000, 2)])
    assert "구간이 겹칩니다" in str(excinfo.value)
    with pytest.raises(ValidationError) as excinfo:
        add_rule(version, priority=10, remedy="cash_flat")
    assert "amount_won" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        add_rule(version, priority=10, remedy="in_kind")
    assert {"in_kind_item", "in_kind_value_won"} <= set(excinfo.value.message_dict)
    add_rule(version, priority=10, remedy="cash_flat", amount_won=1_000, match_operator="own")
    with pytest.raises(ValidationError) as excinfo:
        add_rule(version, priority=20, remedy="cash_flat", amount_won=5_000, match_operator="own", match_paid=True)
    assert "적용될 수 없습니다" in excinfo.value.message_dict["priority"][0]
    # Narrower first, broader later is fine.
    add_rule(version, priority=5, remedy="cash_flat", amount_won=5_000, match_operator="own", match_paid=True)


def _valid(version):
    tiered_2022(version)
    return version
