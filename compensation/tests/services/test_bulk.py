"""Bulk assessment: frozen selection, idempotent reruns, simulator totals equal assessment totals, real worker."""

import pytest

from compensation.demo import seed_demo_policy
from compensation.models import Assessment, AssessmentRun, CompensationEvent
from compensation.selectors import assessment_summary
from compensation.services import assessment_run_process, assessment_run_start, policy_version_create
from compensation.simulation import policy_simulation_snapshot, simulate
from compensation.tests.factories import add_rule, adopt, assessed, money_claim, run_bulk
from conftest import wait_for
from core.validators import business_no_with_check_digit


def _mixed_claims():
    """Every remedy of the demo policy, plus a claimant with several claims and some excluded claims."""
    from claims.tests.factories import submit_claim

    claims = []
    for amount in (50_000, 120_000, 300_000, 300_001, 420_000, 500_000, 500_001, 800_000, 2_500_000):
        claims.append(money_claim(claimed_amount=amount))
    repeat = business_no_with_check_digit("220812345")
    for service in ("kakaotalk", "kakao_mail", "daum_cafe", "daum_mail"):
        claims.append(money_claim(claimed_amount=420_000, business=repeat, service_code=service))
    claims.append(money_claim(kind="enterprise", claimed_amount=9_000_000))
    for service in ("talk_drawer_plus", "emoticon_plus", "kakaotalk"):
        claims.append(money_claim(kind="individual", claimed_amount=4_900, paid=True, service_code=service))
    for amount in (10_000, 50_000):
        claims.append(money_claim(kind="individual", claimed_amount=amount))
    claims.append(money_claim(kind="individual", claimed_amount=30_000, service_code="melon"))  # affiliate
    claims.append(submit_claim(description="복구하느라 고생 많으셨습니다. 힘내세요!"))  # non-monetary
    return claims


def test_simulated_totals_equal_bulk_assessment_totals(db):
    claims = _mixed_claims()
    version = seed_demo_policy(adopt=False)
    # A per-claimant cap and a minimum make the equality non-trivial (window function vs running sums).
    from compensation.services import policy_version_update

    policy_version_update(version=version, actor=None, cap_per_claimant_won=120_000, minimum_payment_won=40_000)
    draft_sim = simulate(version=version)
    assert not Assessment.objects.exists() and not CompensationEvent.objects.filter(type__startswith="assess").exists()
    version = adopt(version)
    run = run_bulk(version)
    assert run.status == AssessmentRun.Status.DONE
    assert run.total == len(claims) - 2  # the affiliate and the non-monetary claim are not selected
    real = assessment_summary(version=version)
    for key in ("totals", "by_remedy", "by_claimant_kind", "by_service", "by_rule", "by_tier", "histogram"):
        assert draft_sim[key] == real[key], key
    assert real["totals"]["individual_review"] == 4  # 500,001 / 800,000 / 2,500,000 and the enterprise
    by_remedy = {row["key"]: row for row in real["by_remedy"]}
    assert by_remedy["individual_review"]["claims"] == 4
    assert by_remedy["service_credit"]["credit_days"] == 6 + 5 + 5
    assert by_remedy["in_kind"]["book_value_won"] == 2 * 3_300
    # The repeating business: 50k + 50k, then 20k left of the 120k cap is under the 40k minimum → 0, then 0.
    key = business_no_with_check_digit("220812345")
    repeat = Assessment.objects.filter(claimant_key=key).order_by("claim_id")
    assert [a.amount_won for a in repeat] == [50_000, 50_000, 0, 0]
    assert "신고인별 상한" in repeat[2].explanation


def test_rerunning_for_the_same_version_changes_nothing(db):
    _mixed_claims()
    version = seed_demo_policy()
    first = run_bulk(version)
    before = {a.claim_id: (a.amount_won, a.state, a.updated_at) for a in Assessment.objects.filter(version=version)}
    events = CompensationEvent.objects.count()
    assert first.created_count == len(before) and first.total == first.processed

    assert assessment_run_process(run_id=first.pk).status == AssessmentRun.Status.DONE  # a repeated task
    again = run_bulk(version)  # a second run selects nothing new
    assert again.total == 0 and again.created_count == 0
    after = {a.claim_id: (a.amount_won, a.state, a.updated_at) for a in Assessment.objects.filter(version=version)}
    assert after == before
    assert CompensationEvent.objects.exclude(type__startswith="run_").count() == events - 2  # only run rows added

    late = money_claim(claimed_amount=120_000)  # filed after the first selection was frozen
    third = run_bulk(version)
    assert third.total == 1 and set(assessed(version)) - set(before) == {late.pk}


def test_snapshot_for_the_council_compares_two_versions(db):
    _mixed_claims()
    first = seed_demo_policy(adopt=False)
    second = policy_version_create(policy=first.policy, actor=None, copy_from=first)
    from compensation.services import rule_delete

    rule_delete(rule=second.rules.get(priority=30), actor=None)
    add_rule(second, priority=30, remedy="cash_flat", amount_won=100_000, match_claimant_kind="enterprise")
    snapshot = policy_simulation_snapshot(version=second, compare_to=first)
    import json

    json.dumps(snapshot)  # attachable as-is
    diff = snapshot["compare"]["diff"]
    assert diff["totals"]["cash_won"] == 100_000
    assert {row["key"]: row["claims"] for row in diff["by_remedy"]}["individual_review"] == -1
    assert snapshot["version"]["status"] == "draft" and snapshot["kind"] == "compensation.simulation"
    moving = snapshot["compare"]["claims_moving"]
    # Only the enterprise claim moves: from individual review (₩0) to ₩100,000 cash.
    assert moving["more_cash"] == 1 and moving["remedy_changed"] == 1 and moving["less_cash"] == 0
    assert moving["unchanged"] == snapshot["totals"]["claims"] - 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_bulk_run_on_a_real_worker(celery_worker_process):
    from django.contrib.auth.models import Group, User

    from core import roles

    claims = [money_claim(claimed_amount=amount) for amount in (120_000, 420_000, 800_000)]
    version = seed_demo_policy()
    secretary = User.objects.create_user("sec-bulk", is_staff=True)
    secretary.groups.add(Group.objects.get(name=roles.SECRETARIAT))
    run = assessment_run_start(version=version, actor=secretary)  # enqueued on commit (autocommit here)
    done = wait_for(
        lambda: AssessmentRun.objects.filter(pk=run.pk, status=AssessmentRun.Status.DONE).first(),
        timeout=60,
        message="bulk run done",
    )
    assert done.processed == done.total == 3 == done.created_count
    assert sorted(a.amount_won for a in assessed(version).values()) == [0, 30_000, 50_000]
    assert {c.pk for c in claims} == set(assessed(version))
