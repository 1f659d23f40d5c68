"""PIPA: no resident registration number in council papers, agenda items, minutes or members' comments."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from fpdf import FPDF
from openpyxl import Workbook

from council import services
from council.models import (
    ActionItem,
    AgendaItem,
    AgendaPaper,
    ConflictDeclaration,
    MinutesComment,
    MinutesItem,
    MinutesVersion,
    Resolution,
)
from council.tests.factories import held_meeting, plan_meeting

pytestmark = pytest.mark.django_db
RRN = "900101-1234567"


def _pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def _xlsx(text: str) -> bytes:
    workbook = Workbook()
    workbook.active.append(["name", "note"])
    workbook.active.append(["member", text])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "make"), [("paper.pdf", _pdf), ("paper.xlsx", _xlsx)])
def test_paper_holding_an_rrn_in_its_text_is_refused(council, secretariat_user, name, make):
    item = services.agenda_item_add(meeting=plan_meeting(council=council), title="피해 현황", actor=None)
    with pytest.raises(ValidationError) as info:
        services.agenda_paper_attach(
            item=item, upload=SimpleUploadedFile(name, make(f"RRN {RRN}")), actor=secretariat_user
        )
    assert "주민등록번호" in info.value.message_dict["file"][0] and name in info.value.message_dict["file"][0]
    assert not AgendaPaper.objects.exists()
    # The same paper without the number goes in.
    paper = services.agenda_paper_attach(
        item=item, upload=SimpleUploadedFile(name, make("Total 1,234 claims")), actor=secretariat_user
    )
    assert paper.kind == name.rsplit(".", 1)[1]


def test_agenda_item_description_is_refused(council):
    with pytest.raises(ValidationError) as info:
        services.agenda_item_add(
            meeting=plan_meeting(council=council), title="개별 사례", description=f"신청인 {RRN}", actor=None
        )
    assert info.value.message_dict["description"][0].startswith("설명에 주민등록번호")
    assert not AgendaItem.objects.exists()


def _summary(version, seats):
    services.minutes_version_update(version=version, summary=f"개요 {RRN}", actor=None)


def _discussion(version, seats):
    services.minutes_item_update(item=version.items.first(), discussion=f"논의 {RRN}", actor=None)


def _decisions(version, seats):
    services.minutes_item_update(item=version.items.first(), decisions=f"결정 {RRN}", actor=None)


def _comment(version, seats):
    services.minutes_circulate(version=version, actor=None)
    member = seats["consumer"]
    services.minutes_comment_add(version=version, member=member, body=f"의견 {RRN}", actor=member.user)


@pytest.mark.parametrize(
    ("enter", "field", "label"),
    [
        (_summary, "summary", "회의록 개요"),
        (_discussion, "discussion", "논의 요지"),
        (_decisions, "decisions", "결정 사항"),
        (_comment, "body", "위원 의견"),
    ],
)
def test_minutes_text_and_comments_refuse_an_rrn(council, seats, enter, field, label):
    meeting = held_meeting(council=council, agenda=("보상 기준 논의",))
    version = services.minutes_start(meeting=meeting, actor=None).versions.get()
    with pytest.raises(ValidationError) as info:
        enter(version, seats)
    assert info.value.message_dict[field][0].startswith(f"{label}에 주민등록번호")
    assert not MinutesVersion.objects.filter(summary__contains=RRN).exists()
    assert not MinutesItem.objects.filter(discussion__contains=RRN).exists()
    assert not MinutesItem.objects.filter(decisions__contains=RRN).exists()
    assert not MinutesComment.objects.exists()


def _resolution(meeting, seats):
    services.resolution_propose(meeting=meeting, title="개별 보상", text=f"신청인 {RRN}에게 지급한다.", actor=None)


def _conflict(meeting, seats):
    member = seats["small"]
    services.conflict_declare(meeting=meeting, member=member, description=f"가족 {RRN}", actor=member.user)


def _action_item(meeting, seats):
    services.action_item_create(
        meeting=meeting,
        title="연락",
        description=f"{RRN}에게 연락",
        due_date=meeting.starts_at.date() + timedelta(days=7),
        owner_member=seats["secretary"],
        actor=None,
    )


@pytest.mark.parametrize(
    ("enter", "field", "label", "model"),
    [
        (_resolution, "text", "의결 내용", Resolution),
        (_conflict, "description", "이해관계 내용", ConflictDeclaration),
        (_action_item, "description", "설명", ActionItem),
    ],
)
def test_resolutions_conflicts_and_action_items_refuse_an_rrn(council, seats, enter, field, label, model):
    meeting = held_meeting(council=council, agenda=("보상 기준 논의",))
    with pytest.raises(ValidationError) as info:
        enter(meeting, seats)
    assert info.value.message_dict[field][0].startswith(f"{label}에 주민등록번호")
    assert not model.objects.exists()


def test_a_cancellation_reason_is_refused(council):
    from council.models import Meeting

    meeting = plan_meeting(council=council)
    with pytest.raises(ValidationError) as excinfo:
        services.meeting_transition(meeting=meeting, to_state="cancelled", actor=None, reason=f"위원 {RRN} 사정")
    assert "주민등록번호" in excinfo.value.message_dict["reason"][0]
    assert Meeting.objects.get(pk=meeting.pk).state == "planned"
