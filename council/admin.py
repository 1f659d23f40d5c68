"""The secretariat's council admin. Every write goes through council.services: new rows and changes in
save_model/save_formset, operations as actions; refused moves come back as error messages."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from core.exceptions import ApplicationError
from council import selectors, services
from council.models import (
    ActionItem,
    AgendaItem,
    AgendaPaper,
    AgendaSnapshot,
    Attendance,
    ConflictDeclaration,
    Council,
    CouncilMember,
    Meeting,
    MeetingEvent,
    Minutes,
    MinutesComment,
    MinutesItem,
    MinutesVersion,
    Resolution,
    Vote,
)


def _message(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


class ServiceAdmin(admin.ModelAdmin):
    """Turns ValidationError/ApplicationError raised by a service while saving into an error message
    (the change form's transaction is rolled back) instead of a server error."""

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except (ValidationError, ApplicationError) as exc:
            self.message_user(request, _message(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def run_each(
        self, request: HttpRequest, queryset: QuerySet[Any], operation: Callable[[Any], Any], done: str
    ) -> None:
        ok = 0
        for obj in queryset:
            try:
                operation(obj)
                ok += 1
            except (ValidationError, ApplicationError) as exc:
                self.message_user(request, f"{obj}: {_message(exc)}", messages.ERROR)
        if ok:
            self.message_user(request, f"{ok}건 {done}", messages.SUCCESS)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- councils and members ------------------------------------------------------------------------
class CouncilMemberReadInline(ReadOnlyInline):
    model = CouncilMember
    fields = ("name", "organisation", "constituency", "role", "term_start", "term_end", "user")
    readonly_fields = fields
    show_change_link = True


@admin.register(Council)
class CouncilAdmin(ServiceAdmin):
    list_display = ["name", "incident", "quorum_rule", "voting_rule", "is_active"]
    list_select_related = ["incident"]
    inlines = [CouncilMemberReadInline]

    def save_model(self, request: HttpRequest, obj: Council, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            fields = {k: data[k] for k in form.changed_data if k in services.members.COUNCIL_FIELDS}
            services.council_update(council=Council.objects.get(pk=obj.pk), actor=request.user, **fields)
            return
        created = services.council_create(
            incident=data["incident"],
            name=data["name"],
            short_name=data["short_name"],
            quorum_rule=data["quorum_rule"],
            quorum_fixed=data.get("quorum_fixed"),
            voting_rule=data["voting_rule"],
            actor=request.user,
        )
        obj.pk = created.pk


class CouncilMemberForm(forms.ModelForm):
    username = forms.CharField(label="로그인 아이디", required=False, help_text="새 위원의 업무공간 로그인을 만듭니다")
    password = forms.CharField(label="초기 비밀번호", required=False, widget=forms.PasswordInput)

    class Meta:
        model = CouncilMember
        fields = [
            "council", "name", "organisation", "position", "constituency", "role", "email", "term_start", "term_end",
        ]  # fmt: skip


@admin.register(CouncilMember)
class CouncilMemberAdmin(ServiceAdmin):
    form = CouncilMemberForm
    list_display = ["name", "organisation", "constituency", "role", "council", "term_start", "term_end", "user"]
    list_filter = ["council", "role", "constituency"]
    list_select_related = ["council", "user"]
    search_fields = ["name", "organisation"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(CouncilMemberForm.Meta.fields)
        return [*fields, "username", "password"] if obj is None else fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["council", "user"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: CouncilMember, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            services.council_member_update(
                member=obj, actor=request.user, **{k: data[k] for k in services.members.MEMBER_FIELDS if k in data}
            )
            return
        created = services.council_member_create(
            council=data["council"],
            name=data["name"],
            organisation=data["organisation"],
            position=data.get("position", ""),
            constituency=data["constituency"],
            role=data["role"],
            email=data.get("email", ""),
            term_start=data["term_start"],
            term_end=data.get("term_end"),
            username=data.get("username") or None,
            password=data.get("password") or None,
            actor=request.user,
        )
        obj.pk = created.pk


# --- meetings ------------------------------------------------------------------------------------
class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ("position", "title", "presenter", "minutes_allotted", "description", "papers_link")
    readonly_fields = ("position", "papers_link")
    show_change_link = True

    @admin.display(description="자료·고정 자료")
    def papers_link(self, obj: AgendaItem) -> str:
        if not obj.pk:
            return ""
        return format_html(
            '<a href="{}">자료 {}건 · 고정 {}건</a>',
            reverse("admin:council_agendaitem_change", args=[obj.pk]),
            obj.papers.count(),
            obj.snapshots.count(),
        )


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    fields = ("member", "status", "proxy_name", "note")
    can_delete = False

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "member":
            meeting_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            council_id = Meeting.objects.filter(pk=meeting_id or 0).values_list("council_id", flat=True).first()
            kwargs["queryset"] = CouncilMember.objects.filter(council_id=council_id or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ResolutionReadInline(ReadOnlyInline):
    model = Resolution
    fields = ("number", "title", "kind", "state", "votes_for", "votes_against", "votes_abstain", "votes_recused")
    readonly_fields = fields
    show_change_link = True


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    fields = ("title", "owner_member", "owner_user", "due_date", "state")
    readonly_fields = ("state",)
    raw_id_fields = ("owner_user",)
    can_delete = False


class ConflictReadInline(ReadOnlyInline):
    model = ConflictDeclaration
    fields = ("member", "agenda_item", "description", "declared_by", "created_at")
    readonly_fields = fields


class MeetingEventInline(ReadOnlyInline):
    model = MeetingEvent
    fields = ("created_at", "kind", "from_state", "to_state", "actor", "reason", "data")
    readonly_fields = fields
    verbose_name_plural = "회의 이력"


class MeetingForm(forms.ModelForm):
    send_notice = forms.BooleanField(label="등록하면서 소집 통지 발송", required=False, initial=False)
    change_reason = forms.CharField(label="일정 변경 사유", required=False, help_text="일시·장소를 바꿀 때 적습니다")

    class Meta:
        model = Meeting
        fields = ["council", "title", "starts_at", "duration_minutes", "place", "online_url"]


@admin.register(Meeting)
class MeetingAdmin(ServiceAdmin):
    form = MeetingForm
    list_display = ["__str__", "title", "starts_at", "state", "council"]
    list_filter = ["state", "council"]
    list_select_related = ["council"]
    date_hierarchy = "starts_at"
    readonly_fields = ["number", "state", "ical_sequence", "held_at", "quorum", "carried_action_items", "workspace"]
    inlines = [
        AgendaItemInline, AttendanceInline, ResolutionReadInline, ActionItemInline, ConflictReadInline,
        MeetingEventInline,
    ]  # fmt: skip
    actions = ["send_notice", "mark_held", "start_minutes", "attach_claim_stats"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        base = ["council", "title", "starts_at", "duration_minutes", "place", "online_url"]
        if obj is None:
            return [*base, "send_notice"]
        return [*base, "change_reason", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["council", *self.readonly_fields] if obj is not None else []

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return self.inlines if obj is not None else []

    @admin.display(description="의사정족수")
    def quorum(self, obj: Meeting) -> str:
        q = selectors.meeting_quorum(meeting=obj)
        state = "충족" if q.has_quorum else "미달"
        return f"의결권자 {q.voting_members}명 중 {q.present_voting}명 출석 / 필요 {q.required}명 ({state})"

    @admin.display(description="지난 회의 조치 사항 (자동 안건)")
    def carried_action_items(self, obj: Meeting) -> str:
        rows = selectors.meeting_carried_action_items(meeting=obj)
        return (
            format_html_join(
                mark_safe("<br>"), "{} — {} (기한 {})", ((a.title, a.owner_label, a.due_date) for a in rows)
            )
            or "-"
        )

    @admin.display(description="위원 화면")
    def workspace(self, obj: Meeting) -> str:
        return format_html('<a href="{}">열기</a>', reverse("council:meeting", args=[obj.pk]))

    def save_model(self, request: HttpRequest, obj: Meeting, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            created = services.meeting_plan(
                council=data["council"],
                title=data["title"],
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                place=data.get("place", ""),
                online_url=data.get("online_url", ""),
                send_notice=data.get("send_notice", False),
                actor=request.user,
            )
            obj.pk, obj.number = created.pk, created.number  # the "added" message names the meeting
            return
        current = Meeting.objects.get(pk=obj.pk)
        if form.has_changed() and set(form.changed_data) - {"change_reason"}:
            if "title" in form.changed_data:
                current = services.meeting_rename(meeting=current, title=data["title"], actor=request.user)
            services.meeting_reschedule(
                meeting=current,
                starts_at=data["starts_at"],
                place=data.get("place", ""),
                online_url=data.get("online_url", ""),
                duration_minutes=data["duration_minutes"],
                reason=data.get("change_reason", ""),
                actor=request.user,
            )

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool) -> None:
        meeting = form.instance
        # The services write the rows, not formset.save(); the admin's change message still reads these lists.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms:
                if isinstance(inline_form.instance, AgendaItem) and inline_form.instance.pk:
                    services.agenda_item_remove(item=inline_form.instance, actor=request.user)
                    formset.deleted_objects.append(inline_form.instance)
                continue
            if not inline_form.has_changed():
                continue
            data, row = inline_form.cleaned_data, inline_form.instance
            if row.pk:
                formset.changed_objects.append((row, inline_form.changed_data))
            if formset.model is AgendaItem:
                fields = {k: data[k] for k in ("title", "presenter", "minutes_allotted", "description")}
                if row.pk:
                    services.agenda_item_update(item=row, actor=request.user, **fields)
                else:
                    formset.new_objects.append(services.agenda_item_add(meeting=meeting, actor=request.user, **fields))
            elif formset.model is Attendance:
                attendance = services.attendance_record(
                    meeting=meeting,
                    member=data["member"],
                    status=data["status"],
                    proxy_name=data.get("proxy_name", ""),
                    note=data.get("note", ""),
                    actor=request.user,
                )
                if not row.pk:
                    formset.new_objects.append(attendance)
            elif formset.model is ActionItem and not row.pk:
                item = services.action_item_create(
                    meeting=meeting,
                    title=data["title"],
                    due_date=data["due_date"],
                    owner_member=data.get("owner_member"),
                    owner_user=data.get("owner_user"),
                    actor=request.user,
                )
                formset.new_objects.append(item)

    @admin.action(description="소집 통지 (다시) 보내기")
    def send_notice(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        self.run_each(request, queryset, lambda m: services.meeting_notice_send(meeting=m, actor=request.user), "통지")

    @admin.action(description="개최로 기록")
    def mark_held(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        self.run_each(
            request,
            queryset,
            lambda m: services.meeting_transition(meeting=m, to_state=Meeting.State.HELD, actor=request.user),
            "개최 기록",
        )

    @admin.action(description="회의록 작성 시작")
    def start_minutes(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        self.run_each(request, queryset, lambda m: services.minutes_start(meeting=m, actor=request.user), "시작")

    @admin.action(description="첫 안건에 현재 피해 신고 통계 고정")
    def attach_claim_stats(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        def attach(meeting: Meeting) -> None:
            item = meeting.agenda_items.order_by("position").first()
            if item is None:
                raise ApplicationError("안건이 없습니다.")
            services.agenda_snapshot_attach_claim_stats(item=item, actor=request.user)

        self.run_each(request, queryset, attach, "고정")


# Postponing and cancelling need a reason: a small intermediate form would be nicer; the API and the
# meeting change form's history carry it. The admin offers them as actions with a fixed reason prompt.
def _state_action(to_state: str, label: str) -> Callable[..., None]:
    def action(modeladmin: MeetingAdmin, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        reason = f"사무국 {label} 처리"
        modeladmin.run_each(
            request,
            queryset,
            lambda m: services.meeting_transition(meeting=m, to_state=to_state, actor=request.user, reason=reason),
            label,
        )

    action.__name__ = f"mark_{to_state}"
    return admin.action(description=f"{label}로 기록")(action)


MeetingAdmin.actions = [
    *MeetingAdmin.actions,
    _state_action(Meeting.State.POSTPONED, "연기"),
    _state_action(Meeting.State.CANCELLED, "취소"),
]


# --- agenda items: papers and snapshots ----------------------------------------------------------
class AgendaPaperInline(ReadOnlyInline):
    model = AgendaPaper
    fields = ("download", "kind", "size", "sha256", "uploaded_by", "created_at")
    readonly_fields = fields

    @admin.display(description="파일")
    def download(self, obj: AgendaPaper) -> str:
        return format_html('<a href="{}">{}</a>', reverse("council:paper_download", args=[obj.pk]), obj.original_name)


class AgendaSnapshotInline(ReadOnlyInline):
    model = AgendaSnapshot
    fields = ("title", "kind", "source", "taken_at", "taken_by", "data")
    readonly_fields = fields


class AgendaItemForm(forms.ModelForm):
    upload = forms.FileField(label="자료 첨부 (PDF·XLSX)", required=False)

    class Meta:
        model = AgendaItem
        fields = ["title", "presenter", "minutes_allotted", "description"]


@admin.register(AgendaItem)
class AgendaItemAdmin(ServiceAdmin):
    form = AgendaItemForm
    list_display = ["__str__", "meeting", "presenter", "minutes_allotted"]
    list_select_related = ["meeting__council"]
    readonly_fields = ["meeting", "position"]
    inlines = [AgendaPaperInline, AgendaSnapshotInline]
    actions = ["attach_claim_stats"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # items are added on their meeting's page

    def save_model(self, request: HttpRequest, obj: AgendaItem, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        changed = {k: data[k] for k in form.changed_data if k in AgendaItemForm.Meta.fields}
        if changed:
            services.agenda_item_update(item=AgendaItem.objects.get(pk=obj.pk), actor=request.user, **changed)
        if data.get("upload"):
            services.agenda_paper_attach(item=obj, upload=data["upload"], actor=request.user)

    @admin.action(description="현재 피해 신고 통계 고정")
    def attach_claim_stats(self, request: HttpRequest, queryset: QuerySet[AgendaItem]) -> None:
        self.run_each(
            request,
            queryset.select_related("meeting__council__incident"),
            lambda item: services.agenda_snapshot_attach_claim_stats(item=item, actor=request.user),
            "고정",
        )


# --- resolutions ---------------------------------------------------------------------------------
class VoteInline(ReadOnlyInline):
    model = Vote
    fields = ("member", "choice", "cast_by", "updated_at")
    readonly_fields = fields


class ResolutionForm(forms.ModelForm):
    tally_for = forms.IntegerField(label="찬성(집계)", required=False, min_value=0)
    tally_against = forms.IntegerField(label="반대(집계)", required=False, min_value=0)
    tally_abstain = forms.IntegerField(label="기권(집계)", required=False, min_value=0)
    tally_recused = forms.IntegerField(label="회피(집계)", required=False, min_value=0)
    record_now = forms.BooleanField(label="저장하면서 의결 결과 기록", required=False)

    class Meta:
        model = Resolution
        fields = ["meeting", "agenda_item", "title", "text", "kind", "tally_mode", "approves_minutes"]


@admin.register(Resolution)
class ResolutionAdmin(ServiceAdmin):
    form = ResolutionForm
    list_display = ["__str__", "title", "kind", "state", "votes_for", "votes_against", "votes_abstain", "adopted_at"]
    list_filter = ["state", "kind", "meeting__council"]
    list_select_related = ["meeting__council"]
    raw_id_fields = ["meeting", "agenda_item", "approves_minutes"]
    readonly_fields = [
        "number", "state", "votes_for", "votes_against", "votes_abstain", "votes_recused", "present_voting",
        "decided_at", "adopted_at", "governed",
    ]  # fmt: skip
    inlines = [VoteInline]
    actions = ["open_voting", "record_votes", "withdraw"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        base = list(ResolutionForm.Meta.fields)
        tally = ["tally_for", "tally_against", "tally_abstain", "tally_recused", "record_now"]
        if obj is None:
            return base
        return base + (tally if not obj.is_decided else []) + self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*ResolutionForm.Meta.fields, *self.readonly_fields] if obj is not None else []

    @admin.display(description="이 의결에 따르는 것")
    def governed(self, obj: Resolution) -> str:
        rows = selectors.resolution_governed(resolution=obj)
        return (
            format_html_join(mark_safe("<br>"), "{}: {}", ((k, ", ".join(map(str, v))) for k, v in rows.items())) or "-"
        )

    def save_model(self, request: HttpRequest, obj: Resolution, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            created = services.resolution_propose(
                meeting=data["meeting"],
                agenda_item=data.get("agenda_item"),
                title=data["title"],
                text=data["text"],
                kind=data["kind"],
                tally_mode=data["tally_mode"],
                approves_minutes=data.get("approves_minutes"),
                actor=request.user,
            )
            obj.pk = created.pk
            return
        if data.get("record_now"):
            tally = None
            if obj.tally_mode == Resolution.TallyMode.TALLY:
                tally = {k: data.get(f"tally_{k}") or 0 for k in ("for", "against", "abstain", "recused")}
            services.resolution_record(resolution=obj, actor=request.user, tally=tally)

    @admin.action(description="표결에 부치기 (위원별 표결 시작)")
    def open_voting(self, request: HttpRequest, queryset: QuerySet[Resolution]) -> None:
        self.run_each(
            request, queryset, lambda r: services.resolution_open_voting(resolution=r, actor=request.user), "시작"
        )

    @admin.action(description="위원별 표결 결과로 의결 기록")
    def record_votes(self, request: HttpRequest, queryset: QuerySet[Resolution]) -> None:
        self.run_each(request, queryset, lambda r: services.resolution_record(resolution=r, actor=request.user), "기록")

    @admin.action(description="철회")
    def withdraw(self, request: HttpRequest, queryset: QuerySet[Resolution]) -> None:
        self.run_each(
            request, queryset, lambda r: services.resolution_withdraw(resolution=r, actor=request.user), "철회"
        )


# --- action items and conflicts ------------------------------------------------------------------
@admin.register(ActionItem)
class ActionItemAdmin(ServiceAdmin):
    list_display = ["title", "meeting", "owner_member", "owner_user", "due_date", "state", "last_reminded_on"]
    list_filter = ["state", "meeting__council"]
    list_select_related = ["meeting__council", "owner_member", "owner_user"]
    readonly_fields = ["meeting", "title", "description", "owner_member", "owner_user", "due_date", "state",
                       "completed_at", "last_reminded_on"]  # fmt: skip
    actions = ["mark_in_progress", "mark_done", "mark_cancelled"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # added on their meeting's page

    def _to(self, request: HttpRequest, queryset: QuerySet[ActionItem], state: str, label: str) -> None:
        self.run_each(
            request,
            queryset,
            lambda a: services.action_item_transition(item=a, to_state=state, actor=request.user),
            label,
        )

    @admin.action(description="진행 중으로")
    def mark_in_progress(self, request: HttpRequest, queryset: QuerySet[ActionItem]) -> None:
        self._to(request, queryset, ActionItem.State.IN_PROGRESS, "변경")

    @admin.action(description="완료로")
    def mark_done(self, request: HttpRequest, queryset: QuerySet[ActionItem]) -> None:
        self._to(request, queryset, ActionItem.State.DONE, "완료")

    @admin.action(description="취소로")
    def mark_cancelled(self, request: HttpRequest, queryset: QuerySet[ActionItem]) -> None:
        self._to(request, queryset, ActionItem.State.CANCELLED, "취소")


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(ServiceAdmin):
    list_display = ["member", "meeting", "agenda_item", "description", "declared_by", "created_at"]
    list_select_related = ["member", "meeting__council", "agenda_item", "declared_by"]
    raw_id_fields = ["meeting", "agenda_item"]
    fields = ["meeting", "member", "agenda_item", "description"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: ConflictDeclaration, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        created = services.conflict_declare(
            meeting=data["meeting"],
            member=data["member"],
            agenda_item=data.get("agenda_item"),
            description=data["description"],
            actor=request.user,
        )
        obj.pk = created.pk


# --- minutes -------------------------------------------------------------------------------------
class MinutesVersionReadInline(ReadOnlyInline):
    model = MinutesVersion
    fields = ("number", "state", "correction_reason", "circulated_at", "approved_at", "published_at")
    readonly_fields = fields
    show_change_link = True


class MinutesForm(forms.ModelForm):
    correction_reason = forms.CharField(
        label="정정본 만들기: 정정 사유", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="확정된 회의록을 고치려면 사유를 적고 저장하세요. 새 판이 초안으로 만들어집니다.",
    )  # fmt: skip

    class Meta:
        model = Minutes
        fields = ["visibility"]


@admin.register(Minutes)
class MinutesAdmin(ServiceAdmin):
    form = MinutesForm
    list_display = ["__str__", "visibility", "public_page"]
    list_select_related = ["meeting__council"]
    readonly_fields = ["meeting", "public_page"]
    inlines = [MinutesVersionReadInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # started from the meeting ("회의록 작성 시작")

    @admin.display(description="공개 페이지")
    def public_page(self, obj: Minutes) -> str:
        if obj.visibility != Minutes.Visibility.PUBLIC:
            return "-"
        return format_html('<a href="{}">열기</a>', reverse("council:minutes_public", args=[obj.public_token]))

    def save_model(self, request: HttpRequest, obj: Minutes, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        services.minutes_set_visibility(minutes=obj, visibility=data["visibility"], actor=request.user)
        if data.get("correction_reason"):
            services.minutes_correct(minutes=obj, reason=data["correction_reason"], actor=request.user)


class MinutesItemInline(admin.StackedInline):
    model = MinutesItem
    extra = 0
    can_delete = False
    fields = ("agenda_item", "discussion", "decisions")
    readonly_fields = ("agenda_item",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        editable = obj is None or obj.state == MinutesVersion.State.DRAFT
        return editable and super().has_change_permission(request, obj)


class MinutesCommentInline(ReadOnlyInline):
    model = MinutesComment
    fields = ("member", "item", "body", "created_at")
    readonly_fields = fields


@admin.register(MinutesVersion)
class MinutesVersionAdmin(ServiceAdmin):
    """The minutes editor: summary and per-item discussion/decisions while a draft; then circulate,
    publish (after the chair's or a resolution's approval), and read every version with its diff."""

    list_display = ["__str__", "state", "circulated_at", "approved_at", "published_at"]
    list_filter = ["state", "minutes__meeting__council"]
    list_select_related = ["minutes__meeting__council"]
    fields = ["minutes", "number", "state", "correction_reason", "summary", "approved_by", "approved_by_resolution",
              "reader", "diff"]  # fmt: skip
    inlines = [MinutesItemInline, MinutesCommentInline]
    actions = ["circulate", "revise", "publish"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fixed = ["minutes", "number", "state", "correction_reason", "approved_by", "approved_by_resolution", "reader",
                 "diff"]  # fmt: skip
        if obj is None or obj.state != MinutesVersion.State.DRAFT:
            fixed.append("summary")
        return fixed

    @admin.display(description="읽기·PDF")
    def reader(self, obj: MinutesVersion) -> str:
        return format_html(
            '<a href="{}">본문</a> · <a href="{}">PDF</a>',
            reverse("council:minutes_version", args=[obj.pk]),
            reverse("council:minutes_version_pdf", args=[obj.pk]),
        )

    @admin.display(description="이전 판과 비교")
    def diff(self, obj: MinutesVersion) -> str:
        return mark_safe(selectors.minutes_version_diff_html(version=obj) or "-")  # difflib escapes the text

    def save_model(self, request: HttpRequest, obj: MinutesVersion, form: forms.ModelForm, change: bool) -> None:
        if "summary" in form.changed_data:
            services.minutes_version_update(version=obj, summary=form.cleaned_data["summary"], actor=request.user)

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool) -> None:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []  # for the change message
        for inline_form in formset.forms:
            if formset.model is MinutesItem and inline_form.has_changed():
                formset.changed_objects.append((inline_form.instance, inline_form.changed_data))
                data = inline_form.cleaned_data
                services.minutes_item_update(
                    item=inline_form.instance,
                    discussion=data.get("discussion"),
                    decisions=data.get("decisions"),
                    actor=request.user,
                )

    @admin.action(description="위원들에게 회람")
    def circulate(self, request: HttpRequest, queryset: QuerySet[MinutesVersion]) -> None:
        self.run_each(request, queryset, lambda v: services.minutes_circulate(version=v, actor=request.user), "회람")

    @admin.action(description="초안으로 되돌리기 (의견 반영)")
    def revise(self, request: HttpRequest, queryset: QuerySet[MinutesVersion]) -> None:
        self.run_each(request, queryset, lambda v: services.minutes_revise(version=v, actor=request.user), "되돌림")

    @admin.action(description="확정·공개")
    def publish(self, request: HttpRequest, queryset: QuerySet[MinutesVersion]) -> None:
        self.run_each(request, queryset, lambda v: services.minutes_publish(version=v, actor=request.user), "확정")
