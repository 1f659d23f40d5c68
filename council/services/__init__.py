"""Council writes, split by sub-domain; the names every interface calls are re-exported here."""

from council.services.action_items import action_item_create, action_item_remind, action_item_transition
from council.services.agenda import (
    agenda_item_add,
    agenda_item_remove,
    agenda_item_update,
    agenda_paper_attach,
    agenda_snapshot_attach,
    agenda_snapshot_attach_claim_stats,
)
from council.services.meetings import (
    attendance_record,
    meeting_notice_send,
    meeting_plan,
    meeting_reminder_send,
    meeting_reschedule,
    meeting_transition,
)
from council.services.members import council_create, council_member_create, council_member_update
from council.services.minutes import (
    minutes_approve,
    minutes_circulate,
    minutes_comment_add,
    minutes_correct,
    minutes_item_update,
    minutes_publish,
    minutes_revise,
    minutes_set_visibility,
    minutes_start,
    minutes_version_update,
)
from council.services.resolutions import (
    conflict_declare,
    resolution_open_voting,
    resolution_outcome,
    resolution_propose,
    resolution_record,
    resolution_withdraw,
    vote_cast,
)

__all__ = [
    "action_item_create",
    "action_item_remind",
    "action_item_transition",
    "agenda_item_add",
    "agenda_item_remove",
    "agenda_item_update",
    "agenda_paper_attach",
    "agenda_snapshot_attach",
    "agenda_snapshot_attach_claim_stats",
    "attendance_record",
    "conflict_declare",
    "council_create",
    "council_member_create",
    "council_member_update",
    "meeting_notice_send",
    "meeting_plan",
    "meeting_reminder_send",
    "meeting_reschedule",
    "meeting_transition",
    "minutes_approve",
    "minutes_circulate",
    "minutes_comment_add",
    "minutes_correct",
    "minutes_item_update",
    "minutes_publish",
    "minutes_revise",
    "minutes_set_visibility",
    "minutes_start",
    "minutes_version_update",
    "resolution_open_voting",
    "resolution_outcome",
    "resolution_propose",
    "resolution_record",
    "resolution_withdraw",
    "vote_cast",
]
