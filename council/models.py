"""The damage-support council: members, meetings, agenda, attendance, resolutions and votes, action items
and minutes. The secretariat creates every row through council.services; members add only their own
conflict declarations, votes and minutes comments, also through services."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel
from core.validators import reject_rrn_in_model


class Council(BaseModel):
    """The council convened for one incident. Created by the secretariat in the admin."""

    class QuorumRule(models.TextChoices):
        MAJORITY = "majority", "재적 의결권자 과반 출석"  # more than half of the voting members present
        TWO_THIRDS = "two_thirds", "재적 의결권자 3분의 2 출석"  # at least two thirds present
        FIXED = "fixed", "정족수 인원 지정"  # at least `quorum_fixed` voting members present

    class VotingRule(models.TextChoices):
        MAJORITY_CAST = "majority_cast", "투표자 과반 찬성"  # for > against (abstentions do not count)
        MAJORITY_PRESENT = "majority_present", "출석 의결권자 과반 찬성"  # for > half of voting members present
        TWO_THIRDS_PRESENT = "two_thirds_present", "출석 의결권자 3분의 2 찬성"  # for >= 2/3 of voting present

    incident = models.ForeignKey(
        "claims.Incident", on_delete=models.PROTECT, related_name="councils", verbose_name="장애"
    )
    name = models.CharField("이름", max_length=200, help_text="예: 카카오 서비스 장애 피해지원 협의체")
    short_name = models.CharField("약칭", max_length=40, default="협의체", help_text="회의·의결 표시에 쓰는 이름")
    quorum_rule = models.CharField("의사정족수", max_length=20, choices=QuorumRule.choices, default=QuorumRule.MAJORITY)
    quorum_fixed = models.PositiveSmallIntegerField("지정 정족수(명)", null=True, blank=True)
    voting_rule = models.CharField(
        "의결 방식", max_length=20, choices=VotingRule.choices, default=VotingRule.MAJORITY_CAST
    )
    is_active = models.BooleanField("활동 중", default=True)

    class Meta:
        verbose_name = "협의체"
        verbose_name_plural = "협의체"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "name"], name="council_unique_name_per_incident"),
            models.CheckConstraint(
                condition=~Q(quorum_rule="fixed") | Q(quorum_fixed__gte=1), name="council_fixed_quorum_has_number"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CouncilMember(BaseModel):
    """A seat on a council held by one person for a term. Created by the secretariat; `user` is the
    person's login (group `council_member`) for the member workspace, null for seats without one."""

    class Constituency(models.TextChoices):
        COMPANY = "company", "회사"
        SMALL_BUSINESS = "small_business", "소상공인"
        STARTUP = "startup", "스타트업"
        CONSUMER = "consumer", "소비자"
        EXPERT = "expert", "전문가"
        GOVERNMENT = "government", "정부"
        OTHER = "other", "기타"

    class Role(models.TextChoices):
        CHAIR = "chair", "위원장"  # votes, chairs, approves minutes
        MEMBER = "member", "위원"  # votes
        SECRETARY = "secretary", "간사"  # keeps the record, does not vote or count toward quorum
        OBSERVER = "observer", "참관"  # attends, does not vote or count toward quorum

    VOTING_ROLES = (Role.CHAIR, Role.MEMBER)

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="members", verbose_name="협의체")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="council_seats",
        verbose_name="로그인 계정",
    )
    name = models.CharField("이름", max_length=100)
    organisation = models.CharField("소속 단체", max_length=200)
    position = models.CharField("직위", max_length=100, blank=True)
    constituency = models.CharField("대표 분야", max_length=20, choices=Constituency.choices)
    role = models.CharField("역할", max_length=20, choices=Role.choices, default=Role.MEMBER)
    email = models.EmailField("이메일", blank=True)
    term_start = models.DateField("임기 시작")
    term_end = models.DateField("임기 종료", null=True, blank=True)

    class Meta:
        verbose_name = "협의체 위원"
        verbose_name_plural = "협의체 위원"
        ordering = ["council", "role", "name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "user"], name="councilmember_one_seat_per_user"),
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_end__gte=models.F("term_start")),
                name="councilmember_term_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    @property
    def is_voting(self) -> bool:
        return self.role in self.VOTING_ROLES

    def in_term(self, day) -> bool:  # type: ignore[no-untyped-def]
        return self.term_start <= day and (self.term_end is None or day <= self.term_end)


class Meeting(BaseModel):
    """One meeting of a council, numbered in order (1차, 2차 …). Planned by the secretariat."""

    class State(models.TextChoices):
        PLANNED = "planned", "예정"  # scheduled; notices go out
        HELD = "held", "개최"  # took place; attendance, resolutions and minutes follow
        CANCELLED = "cancelled", "취소"  # will not take place
        POSTPONED = "postponed", "연기"  # off the calendar until re-planned with a new date

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="meetings", verbose_name="협의체")
    number = models.PositiveSmallIntegerField("차수", editable=False)
    title = models.CharField("회의명", max_length=200, help_text="예: 제2차 전체회의")
    starts_at = models.DateTimeField("일시")
    duration_minutes = models.PositiveSmallIntegerField("예정 시간(분)", default=120)
    place = models.CharField("장소", max_length=200, blank=True)
    online_url = models.URLField("온라인 회의 주소", blank=True)
    state = models.CharField(
        "상태", max_length=20, choices=State.choices, default=State.PLANNED, editable=False, db_index=True
    )
    # iCalendar identity: UID never changes, SEQUENCE goes up each time the event is moved or cancelled.
    ical_uid = models.UUIDField("캘린더 UID", default=uuid.uuid4, unique=True, editable=False)
    ical_sequence = models.PositiveIntegerField("캘린더 SEQUENCE", default=0, editable=False)
    held_at = models.DateTimeField("개최 기록 시각", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "회의"
        verbose_name_plural = "회의"
        ordering = ["council", "number"]
        constraints = [
            models.UniqueConstraint(fields=["council", "number"], name="meeting_unique_number_per_council"),
            models.CheckConstraint(condition=Q(number__gte=1), name="meeting_number_positive"),
            models.CheckConstraint(condition=~Q(place="") | ~Q(online_url=""), name="meeting_has_place_or_online_url"),
        ]
        indexes = [models.Index(fields=["state", "starts_at"], name="meeting_state_starts_idx")]

    def __str__(self) -> str:
        return f"{self.council.short_name} {self.number}차 회의"

    @property
    def number_label(self) -> str:
        return f"{self.number}차"


class MeetingEvent(BaseModel):
    """One entry in a meeting's history (planned, moved, held, cancelled, postponed, notice sent),
    written by council.events inside the service that made the change."""

    class Kind(models.TextChoices):
        PLANNED = "planned", "예정 등록"
        RESCHEDULED = "rescheduled", "일시·장소 변경"
        STATE_CHANGED = "state_changed", "상태 변경"
        NOTICE_SENT = "notice_sent", "소집 통지"
        REMINDER_SENT = "reminder_sent", "전일 알림"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="events", verbose_name="회의")
    kind = models.CharField("종류", max_length=20, choices=Kind.choices)
    from_state = models.CharField("이전 상태", max_length=20, choices=Meeting.State.choices, blank=True)
    to_state = models.CharField("새 상태", max_length=20, choices=Meeting.State.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="처리자"
    )
    reason = models.TextField("사유", blank=True)
    data = models.JSONField("내용", default=dict, blank=True)

    class Meta:
        verbose_name = "회의 이력"
        verbose_name_plural = "회의 이력"
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return f"{self.meeting} {self.get_kind_display()}"


class AgendaItem(BaseModel):
    """One item on a meeting's agenda, in order. Added by the secretariat."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items", verbose_name="회의")
    position = models.PositiveSmallIntegerField("순서")
    title = models.CharField("안건", max_length=300)
    presenter = models.CharField("발표자", max_length=100, blank=True)
    minutes_allotted = models.PositiveSmallIntegerField("배정 시간(분)", default=10)
    description = models.TextField("설명", blank=True)

    class Meta:
        verbose_name = "안건"
        verbose_name_plural = "안건"
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="agendaitem_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    def clean(self) -> None:
        reject_rrn_in_model(self, "title", "presenter", "description")


class AgendaPaper(BaseModel):
    """A paper (PDF or XLSX) attached to an agenda item. Stored under MEDIA_ROOT (outside the web root)
    and served only by the download view to the secretariat and the council's members."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "Excel (XLSX)"

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="papers", verbose_name="안건")
    file = models.FileField("파일", upload_to="council/papers/%Y/%m/")
    kind = models.CharField("형식", max_length=10, choices=Kind.choices)
    original_name = models.CharField("원래 파일명", max_length=255)
    size = models.PositiveIntegerField("크기(바이트)")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="등록자"
    )

    class Meta:
        verbose_name = "회의 자료"
        verbose_name_plural = "회의 자료"
        ordering = ["agenda_item", "id"]

    def __str__(self) -> str:
        return self.original_name


class AgendaSnapshot(BaseModel):
    """Figures frozen onto an agenda item at the moment they were attached (claims statistics, or a
    compensation policy simulation), so the record shows what the council saw that day. Never changed."""

    class Kind(models.TextChoices):
        CLAIM_STATS = "claim_stats", "피해 신고 통계"
        POLICY_SIMULATION = "policy_simulation", "보상 기준 시뮬레이션"

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="snapshots", verbose_name="안건")
    kind = models.CharField("종류", max_length=30, choices=Kind.choices)
    title = models.CharField("제목", max_length=200)
    # What the figures came from, e.g. "incident:1" or "policy_version:7".
    source = models.CharField("출처", max_length=100, blank=True)
    data = models.JSONField("수치")
    taken_at = models.DateTimeField("기준 시각")
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="첨부자"
    )

    class Meta:
        verbose_name = "고정 자료"
        verbose_name_plural = "고정 자료"
        ordering = ["agenda_item", "id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.taken_at:%Y-%m-%d %H:%M})"


class Attendance(BaseModel):
    """Whether one member attended one meeting, recorded by the secretariat."""

    class Status(models.TextChoices):
        PRESENT = "present", "출석"  # attended in person or online
        ABSENT = "absent", "불참"  # did not attend, not represented
        PROXY = "proxy", "대리 출석"  # represented by the named proxy, who votes in the member's place

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance", verbose_name="회의")
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="attendance", verbose_name="위원")
    status = models.CharField("출석", max_length=10, choices=Status.choices)
    proxy_name = models.CharField("대리인", max_length=100, blank=True)
    note = models.CharField("비고", max_length=200, blank=True)

    class Meta:
        verbose_name = "출석"
        verbose_name_plural = "출석"
        ordering = ["meeting", "member__name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_unique_member_per_meeting"),
            models.CheckConstraint(
                condition=Q(status="proxy", proxy_name__gt="") | (~Q(status="proxy") & Q(proxy_name="")),
                name="attendance_proxy_named_iff_proxy",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member.name}: {self.get_status_display()}"

    @property
    def counts_as_present(self) -> bool:
        return self.status in (self.Status.PRESENT, self.Status.PROXY)


class ConflictDeclaration(BaseModel):
    """A member's declaration of a conflict of interest for a meeting (or one agenda item of it), made
    by the member in the workspace or recorded by the secretariat, before the votes it affects. A member
    with a conflict is recorded as recused on the resolutions it covers."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="conflict_declarations", verbose_name="회의"
    )
    member = models.ForeignKey(
        CouncilMember, on_delete=models.PROTECT, related_name="conflict_declarations", verbose_name="위원"
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conflict_declarations",
        verbose_name="안건",
        help_text="비워 두면 회의 전체",
    )
    description = models.TextField("이해관계 내용")
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="기록자"
    )

    class Meta:
        verbose_name = "이해충돌 신고"
        verbose_name_plural = "이해충돌 신고"
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return f"{self.member.name}: {self.description[:40]}"

    def clean(self) -> None:
        reject_rrn_in_model(self, "description")


class Resolution(BaseModel):
    """A motion put to a meeting and, once decided, its outcome: numbered per meeting (의결 1호, 2호 …).
    Recorded by the secretariat; members vote in the workspace. A `policy_adoption` resolution is what a
    compensation policy version points at (`compensation` holds `adopted_by = FK(council.Resolution)`)."""

    class Kind(models.TextChoices):
        POLICY_ADOPTION = "policy_adoption", "보상 기준 채택"
        PROCEDURE = "procedure", "절차"
        OTHER = "other", "기타"

    class State(models.TextChoices):
        DRAFT = "draft", "상정 전"  # text being prepared
        VOTING = "voting", "표결 중"  # put to the vote; members cast votes
        ADOPTED = "adopted", "가결"  # decided: adopted
        REJECTED = "rejected", "부결"  # decided: not adopted
        WITHDRAWN = "withdrawn", "철회"  # taken off before a decision

    class TallyMode(models.TextChoices):
        PER_MEMBER = "per_member", "위원별 표결"  # tallies are counted from Vote rows
        TALLY = "tally", "집계만 기록"  # the secretariat enters the totals (e.g. show of hands)

    DECIDED_STATES = (State.ADOPTED, State.REJECTED)

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="resolutions", verbose_name="회의")
    number = models.PositiveSmallIntegerField("의결 번호", editable=False)
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.PROTECT, null=True, blank=True, related_name="resolutions", verbose_name="안건"
    )
    title = models.CharField("제목", max_length=300)
    text = models.TextField("의결 내용")
    kind = models.CharField("종류", max_length=20, choices=Kind.choices, default=Kind.OTHER)
    state = models.CharField(
        "상태", max_length=20, choices=State.choices, default=State.DRAFT, editable=False, db_index=True
    )
    tally_mode = models.CharField(
        "표결 기록 방식", max_length=20, choices=TallyMode.choices, default=TallyMode.PER_MEMBER
    )
    votes_for = models.PositiveSmallIntegerField("찬성", default=0, editable=False)
    votes_against = models.PositiveSmallIntegerField("반대", default=0, editable=False)
    votes_abstain = models.PositiveSmallIntegerField("기권", default=0, editable=False)
    votes_recused = models.PositiveSmallIntegerField("제척·회피", default=0, editable=False)
    present_voting = models.PositiveSmallIntegerField("출석 의결권자", default=0, editable=False)
    decided_at = models.DateTimeField("의결 시각", null=True, blank=True, editable=False)
    adopted_at = models.DateTimeField("가결 시각", null=True, blank=True, editable=False)
    # Set when this resolution approves the minutes of an earlier meeting.
    approves_minutes = models.ForeignKey(
        "MinutesVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approving_resolutions",
        verbose_name="승인 대상 회의록",
    )

    class Meta:
        verbose_name = "의결"
        verbose_name_plural = "의결"
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="resolution_unique_number_per_meeting"),
            models.CheckConstraint(condition=Q(number__gte=1), name="resolution_number_positive"),
            models.CheckConstraint(
                condition=Q(state="adopted", adopted_at__isnull=False) | (~Q(state="adopted") & Q(adopted_at=None)),
                name="resolution_adopted_at_iff_adopted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} 의결 {self.number}호"

    def clean(self) -> None:
        # Resolutions are printed in the minutes, which may be published.
        reject_rrn_in_model(self, "title", "text")

    @property
    def label(self) -> str:
        return str(self)

    @property
    def is_adopted(self) -> bool:
        return self.state == self.State.ADOPTED

    @property
    def is_decided(self) -> bool:
        return self.state in self.DECIDED_STATES


class Vote(BaseModel):
    """One member's vote on one resolution, cast by the member in the workspace or recorded by the
    secretariat. A member who declared a conflict covering the resolution is stored as `recused`."""

    class Choice(models.TextChoices):
        FOR = "for", "찬성"
        AGAINST = "against", "반대"
        ABSTAIN = "abstain", "기권"
        RECUSED = "recused", "회피"  # conflict of interest declared: not counted for or against

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="votes", verbose_name="의결")
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="votes", verbose_name="위원")
    choice = models.CharField("표결", max_length=10, choices=Choice.choices)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="기록자"
    )

    class Meta:
        verbose_name = "표결"
        verbose_name_plural = "표결"
        ordering = ["resolution", "member__name"]
        constraints = [
            models.UniqueConstraint(fields=["resolution", "member"], name="vote_one_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member.name}: {self.get_choice_display()}"


class ActionItem(BaseModel):
    """A follow-up agreed in a meeting, owned by a member or a staff user. Created by the secretariat;
    open items show on the next meeting's agenda and get overdue reminders."""

    class State(models.TextChoices):
        OPEN = "open", "미착수"  # agreed, nobody has started
        IN_PROGRESS = "in_progress", "진행 중"  # being worked on
        DONE = "done", "완료"  # finished
        CANCELLED = "cancelled", "취소"  # dropped

    OPEN_STATES = (State.OPEN, State.IN_PROGRESS)

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="action_items", verbose_name="회의")
    title = models.CharField("조치 사항", max_length=300)
    description = models.TextField("설명", blank=True)
    owner_member = models.ForeignKey(
        CouncilMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name="담당 위원",
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="council_action_items",
        verbose_name="담당 직원",
    )
    due_date = models.DateField("기한")
    state = models.CharField("상태", max_length=20, choices=State.choices, default=State.OPEN, db_index=True)
    completed_at = models.DateTimeField("완료 시각", null=True, blank=True, editable=False)
    last_reminded_on = models.DateField("마지막 독촉일", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "조치 사항"
        verbose_name_plural = "조치 사항"
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_member__isnull=False) | Q(owner_user__isnull=False), name="actionitem_has_owner"
            ),
        ]
        indexes = [models.Index(fields=["state", "due_date"], name="actionitem_state_due_idx")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        reject_rrn_in_model(self, "title", "description")

    @property
    def owner_label(self) -> str:
        if self.owner_member is not None:
            return self.owner_member.name
        if self.owner_user is not None:
            return self.owner_user.get_full_name() or self.owner_user.get_username()
        return ""


class Minutes(BaseModel):
    """The minutes of one held meeting (at most one per meeting), holding its versions. Created by the
    secretariat when it starts drafting; `visibility` says who may read the published text."""

    class Visibility(models.TextChoices):
        INTERNAL = "internal", "내부"  # secretariat only
        MEMBERS = "members", "위원 공개"  # the council's members too
        PUBLIC = "public", "일반 공개"  # anyone, on the public page

    meeting = models.OneToOneField(Meeting, on_delete=models.PROTECT, related_name="minutes", verbose_name="회의")
    visibility = models.CharField(
        "공개 범위", max_length=10, choices=Visibility.choices, default=Visibility.MEMBERS, db_index=True
    )
    # Opaque token in the public URL so published minutes are not enumerable by meeting id.
    public_token = models.UUIDField("공개 주소 토큰", default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = "회의록"
        verbose_name_plural = "회의록"
        ordering = ["-meeting__starts_at"]

    def __str__(self) -> str:
        return f"{self.meeting} 회의록"


class MinutesVersion(BaseModel):
    """One version of a meeting's minutes. Version 1 is the original; each correction of a published
    version is a new version with a reason. Only a draft can be edited; a published row is frozen (the
    services refuse, and a PostgreSQL trigger refuses any UPDATE or DELETE)."""

    class State(models.TextChoices):
        DRAFT = "draft", "초안"  # the secretariat is writing it
        CIRCULATED = "circulated", "회람 중"  # sent to members for comments
        APPROVED = "approved", "승인"  # approved by the chair or by a resolution of the next meeting
        PUBLISHED = "published", "확정·공개"  # final; never edited again

    OPEN_STATES = (State.DRAFT, State.CIRCULATED, State.APPROVED)

    minutes = models.ForeignKey(Minutes, on_delete=models.PROTECT, related_name="versions", verbose_name="회의록")
    number = models.PositiveSmallIntegerField("판", editable=False)
    state = models.CharField(
        "상태", max_length=20, choices=State.choices, default=State.DRAFT, editable=False, db_index=True
    )
    correction_reason = models.TextField("정정 사유", blank=True)
    summary = models.TextField("개요", blank=True)
    # Frozen at circulation: the full text of this version, what the diff compares and the PDF prints.
    body_text = models.TextField("본문(고정)", blank=True, editable=False)
    attendance_snapshot = models.JSONField("출석 현황", default=list, blank=True, editable=False)
    resolutions_snapshot = models.JSONField("의결 사항", default=list, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    circulated_at = models.DateTimeField("회람 시각", null=True, blank=True, editable=False)
    approved_at = models.DateTimeField("승인 시각", null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="승인자",
    )
    approved_by_resolution = models.ForeignKey(
        Resolution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approved_minutes_versions",
        verbose_name="승인 의결",
    )
    published_at = models.DateTimeField("공개 시각", null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "회의록 판"
        verbose_name_plural = "회의록 판"
        ordering = ["minutes", "number"]
        constraints = [
            models.UniqueConstraint(fields=["minutes", "number"], name="minutesversion_unique_number"),
            # At most one version being worked on at a time.
            models.UniqueConstraint(
                fields=["minutes"],
                condition=Q(state__in=["draft", "circulated", "approved"]),
                name="minutesversion_one_open_version",
            ),
            models.CheckConstraint(
                condition=Q(number=1) | ~Q(correction_reason=""), name="minutesversion_correction_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(state="published") | Q(published_at__isnull=False),
                name="minutesversion_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.minutes} 제{self.number}판"


class MinutesItem(BaseModel):
    """The minutes of one agenda item within one version: discussion summary and decisions.
    Created with the version (one per agenda item) and edited by the secretariat while a draft."""

    version = models.ForeignKey(MinutesVersion, on_delete=models.CASCADE, related_name="items", verbose_name="판")
    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="+", verbose_name="안건")
    position = models.PositiveSmallIntegerField("순서")
    discussion = models.TextField("논의 요지", blank=True)
    decisions = models.TextField("결정 사항", blank=True)

    class Meta:
        verbose_name = "안건별 회의록"
        verbose_name_plural = "안건별 회의록"
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "agenda_item"], name="minutesitem_unique_agenda_item"),
        ]

    def __str__(self) -> str:
        return f"{self.version} · {self.agenda_item.title}"


class MinutesComment(BaseModel):
    """A member's comment on circulated minutes, written in the workspace. Kept for the record: never
    edited or deleted."""

    version = models.ForeignKey(MinutesVersion, on_delete=models.PROTECT, related_name="comments", verbose_name="판")
    member = models.ForeignKey(
        CouncilMember, on_delete=models.PROTECT, related_name="minutes_comments", verbose_name="위원"
    )
    item = models.ForeignKey(
        MinutesItem, on_delete=models.PROTECT, null=True, blank=True, related_name="comments", verbose_name="안건"
    )
    body = models.TextField("의견", max_length=5000)

    class Meta:
        verbose_name = "회의록 의견"
        verbose_name_plural = "회의록 의견"
        ordering = ["version", "id"]

    def __str__(self) -> str:
        return f"{self.member.name}: {self.body[:40]}"
