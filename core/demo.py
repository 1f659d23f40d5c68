"""Demo data for `make run`: one login per role, a few hundred synthetic claims and the adopted demo policy.

Everything here is for a laptop demo only (`manage.py seed_demo` refuses to run without DEBUG). Users get one
known password, printed on the console and documented in the README. Claims are filed through the same
service as every other channel (`claims.services.claim_submit`), so triage, duplicate flags and notifications
behave as in production. Running it twice adds nothing: users are looked up by username and claims by a
`submission_id` derived from the synthetic row's external id.
"""

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.services import user_set_roles
from bench.synth import generate_rows
from claims.models import Affiliate, Claim, Incident, Service
from claims.services import claim_submit
from compensation.demo import INCIDENT_CODE as DEMO_POLICY_INCIDENT
from compensation.demo import seed_demo_policy
from compensation.models import PolicyVersion
from core import roles

DEMO_PASSWORD = "redress-demo-2022"
DEMO_CLAIMS = 200
DEMO_SEED = 1015  # the fire was on 15 October
DEMO_AFFILIATE = "kakao_mobility"  # the demo affiliate user acts for Kakao Mobility (카카오T claims are transferred)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str  # group name, or "superuser"
    label: str  # what the person does, in Korean, for the console table
    staff: bool = True  # outside people (council members) never reach the admin


DEMO_LOGINS = [
    DemoLogin("admin", "superuser", "전체 관리자"),
    DemoLogin("agent", roles.SUPPORT_AGENT, "상담원 (피해 신고 처리)"),
    DemoLogin("supervisor", "support_supervisor", "상담 책임자 (배정·재개)"),
    DemoLogin("secretary", roles.SECRETARIAT, "협의체 사무국"),
    DemoLogin("reviewer", "reviewer", "보상 심사자"),
    DemoLogin("finance", roles.FINANCE, "재무 (지급 담당)"),
    DemoLogin("finance2", roles.FINANCE, "재무 (다른 담당자: 남의 지급 묶음 승인)"),
    DemoLogin("fmanager", "finance_manager", "재무 책임자 (고액 지급 승인)"),
    DemoLogin("auditor", roles.AUDITOR, "감사 (읽기 전용)"),
    # Roles arrive with their apps: a login is created only once its group exists (checked by name).
    DemoLogin("member", "council_member", "협의체 위원 (위원 화면 /council/)", staff=False),
    # API only (token printed below the table): reads and answers Kakao Mobility's transfer batches.
    DemoLogin("affiliate", roles.AFFILIATE, "계열사 담당 (카카오모빌리티, API 전용)", staff=False),
]


@dataclass
class DemoResult:
    users_created: list[str]
    users_skipped: list[str]  # roles whose group does not exist yet
    claims_created: int
    claims_existing: int
    claims_rejected: int
    policy: PolicyVersion | None = None  # the demo compensation policy's adopted version


def demo_logins_available() -> list[DemoLogin]:
    """The demo logins whose role exists in this database (superuser always does)."""
    existing = set(Group.objects.filter(name__in=[d.role for d in DEMO_LOGINS]).values_list("name", flat=True))
    return [d for d in DEMO_LOGINS if d.role == "superuser" or d.role in existing]


@functools.cache
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)


@transaction.atomic
def demo_user_ensure(*, login: DemoLogin, actor: Any = None) -> tuple[Any, bool]:
    """Create the demo user (with the demo password) if missing, with its staff flag and exactly its role.

    An existing user keeps its password: someone who changed it on a shared demo meant to."""
    User = get_user_model()
    superuser = login.role == "superuser"
    user, created = User.objects.get_or_create(
        username=login.username,
        defaults={
            "email": f"{login.username}@redress.local",
            "is_staff": login.staff,
            "is_superuser": superuser,
            # Hashed once for all demo users: the hasher is deliberately slow and this is a demo.
            "password": _demo_password_hash(),
        },
    )
    if (user.is_staff, user.is_superuser) != (login.staff, superuser):
        user.is_staff, user.is_superuser = login.staff, superuser
        user.save(update_fields=["is_staff", "is_superuser"])
    wanted = [] if superuser else [Group.objects.get(name=login.role)]
    if {g.pk for g in user.groups.all()} != {g.pk for g in wanted}:
        # Through the audited role-grant service, as the admin does it.
        user_set_roles(user=user, roles=wanted, actor=actor)
    return user, created


def demo_council_seat(*, incident: Incident, username: str, actor: Any) -> bool:
    """Seat the demo council member on the incident's council (created if there is none), so that the
    member workspace has something to show. Returns True if a seat was created."""
    from council.models import Council, CouncilMember
    from council.services.members import council_create, council_member_create

    if CouncilMember.objects.filter(user__username=username).exists():
        return False
    council = Council.objects.filter(incident=incident).order_by("id").first()
    if council is None:
        council = council_create(incident=incident, name="판교 데이터센터 화재 피해지원 협의체", actor=actor)
    council_member_create(
        council=council,
        name="김협의",
        organisation="소상공인연합회",
        constituency=CouncilMember.Constituency.SMALL_BUSINESS,
        term_start=incident.occurred_at.date(),
        email=f"{username}@redress.local",
        username=username,
        actor=actor,
    )
    return True


def demo_affiliate_seat(*, username: str, affiliate_code: str = DEMO_AFFILIATE) -> bool:
    """Link the demo affiliate user to its company (an affiliate user sees only its company's batches) and give
    it an API token, the only way it signs in. Returns True if the link was created."""
    from rest_framework.authtoken.models import Token

    user = get_user_model().objects.get(username=username)
    Token.objects.get_or_create(user=user)
    affiliate = Affiliate.objects.filter(code=affiliate_code).first()
    if affiliate is None or affiliate.members.filter(pk=user.pk).exists():
        return False
    # Membership has no service of its own: the superuser links accounts in the Affiliate admin form, as here.
    affiliate.members.add(user)
    return True


def demo_api_token(*, username: str) -> str | None:
    """The demo user's API token, if seed_demo made one (read only: `seed_demo --logins` writes nothing)."""
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(user__username=username).values_list("key", flat=True).first()


@transaction.atomic  # one commit instead of 400: seconds saved on SQLite
def demo_claims_seed(*, incident: Incident, count: int = DEMO_CLAIMS, seed: int = DEMO_SEED) -> tuple[int, int, int]:
    """File `count` synthetic claims (Korean texts, every service, kind and category). Returns
    (created, already there, rejected)."""
    services = {s.code: s for s in Service.objects.filter(incident=incident).select_related("affiliate")}
    created = existing = rejected = 0
    for row in generate_rows(count, seed=seed):
        service = services.get(row["service"])
        if service is None:  # the catalogue was edited in the admin: skip what no longer exists
            rejected += 1
            continue
        submission_id = f"demo:{row['external_id']}"
        try:
            _claim, was_created = claim_submit(
                incident=incident,
                service=service,
                claimant={
                    "kind": row["claimant_kind"],
                    "name": row["name"],
                    "email": row["email"],
                    "phone": row["phone"],
                    "business_no": row["business_no"],
                },
                paid=row["paid"] == "Y",
                claimed_amount=row["claimed_amount"],
                description=row["description"],
                channel=row["channel"],
                consent_privacy=True,
                received_at=datetime.fromisoformat(row["received_at"]),
                submission_id=submission_id,
            )
        except ValidationError:
            rejected += 1
            continue
        if was_created:
            created += 1
        else:
            existing += 1
    return created, existing, rejected


def demo_seed(*, claims: int = DEMO_CLAIMS, incident_code: str = "2022-pangyo-dc-fire") -> DemoResult:
    """Users for every role that exists, the adopted demo compensation policy, then the demo claims."""
    available = demo_logins_available()
    incident = Incident.objects.get(code=incident_code)
    # First, so that its demo council (chair and two members) is the one the demo member is seated on. Adopted
    # by a demo council meeting on the first run; later runs find the adopted version and add nothing.
    policy = seed_demo_policy(incident=incident) if incident.code == DEMO_POLICY_INCIDENT else None
    created_users = []
    admin = None
    for login in available:
        user, created = demo_user_ensure(login=login, actor=admin)
        admin = admin or (user if user.is_superuser else None)
        if created:
            created_users.append(login.username)
        if login.role == "council_member":
            demo_council_seat(incident=incident, username=login.username, actor=admin)
        if login.role == roles.AFFILIATE:
            demo_affiliate_seat(username=login.username)
    skipped = [d.username for d in DEMO_LOGINS if d not in available]
    made, existing, rejected = demo_claims_seed(incident=incident, count=claims) if claims else (0, 0, 0)
    return DemoResult(created_users, skipped, made, existing, rejected, policy)


def demo_claim_count(*, incident_code: str = "2022-pangyo-dc-fire") -> int:
    return Claim.objects.filter(incident__code=incident_code, submission_id__startswith="demo:").count()
