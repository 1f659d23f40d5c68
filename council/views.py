"""The member workspace (server-rendered, Korean): meetings and papers, conflict declarations, votes,
circulated minutes to comment on, action items; and the public page of published minutes.

Outside members are not staff: every page here checks a CouncilMember seat, never model permissions,
except downloads and minutes reading, which the secretariat may also use from the admin."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import ApplicationError
from council import selectors, services
from council.models import AgendaItem, Meeting, MinutesItem, MinutesVersion, Resolution, Vote
from council.pdf import minutes_pdf

member_login_required = login_required(login_url="council:login")


class MemberLoginView(auth_views.LoginView):
    template_name = "council/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        from django.urls import reverse

        return reverse("council:home")


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in and holding at least one council seat; anyone else gets 403."""

    @member_login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not selectors.member_seats(user=request.user).exists():
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _error_message(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


@require_GET
@member_required
def home(request: HttpRequest) -> HttpResponse:
    seats = []
    for member in selectors.member_seats(user=request.user):
        seats.append(
            {
                "member": member,
                "meetings": selectors.workspace_meetings(member=member)[:50],
                "open_resolutions": selectors.workspace_open_resolutions(member=member),
                "open_minutes": selectors.workspace_open_versions(member=member),
                "published_minutes": selectors.workspace_published_versions(member=member)[:50],
                "action_items": selectors.workspace_action_items(member=member),
            }
        )
    return render(request, "council/home.html", {"seats": seats})


@require_GET
@member_required
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting, member = selectors.meeting_for_member(user=request.user, meeting_id=meeting_id)
    resolutions = list(meeting.resolutions.select_related("agenda_item").order_by("number"))
    my_votes = dict(
        Vote.objects.filter(member=member, resolution__in=resolutions).values_list("resolution_id", "choice")
    )
    present = selectors.member_is_present(meeting=meeting, member=member)
    for resolution in resolutions:
        resolution.my_vote = my_votes.get(resolution.pk)  # type: ignore[attr-defined]
        resolution.can_vote = (  # type: ignore[attr-defined]
            resolution.state == Resolution.State.VOTING
            and resolution.tally_mode == Resolution.TallyMode.PER_MEMBER
            and member.is_voting
            and present
        )
    context = {
        "meeting": meeting,
        "member": member,
        "resolutions": resolutions,
        "attendance": meeting.attendance.select_related("member").order_by("member__name"),
        "carried_action_items": selectors.meeting_carried_action_items(meeting=meeting),
        "declarations": meeting.conflict_declarations.filter(member=member).select_related("agenda_item"),
        "quorum": selectors.meeting_quorum(meeting=meeting),
        "vote_choices": [c for c in Vote.Choice.choices if c[0] != Vote.Choice.RECUSED] + [("recused", "회피")],
        "can_declare": meeting.state != Meeting.State.CANCELLED,
    }
    return render(request, "council/meeting_detail.html", context)


@require_POST
@member_required
def conflict_declare(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting, member = selectors.meeting_for_member(user=request.user, meeting_id=meeting_id)
    agenda_item = None
    if request.POST.get("agenda_item"):
        agenda_item = get_object_or_404(AgendaItem, pk=request.POST["agenda_item"], meeting=meeting)
    try:
        services.conflict_declare(
            meeting=meeting,
            member=member,
            description=request.POST.get("description", ""),
            agenda_item=agenda_item,
            actor=request.user,
        )
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _error_message(exc))
    else:
        messages.success(request, "이해충돌 신고를 기록했습니다. 해당 의안에는 회피로 기록됩니다.")
    return redirect("council:meeting", meeting_id=meeting.pk)


@require_POST
@member_required
def vote(request: HttpRequest, resolution_id: int) -> HttpResponse:
    resolution = get_object_or_404(Resolution.objects.select_related("meeting"), pk=resolution_id)
    meeting, member = selectors.meeting_for_member(user=request.user, meeting_id=resolution.meeting_id)
    try:
        cast = services.vote_cast(
            resolution=resolution, member=member, choice=request.POST.get("choice", ""), actor=request.user
        )
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _error_message(exc))
    else:
        messages.success(request, f"{resolution}에 '{cast.get_choice_display()}'(으)로 표결했습니다.")
    return redirect("council:meeting", meeting_id=meeting.pk)


@require_GET
@member_login_required
def paper_download(request: HttpRequest, paper_id: int) -> FileResponse:
    paper = selectors.paper_for_download(user=request.user, paper_id=paper_id)
    response = FileResponse(paper.file.open("rb"), as_attachment=True, filename=paper.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@member_login_required
def minutes_version(request: HttpRequest, version_id: int) -> HttpResponse:
    version, member = selectors.minutes_version_for_reader(user=request.user, version_id=version_id)
    if request.method == "POST":
        if member is None:
            raise PermissionDenied
        try:
            if request.POST.get("action") == "approve":
                services.minutes_approve(version=version, actor=request.user)
                messages.success(request, "회의록을 승인했습니다.")
            else:
                item = None
                if request.POST.get("item"):
                    item = get_object_or_404(MinutesItem, pk=request.POST["item"], version=version)
                services.minutes_comment_add(
                    version=version, member=member, body=request.POST.get("body", ""), item=item, actor=request.user
                )
                messages.success(request, "의견을 남겼습니다.")
        except (ApplicationError, ValidationError) as exc:
            messages.error(request, _error_message(exc))
        return redirect("council:minutes_version", version_id=version.pk)
    context = {
        "version": version,
        "member": member,
        "text": selectors.minutes_version_text(version=version),
        "diff": selectors.minutes_version_diff_html(version=version),
        "items": version.items.select_related("agenda_item").order_by("position"),
        "comments": version.comments.select_related("member", "item__agenda_item").order_by("id"),
        "versions": version.minutes.versions.order_by("number"),
        "can_comment": member is not None and version.state == MinutesVersion.State.CIRCULATED,
        "can_approve": member is not None
        and member.role == member.Role.CHAIR
        and version.state == MinutesVersion.State.CIRCULATED,
    }
    return render(request, "council/minutes_version.html", context)


@require_GET
@member_login_required
def minutes_version_pdf(request: HttpRequest, version_id: int) -> HttpResponse:
    version, _ = selectors.minutes_version_for_reader(user=request.user, version_id=version_id)
    return _pdf_response(version)


def _pdf_response(version: MinutesVersion) -> HttpResponse:
    meeting = version.minutes.meeting
    response = HttpResponse(minutes_pdf(version=version), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="minutes-{meeting.number}-v{version.number}.pdf"'
    return response


@require_GET
def minutes_public(request: HttpRequest, token: str, number: int | None = None) -> HttpResponse:
    """The public page of published minutes whose visibility is public. No login, no personal data."""
    minutes = selectors.minutes_public(token=token)
    published = list(minutes.versions.filter(state=MinutesVersion.State.PUBLISHED).order_by("number"))
    if number is None:
        version = published[-1]
    else:
        version = next((v for v in published if v.number == number), None)  # type: ignore[assignment]
        if version is None:
            raise Http404
    if request.GET.get("format") == "pdf":
        return _pdf_response(version)
    context = {
        "minutes": minutes,
        "version": version,
        "versions": published,
        "text": version.body_text,
        "diff": selectors.minutes_version_diff_html(version=version),
    }
    return render(request, "council/minutes_public.html", context)
