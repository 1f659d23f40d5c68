"""Writes for action items agreed in meetings, and their overdue reminders."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from council.models import ActionItem, CouncilMember, Meeting
from council.services._common import require_perm
from notifications.services import notify

TRANSITIONS: dict[str, set[str]] = {
    ActionItem.State.OPEN: {ActionItem.State.IN_PROGRESS, ActionItem.State.DONE, ActionItem.State.CANCELLED},
    ActionItem.State.IN_PROGRESS: {ActionItem.State.OPEN, ActionItem.State.DONE, ActionItem.State.CANCELLED},
    ActionItem.State.DONE: {ActionItem.State.IN_PROGRESS},
    ActionItem.State.CANCELLED: set(),
}
REMINDER_BATCH = 500


@transaction.atomic
def action_item_create(
    *,
    meeting: Meeting,
    title: str,
    due_date: date,
    actor: Any,
    owner_member: CouncilMember | None = None,
    owner_user: Any = None,
    description: str = "",
) -> ActionItem:
    require_perm(actor, "council.add_actionitem")
    if meeting.state not in (Meeting.State.PLANNED, Meeting.State.HELD):
        raise ApplicationError("취소·연기된 회의에는 조치 사항을 둘 수 없습니다.")
    if owner_member is not None and owner_member.council_id != meeting.council_id:
        raise ValidationError({"owner_member": ["이 협의체의 위원이 아닙니다."]})
    if owner_member is None and owner_user is None:
        raise ValidationError({"owner_member": ["담당 위원이나 담당 직원을 정해 주세요."]})
    item = ActionItem(
        meeting=meeting,
        title=title,
        description=description,
        owner_member=owner_member,
        owner_user=owner_user,
        due_date=due_date,
    )
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def action_item_transition(*, item: ActionItem, to_state: str, actor: Any) -> ActionItem:
    item = ActionItem.objects.select_for_update().get(pk=item.pk)
    if item.state == to_state:
        return item
    if to_state not in TRANSITIONS[item.state]:
        raise ApplicationError(
            f"{item.get_state_display()}에서 {ActionItem.State(to_state).label}(으)로 바꿀 수 없습니다."
        )
    owner_acts = actor is not None and (
        (item.owner_user_id == actor.pk) or (item.owner_member is not None and item.owner_member.user_id == actor.pk)
    )
    if not owner_acts:
        require_perm(actor, "council.change_actionitem")
    item.state = to_state
    item.completed_at = timezone.now() if to_state == ActionItem.State.DONE else None
    item.save(update_fields=["state", "completed_at", "updated_at"])
    return item


def action_items_due_for_reminder(*, today: date | None = None) -> list[int]:
    """Open items due today or overdue that have not been reminded today (bounded batch)."""
    today = today or timezone.localdate()
    return list(
        ActionItem.objects.filter(state__in=ActionItem.OPEN_STATES, due_date__lte=today)
        .exclude(last_reminded_on=today)
        .order_by("due_date", "id")
        .values_list("id", flat=True)[:REMINDER_BATCH]
    )


@transaction.atomic
def action_item_remind(*, item_id: int, today: date | None = None) -> bool:
    """Remind the owner of one due or overdue item, at most once a day. Returns whether it sent."""
    today = today or timezone.localdate()
    item = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("meeting__council", "owner_member__user", "owner_user")
        .get(pk=item_id)
    )
    if item.state not in ActionItem.OPEN_STATES or item.due_date > today or item.last_reminded_on == today:
        return False
    user = item.owner_user if item.owner_member is None else item.owner_member.user
    if user is not None:
        notify(
            event="action_item_due",
            key=f"action_item:{item.pk}:due:{today.isoformat()}",
            context={
                "council": item.meeting.council.name,
                "title": item.title,
                "due_date": item.due_date,
                "owner": item.owner_label,
            },
            user=user,
        )
    item.last_reminded_on = today
    item.save(update_fields=["last_reminded_on", "updated_at"])
    return user is not None
