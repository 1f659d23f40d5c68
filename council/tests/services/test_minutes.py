import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from core.exceptions import ApplicationError
from council import selectors, services
from council.models import MinutesComment, MinutesItem, MinutesVersion, Resolution
from council.tests.factories import held_meeting
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(council, seats):
    return held_meeting(council=council, agenda=("피해 접수 현황 보고", "보상 기준 논의"))


def _write(version, text):
    services.minutes_version_update(version=version, summary=text, actor=None)
    for item in version.items.all():
        services.minutes_item_update(
            item=item, discussion=f"{item.agenda_item.title} 논의", decisions="다음 회의에서 확정", actor=None
        )


def _publish(version, chair_user):
    services.minutes_circulate(version=version, actor=None)
    services.minutes_approve(version=version, actor=chair_user)
    return services.minutes_publish(version=version, actor=None)


def test_draft_has_one_section_per_agenda_item(meeting):
    minutes = services.minutes_start(meeting=meeting, actor=None)
    assert services.minutes_start(meeting=meeting, actor=None) == minutes  # one minutes per meeting
    version = minutes.versions.get()
    assert [i.agenda_item.title for i in version.items.order_by("position")] == [
        "피해 접수 현황 보고",
        "보상 기준 논의",
    ]


def test_workflow_comments_approval_publication_and_notices(meeting, seats):
    version = services.minutes_start(meeting=meeting, actor=None).versions.get()
    _write(version, "2차 회의 개요")
    with pytest.raises(ApplicationError):  # must be circulated first
        services.minutes_approve(version=version, actor=seats["chair"].user)
    version = services.minutes_circulate(version=version, actor=None)
    assert "2차 회의 개요" in version.body_text and "김기홍 (소상공인연합회, 위원): 출석" in version.body_text
    assert Notification.objects.filter(event="minutes_circulated").count() == len(seats)
    with pytest.raises(ApplicationError):  # no edits once circulated
        services.minutes_version_update(version=version, summary="고침", actor=None)
    services.minutes_comment_add(
        version=version, member=seats["consumer"], body="소비자 의견을 더 적어 주세요.", actor=seats["consumer"].user
    )
    with pytest.raises(ApplicationError):  # not the chair
        services.minutes_approve(version=version, actor=seats["small"].user)
    services.minutes_approve(version=version, actor=seats["chair"].user)
    version = services.minutes_publish(version=version, actor=None)
    assert version.state == MinutesVersion.State.PUBLISHED and version.published_at
    assert Notification.objects.filter(event="minutes_published").count() == len(seats)
    assert MinutesComment.objects.filter(version=version).count() == 1
    with pytest.raises(ApplicationError):
        services.minutes_comment_add(
            version=version, member=seats["small"], body="늦은 의견", actor=seats["small"].user
        )


def test_revising_after_comments_keeps_the_comments(meeting, seats):
    version = services.minutes_start(meeting=meeting, actor=None).versions.get()
    services.minutes_circulate(version=version, actor=None)
    services.minutes_comment_add(version=version, member=seats["small"], body="수정 요청", actor=seats["small"].user)
    services.minutes_revise(version=version, actor=None)
    _write(version, "반영함")
    version = services.minutes_circulate(version=version, actor=None)
    assert "반영함" in version.body_text and version.comments.count() == 1


def test_published_version_is_immutable_in_services_and_in_the_database(meeting, seats):
    version = services.minutes_start(meeting=meeting, actor=None).versions.get()
    _write(version, "원문")
    version = _publish(version, seats["chair"].user)
    item = version.items.first()
    with pytest.raises(ApplicationError):
        services.minutes_item_update(item=item, discussion="몰래 고침", actor=None)
    # Even a direct write that skips the services is refused by PostgreSQL.
    with pytest.raises(DatabaseError), transaction.atomic():
        MinutesVersion.objects.filter(pk=version.pk).update(summary="몰래 고침")
    with pytest.raises(DatabaseError), transaction.atomic():
        MinutesItem.objects.filter(pk=item.pk).update(discussion="몰래 고침")
    with pytest.raises(DatabaseError), transaction.atomic():
        MinutesItem.objects.create(version=version, agenda_item=item.agenda_item, position=99)
    version.refresh_from_db()
    assert version.summary == "원문"


def test_correction_is_a_new_version_with_reason_and_diff(meeting, seats):
    minutes = services.minutes_start(meeting=meeting, actor=None)
    first = minutes.versions.get()
    _write(first, "원문 개요")
    first = _publish(first, seats["chair"].user)
    with pytest.raises(ValidationError):
        services.minutes_correct(minutes=minutes, reason=" ", actor=None)
    second = services.minutes_correct(minutes=minutes, reason="출석자 소속 오기 정정", actor=None)
    assert second.number == 2 and second.state == MinutesVersion.State.DRAFT
    with pytest.raises(ApplicationError):  # one open version at a time
        services.minutes_correct(minutes=minutes, reason="또", actor=None)
    services.minutes_version_update(version=second, summary="정정된 개요", actor=None)
    second = _publish(second, seats["chair"].user)
    first.refresh_from_db()
    assert first.state == MinutesVersion.State.PUBLISHED and first.summary == "원문 개요"
    assert selectors.minutes_latest_published(minutes=minutes) == second
    diff = selectors.minutes_version_diff_html(version=second)
    assert "원문" in diff and "정정된" in diff and "제1판" in diff and "제2판" in diff
    assert "정정 사유: 출석자 소속 오기 정정" in second.body_text
    assert selectors.minutes_version_diff_html(version=first) == ""


def test_minutes_approved_by_a_resolution_of_the_next_meeting(council, meeting, seats):
    version = services.minutes_start(meeting=meeting, actor=None).versions.get()
    services.minutes_circulate(version=version, actor=None)
    next_meeting = held_meeting(council=council)
    resolution = services.resolution_propose(
        meeting=next_meeting,
        title="제1차 회의록 승인",
        text="제1차 회의 회의록을 원안대로 승인한다.",
        kind=Resolution.Kind.PROCEDURE,
        tally_mode=Resolution.TallyMode.TALLY,
        approves_minutes=version,
        actor=None,
    )
    services.resolution_record(resolution=resolution, actor=None, tally={"for": 4})
    version.refresh_from_db()
    assert version.state == MinutesVersion.State.APPROVED and version.approved_by_resolution == resolution


def test_personal_data_never_goes_into_minutes(meeting):
    version = services.minutes_start(meeting=meeting, actor=None).versions.get()
    services.minutes_version_update(version=version, summary="신고인 010-1234-5678 사례 논의", actor=None)
    with pytest.raises(ValidationError):
        services.minutes_circulate(version=version, actor=None)
    version.refresh_from_db()
    assert version.state == MinutesVersion.State.DRAFT
