"""PIPA: finance's notes and reasons refuse a resident registration number, naming the field; nothing moves."""

import pytest
from django.core.exceptions import ValidationError

from payouts.models import Payout, PayoutBatch
from payouts.services.batches import payout_batch_build, payout_batch_cancel, payout_batch_reject
from payouts.services.payouts import payout_cancel, payout_risk_decide, payouts_create_from_entitlements
from payouts.tests.factories import make_entitlements

pytestmark = pytest.mark.django_db
RRN = "신고인 900101-1234567 확인"


@pytest.fixture
def batch(finance_users):
    make_entitlements(3, amounts=10_000)
    payouts_create_from_entitlements()
    return payout_batch_build(actor=finance_users[0])


def test_batch_reasons_refuse_an_rrn(batch, finance_users):
    maker, checker, _ = finance_users
    with pytest.raises(ValidationError) as rejected:
        payout_batch_reject(batch=batch, actor=checker, reason=RRN)
    with pytest.raises(ValidationError) as cancelled:
        payout_batch_cancel(batch=batch, actor=maker, reason=RRN)
    for excinfo in (rejected, cancelled):
        assert "주민등록번호" in excinfo.value.message_dict["reason"][0]
    assert PayoutBatch.objects.get(pk=batch.pk).status == "pending_approval"


def test_payout_notes_refuse_an_rrn(finance_users):
    _, checker, _ = finance_users
    make_entitlements(2, amounts=10_000, names=["김철수", "이영희"], phones=["01099998888", "01099998888"])
    payouts_create_from_entitlements()
    flagged = Payout.objects.exclude(risk_flags=[]).first()
    with pytest.raises(ValidationError) as decided:
        payout_risk_decide(payout=flagged, decision="cleared", note=RRN, actor=checker)
    assert "주민등록번호" in decided.value.message_dict["note"][0]
    with pytest.raises(ValidationError) as cancelled:
        payout_cancel(payout=flagged, reason=RRN, actor=checker)
    assert "주민등록번호" in cancelled.value.message_dict["reason"][0]
    flagged.refresh_from_db()
    assert flagged.status != "cancelled" and not flagged.risk_decision
