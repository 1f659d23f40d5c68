"""Account security writes: role grants with their audit trail, and the retention of that trail."""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from accounts.models import RoleChange

ROLE_CHANGE_RETENTION = timedelta(days=3 * 365)


@transaction.atomic
def user_set_roles(*, user: User, roles: Iterable[Group], actor: Any) -> list[RoleChange]:
    """Make the user's groups exactly `roles`, logging every grant and revocation."""
    wanted = {group.pk: group for group in roles}
    current = {group.pk: group for group in user.groups.all()}
    changes = [
        RoleChange(user=user, role=group.name, action=RoleChange.Action.GRANTED, actor=actor)
        for pk, group in wanted.items()
        if pk not in current
    ] + [
        RoleChange(user=user, role=group.name, action=RoleChange.Action.REVOKED, actor=actor)
        for pk, group in current.items()
        if pk not in wanted
    ]
    user.groups.set(wanted.values())
    return RoleChange.objects.bulk_create(changes)


def role_changes_purge_expired(*, now: Any = None) -> int:
    """Role-change records are kept three years, then removed."""
    cutoff = (now or timezone.now()) - ROLE_CHANGE_RETENTION
    deleted, _ = RoleChange.objects.filter(at__lt=cutoff).delete()
    return deleted
