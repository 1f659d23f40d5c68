from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from claims.models import Claim, Claimant, ClaimEvidence
from claims.selectors import claim_stats
from claims.tests.factories import submit_claim
from claims.workflow import claim_transition
from privacy.models import DestructionLog
from privacy.services import claims_retention_run

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_personal_data_is_destroyed_after_retention_and_statistics_stay(incident, settings, tmp_path, agent):
    settings.MEDIA_ROOT = tmp_path
    done = submit_claim(
        kind="small_business",
        business_no="220-81-62517",
        name="행복꽃집",
        claimed_amount=420_000,
        evidence=[SimpleUploadedFile("a.png", PNG)],
    )
    open_claim = submit_claim(name="이영희")
    claim_transition(claim=done, to=Claim.Status.IN_REVIEW, actor=agent, reason="행복꽃집 사장님 통화함")
    claim_transition(
        claim=done, to=Claim.Status.REJECTED, actor=agent, reason="증빙 없음", reason_code="insufficient_evidence"
    )
    evidence_path = tmp_path / done.evidence.get().file.name
    before = claim_stats(incident=incident, use_cache=False)

    assert claims_retention_run() == 0  # not yet: the retention period has not passed
    later = timezone.now() + timedelta(days=settings.PRIVACY_RETENTION_DAYS + 1)
    assert claims_retention_run(now=later) == 1
    assert claims_retention_run(now=later) == 0  # running again changes nothing

    claimant = Claimant.objects.get(pk=done.claimant_id)
    assert (claimant.name, claimant.phone, claimant.email, claimant.business_no) == ("파기됨", "", "", "")
    assert claimant.anonymised_at is not None
    assert Claim.objects.get(pk=done.pk).description == ""
    assert not ClaimEvidence.objects.filter(claim=done).exists() and not evidence_path.exists()
    assert Claimant.objects.get(pk=open_claim.claimant_id).name == "이영희"
    assert not done.history.exclude(reason="").exists()
    assert done.history.filter(event="transition").count() == 2  # who moved what and when stays
    log = DestructionLog.objects.get()
    assert (log.claim_reference, log.files_deleted) == (done.reference, 1)

    after = claim_stats(incident=incident, use_cache=False)
    for key in ("total", "by_operator", "own", "by_service", "by_status"):
        assert after[key] == before[key]
