"""Writes for councils and their members (the secretariat's admin calls these)."""

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from claims.models import Incident
from core import roles
from council.models import Council, CouncilMember
from council.services._common import require_perm

COUNCIL_FIELDS = ("name", "short_name", "quorum_rule", "quorum_fixed", "voting_rule", "is_active")
MEMBER_FIELDS = ("name", "organisation", "position", "constituency", "role", "email", "term_start", "term_end")


@transaction.atomic
def council_create(
    *,
    incident: Incident,
    name: str,
    actor: Any,
    short_name: str = "협의체",
    quorum_rule: str = Council.QuorumRule.MAJORITY,
    quorum_fixed: int | None = None,
    voting_rule: str = Council.VotingRule.MAJORITY_CAST,
) -> Council:
    require_perm(actor, "council.add_council")
    council = Council(
        incident=incident,
        name=name,
        short_name=short_name,
        quorum_rule=quorum_rule,
        quorum_fixed=quorum_fixed,
        voting_rule=voting_rule,
    )
    council.full_clean()
    council.save()
    return council


@transaction.atomic
def council_update(*, council: Council, actor: Any, **fields: Any) -> Council:
    """Change a council's settings (name, quorum and voting rules). Decided resolutions keep the counts
    and outcome they were recorded with."""
    require_perm(actor, "council.change_council")
    unknown = set(fields) - set(COUNCIL_FIELDS)
    if unknown:
        raise ValidationError({name: ["변경할 수 없는 항목입니다."] for name in sorted(unknown)})
    council = Council.objects.select_for_update().get(pk=council.pk)
    for name, value in fields.items():
        setattr(council, name, value)
    council.full_clean()
    council.save(update_fields=[*fields, "updated_at"])
    return council


def _member_login(*, username: str, email: str, name: str, password: str | None) -> Any:
    """The login of an outside member: never staff (so never the admin), only the council_member group."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, email=email, first_name=name[:150], is_staff=False)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()  # the secretariat sets one or sends a reset link
        user.full_clean()
        user.save()
    user.groups.add(Group.objects.get(name=roles.COUNCIL_MEMBER))
    return user


@transaction.atomic
def council_member_create(
    *,
    council: Council,
    name: str,
    organisation: str,
    constituency: str,
    actor: Any,
    role: str = CouncilMember.Role.MEMBER,
    term_start: date,
    term_end: date | None = None,
    position: str = "",
    email: str = "",
    username: str | None = None,
    password: str | None = None,
) -> CouncilMember:
    """Seat a member on a council; with `username`, create (or reuse) their workspace login."""
    require_perm(actor, "council.add_councilmember")
    user = _member_login(username=username, email=email, name=name, password=password) if username else None
    member = CouncilMember(
        council=council,
        user=user,
        name=name,
        organisation=organisation,
        position=position,
        constituency=constituency,
        role=role,
        email=email,
        term_start=term_start,
        term_end=term_end,
    )
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def council_member_update(*, member: CouncilMember, actor: Any, **fields: Any) -> CouncilMember:
    require_perm(actor, "council.change_councilmember")
    unknown = set(fields) - set(MEMBER_FIELDS)
    if unknown:
        raise ValidationError({name: ["변경할 수 없는 항목입니다."] for name in sorted(unknown)})
    member = CouncilMember.objects.select_for_update().get(pk=member.pk)
    for name, value in fields.items():
        setattr(member, name, value)
    member.full_clean()
    member.save(update_fields=[*fields, "updated_at"])
    return member
