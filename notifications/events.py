"""The event catalogue: every message the system can send, its variables, whether the law requires it, and who
gets it. `notify()` refuses an unknown event or missing variables; template saves are checked against it."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

CLAIMANT = "claimant"
USER = "user"  # staff users: agents, supervisors
COUNCIL = "council"  # council members, who are users too

_KST = ZoneInfo("Asia/Seoul")


@dataclass(frozen=True)
class EventSpec:
    name: str
    label: str
    variables: tuple[str, ...]
    # Essential notices (decisions, payments, requests for information, closure) go even to claimants who opted
    # out of optional messages; the others respect the opt-out.
    essential: bool
    recipient: str
    sample: dict[str, Any] = field(default_factory=dict)

    @property
    def to_claimant(self) -> bool:
        return self.recipient == CLAIMANT


_CLAIM = {"reference": "PGY-2022-0104231", "name": "김민수"}
_STATUS_URL = "http://127.0.0.1:8000/claims/status/"
_COUNCIL = {"council": "카카오 서비스 장애 피해지원 협의체", "meeting_title": "제3차 정기회의", "meeting_number": 3}

_SPECS = [
    EventSpec(
        "claim_received",
        "접수 확인",
        ("reference", "name", "service", "status_url"),
        True,
        CLAIMANT,
        {**_CLAIM, "service": "카카오톡", "status_url": _STATUS_URL},
    ),
    EventSpec(
        "info_requested",
        "보완 자료 요청",
        ("reference", "name", "request_text", "due_date", "status_url"),
        True,
        CLAIMANT,
        {
            **_CLAIM,
            "request_text": "유료 이용 내역(결제 영수증)을 보내 주세요.",
            "due_date": date(2022, 12, 9),
            "status_url": _STATUS_URL,
        },
    ),
    EventSpec(
        "info_request_reminder",
        "보완 자료 요청 재안내",
        ("reference", "name", "due_date", "status_url"),
        False,
        CLAIMANT,
        {**_CLAIM, "due_date": date(2022, 12, 9), "status_url": _STATUS_URL},
    ),
    EventSpec(
        "claim_closed",
        "신고 종결",
        ("reference", "name", "reason"),
        True,
        CLAIMANT,
        {**_CLAIM, "reason": "보완 요청 기한까지 자료가 제출되지 않았습니다."},
    ),
    EventSpec(
        "claim_transferred",
        "계열사 이관",
        ("reference", "name", "service", "affiliate_name", "affiliate_contact"),
        True,
        CLAIMANT,
        {**_CLAIM, "service": "카카오T", "affiliate_name": "카카오모빌리티", "affiliate_contact": "1599-9400"},
    ),
    EventSpec(
        "non_monetary_answered",
        "문의·의견 답변",
        ("reference", "name", "answer_text"),
        True,
        CLAIMANT,
        {**_CLAIM, "answer_text": "카카오톡은 10월 20일 23시에 모든 기능이 복구되었습니다."},
    ),
    EventSpec(
        "claim_message",
        "안내 메시지",
        ("reference", "name", "message"),
        False,
        CLAIMANT,
        {**_CLAIM, "message": "보상 기준이 확정되어 11월 중 순차적으로 결과를 안내해 드립니다."},
    ),
    EventSpec(
        "claim_decision",
        "보상 결정",
        ("reference", "name", "decision_text", "amount"),
        True,
        CLAIMANT,
        {**_CLAIM, "decision_text": "유료 서비스 이용 중단 기간(5일)에 해당하는 이용료를 보상합니다.", "amount": 12300},
    ),
    EventSpec(
        "appeal_outcome",
        "이의신청 결과",
        ("reference", "name", "outcome_text"),
        True,
        CLAIMANT,
        {**_CLAIM, "outcome_text": "제출하신 매출 자료를 반영하여 보상액을 다시 산정했습니다."},
    ),
    EventSpec(
        "payment_sent", "보상금 지급", ("reference", "name", "amount"), True, CLAIMANT, {**_CLAIM, "amount": 12300}
    ),
    EventSpec(
        "payment_failed",
        "보상금 지급 실패",
        ("reference", "name", "amount", "reason", "action_url"),
        True,
        CLAIMANT,
        {
            **_CLAIM,
            "amount": 12300,
            "reason": "예금주명이 일치하지 않습니다.",
            "action_url": "http://127.0.0.1:8000/claims/status/",
        },
    ),
    EventSpec(
        "agent_claim_updated",
        "담당 신고 갱신",
        ("reference", "message"),
        False,
        USER,
        {"reference": "PGY-2022-0104231", "message": "신고인이 보완 자료를 제출했습니다."},
    ),
    EventSpec(
        "sla_escalation",
        "처리 기한 초과",
        ("count", "queue_url"),
        True,
        USER,
        {"count": 17, "queue_url": "http://127.0.0.1:8000/admin/claims/claim/"},
    ),
    EventSpec(
        "meeting_notice",
        "회의 소집 통지",
        ("council", "meeting_title", "meeting_number", "starts_at", "place", "agenda"),
        True,
        COUNCIL,
        {
            **_COUNCIL,
            "starts_at": datetime(2022, 12, 2, 14, 0, tzinfo=_KST),
            "place": "판교 사옥 회의실 A",
            "agenda": "1. 보상 기준 심의\n2. 이의신청 처리 현황",
        },
    ),
    EventSpec(
        "meeting_reminder",
        "회의 일정 재안내",
        ("council", "meeting_title", "meeting_number", "starts_at", "place"),
        False,
        COUNCIL,
        {**_COUNCIL, "starts_at": datetime(2022, 12, 2, 14, 0, tzinfo=_KST), "place": "판교 사옥 회의실 A"},
    ),
    EventSpec(
        "minutes_circulated",
        "회의록 초안 회람",
        ("council", "meeting_title", "workspace_url"),
        True,
        COUNCIL,
        {**_COUNCIL, "workspace_url": "http://127.0.0.1:8000/council/"},
    ),
    EventSpec(
        "minutes_published",
        "회의록 공개",
        ("council", "meeting_title", "url"),
        False,
        COUNCIL,
        {**_COUNCIL, "url": "http://127.0.0.1:8000/council/minutes/3/"},
    ),
    EventSpec(
        "action_item_due",
        "후속 조치 기한",
        ("council", "title", "due_date", "owner"),
        False,
        COUNCIL,
        {
            "council": _COUNCIL["council"],
            "title": "이의신청 처리 지침 초안 작성",
            "due_date": date(2022, 12, 9),
            "owner": "간사",
        },
    ),
]

EVENTS: dict[str, EventSpec] = {spec.name: spec for spec in _SPECS}
EVENT_CHOICES = [(spec.name, spec.label) for spec in _SPECS]
# What a campaign fills in per recipient from the claim; the rest comes from the campaign's own context.
CAMPAIGN_CLAIM_VARIABLES = ("reference", "name", "service", "status_url")


def event_get(name: str) -> EventSpec:
    try:
        return EVENTS[name]
    except KeyError:
        raise ValueError(f"Unknown notification event {name!r}") from None
