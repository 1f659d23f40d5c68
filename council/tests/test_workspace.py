import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from council import services
from council.models import Minutes, Vote
from council.tests.factories import CouncilMemberFactory, held_meeting, plan_meeting

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def test_council_member_never_reaches_the_admin_or_the_claims_api(seats):
    client = _client(seats["consumer"].user)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.get("/admin/claims/claim/").status_code == 302
    assert client.get("/api/v1/claims/").status_code == 403
    assert client.get("/api/v1/council/meetings/").status_code == 403
    assert client.get(reverse("council:home")).status_code == 200


def test_only_members_see_the_workspace(seats, agent, secretariat_user, council):
    meeting = plan_meeting(council=council)
    url = reverse("council:meeting", args=[meeting.pk])
    assert Client().get(url).status_code == 302  # anonymous → login
    assert _client(agent).get(url).status_code == 403
    assert _client(secretariat_user).get(reverse("council:home")).status_code == 403
    outsider = CouncilMemberFactory()  # a seat on another council
    assert _client(outsider.user).get(url).status_code == 403
    response = _client(seats["small"].user).get(url)
    assert response.status_code == 200 and meeting.title in response.content.decode()


def test_member_login_page_logs_a_member_in(seats):
    client = Client()
    response = client.post(
        reverse("council:login"), {"username": seats["chair"].user.username, "password": "pw-member"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("council:home")


def test_papers_are_checked_by_content_and_downloaded_only_by_authorised_users(council, seats, agent, secretariat_user):
    meeting = plan_meeting(council=council)
    item = services.agenda_item_add(meeting=meeting, title="피해 접수 현황", actor=None)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.agenda_paper_attach(
            item=item, upload=SimpleUploadedFile("report.pdf", b"MZ not a pdf"), actor=secretariat_user
        )
    paper = services.agenda_paper_attach(
        item=item, upload=SimpleUploadedFile("현황.xlsx", _xlsx()), actor=secretariat_user
    )
    pdf = services.agenda_paper_attach(
        item=item, upload=SimpleUploadedFile("보고.pdf", b"%PDF-1.4\n%test\n"), actor=secretariat_user
    )
    assert (paper.kind, pdf.kind) == ("xlsx", "pdf")
    assert not paper.file.name.endswith("현황.xlsx")  # stored under a random name
    url = reverse("council:paper_download", args=[paper.pk])
    response = _client(seats["startup"].user).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == _xlsx()
    assert "attachment" in response["Content-Disposition"]
    assert _client(secretariat_user).get(url).status_code == 200
    assert _client(agent).get(url).status_code == 403
    assert _client(CouncilMemberFactory().user).get(url).status_code == 403


def test_member_declares_a_conflict_and_votes_in_the_workspace(council, seats):
    meeting = held_meeting(council=council, agenda=("보상 기준",))
    resolution = services.resolution_propose(meeting=meeting, title="기준 채택", text="채택한다.", actor=None)
    services.resolution_open_voting(resolution=resolution, actor=None)
    chair = _client(seats["chair"].user)
    response = chair.post(reverse("council:vote", args=[resolution.pk]), {"choice": "for"})
    assert response.status_code == 302
    small = _client(seats["small"].user)
    small.post(reverse("council:conflict_declare", args=[meeting.pk]), {"description": "회원사 이해관계"})
    small.post(reverse("council:vote", args=[resolution.pk]), {"choice": "for"})
    votes = dict(Vote.objects.filter(resolution=resolution).values_list("member__name", "choice"))
    assert votes == {"최난설헌": "for", "김기홍": "recused"}
    page = small.get(reverse("council:meeting", args=[meeting.pk])).content.decode()
    assert "회원사 이해관계" in page


def test_member_comments_on_circulated_minutes_and_chair_approves(council, seats):
    meeting = held_meeting(council=council, agenda=("보상 기준",))
    version = services.minutes_start(meeting=meeting, actor=None).versions.get()
    url = reverse("council:minutes_version", args=[version.pk])
    assert _client(seats["small"].user).get(url).status_code == 403  # drafts are the secretariat's
    services.minutes_circulate(version=version, actor=None)
    small = _client(seats["small"].user)
    assert small.get(url).status_code == 200
    small.post(url, {"body": "3번 문단 표현을 고쳐 주세요.", "action": "comment"})
    assert version.comments.get().body == "3번 문단 표현을 고쳐 주세요."
    small.post(url, {"action": "approve"})  # not the chair: refused
    version.refresh_from_db()
    assert version.state == "circulated"
    _client(seats["chair"].user).post(url, {"action": "approve"})
    version.refresh_from_db()
    assert version.state == "approved"


def test_visibility_decides_who_reads_published_minutes(council, seats, agent):
    meeting = held_meeting(council=council, agenda=("보상 기준",))
    minutes = services.minutes_start(meeting=meeting, actor=None, visibility=Minutes.Visibility.INTERNAL)
    version = minutes.versions.get()
    services.minutes_circulate(version=version, actor=None)
    services.minutes_approve(version=version, actor=seats["chair"].user)
    services.minutes_publish(version=version, actor=None)
    member_url = reverse("council:minutes_version", args=[version.pk])
    public_url = reverse("council:minutes_public", args=[minutes.public_token])
    assert _client(seats["small"].user).get(member_url).status_code == 403
    assert Client().get(public_url).status_code == 404
    services.minutes_set_visibility(minutes=minutes, visibility=Minutes.Visibility.MEMBERS, actor=None)
    assert _client(seats["small"].user).get(member_url).status_code == 200
    assert Client().get(public_url).status_code == 404
    services.minutes_set_visibility(minutes=minutes, visibility=Minutes.Visibility.PUBLIC, actor=None)
    response = Client().get(public_url)
    assert response.status_code == 200 and "소상공인연합회" in response.content.decode()
    pdf = Client().get(public_url + "?format=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
