"""The role matrix as data: each group and exactly the model permissions it holds.

Data migrations call `sync_role_permissions` so that after `migrate` every group holds exactly these
permissions (those whose models exist at that point). docs/roles.md explains the matrix in words."""

from typing import Any

SUPPORT_AGENT = "support_agent"
SECRETARIAT = "secretariat"
FINANCE = "finance"
AUDITOR = "auditor"
# Outside council members: no model permission at all (is_staff False); they reach only the member
# workspace under /council/, which checks their CouncilMember seat, never the admin or the claims API.
COUNCIL_MEMBER = "council_member"

ROLES: tuple[str, ...] = (SUPPORT_AGENT, SECRETARIAT, FINANCE, AUDITOR, COUNCIL_MEMBER)

_REFERENCE_VIEW = ["claims.view_incident", "claims.view_service", "claims.view_affiliate"]

_COUNCIL_MODELS = (
    "council", "councilmember", "meeting", "meetingevent", "agendaitem", "agendapaper", "agendasnapshot",
    "attendance", "conflictdeclaration", "resolution", "vote", "actionitem", "minutes", "minutesversion",
    "minutesitem", "minutescomment",
)  # fmt: skip
_COUNCIL_VIEW = [f"council.view_{model}" for model in _COUNCIL_MODELS]
# The secretariat records everything through the council services; rows of the record are never deleted,
# only agenda items and papers of a meeting still being prepared.
_COUNCIL_SECRETARIAT = [
    *_COUNCIL_VIEW,
    *(f"council.add_{model}" for model in _COUNCIL_MODELS if model not in ("meetingevent", "minutescomment")),
    *(f"council.change_{model}" for model in _COUNCIL_MODELS if model not in ("meetingevent", "minutescomment")),
    "council.delete_agendaitem",
    "council.delete_agendapaper",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    SUPPORT_AGENT: [
        *_REFERENCE_VIEW,
        "claims.view_claim",
        "claims.change_claim",
        "claims.view_claim_stats",
        "claims.view_claimant",
        # Contact details only, through claims.services.claimant_update_contact (never kind or anonymisation).
        "claims.change_claimant",
        "claims.view_claimevidence",
        "claims.add_claimimport",
        "claims.view_claimimport",
        "notifications.view_notification",
        "notifications.view_deliveryattempt",
    ],
    SECRETARIAT: [
        *_REFERENCE_VIEW,
        "claims.view_claim_stats",
        *_COUNCIL_SECRETARIAT,
    ],
    FINANCE: [
        *_REFERENCE_VIEW,
        "claims.view_claim",
        "claims.view_claim_stats",
    ],
    AUDITOR: [
        *_REFERENCE_VIEW,
        "claims.view_claim",
        "claims.view_claim_stats",
        "claims.view_claimant",
        "claims.view_claimevidence",
        "claims.view_claimimport",
        "notifications.view_notification",
        "notifications.view_deliveryattempt",
        *_COUNCIL_VIEW,
    ],
    COUNCIL_MEMBER: [],
}

# Case work (claims workflow, queues, transfers). Supervisors hold everything agents do plus assigning to
# others, reopening and editing the reference data of case work; affiliate users (is_staff False, API only)
# read their own company's transfer batches, acknowledge them and report outcomes.
SUPPORT_SUPERVISOR = "support_supervisor"
AFFILIATE = "affiliate"
ROLES = (*ROLES, SUPPORT_SUPERVISOR, AFFILIATE)
_CASEWORK_VIEW = [
    *(f"claims.view_{model}" for model in ("claimhistory", "claimnote", "informationrequest", "cannedresponse")),
    *(f"claims.view_{model}" for model in ("team", "categorypolicy", "claimbulkjob", "transferbatch")),
    "claims.view_affiliateoutcome",
]
_CASEWORK_AGENT = [
    *_CASEWORK_VIEW,
    "claims.add_claimnote",
    "claims.add_informationrequest",
    "claims.add_claimbulkjob",
    "claims.add_transferbatch",
]
ROLE_PERMISSIONS[SUPPORT_AGENT] += _CASEWORK_AGENT
ROLE_PERMISSIONS[SUPPORT_SUPERVISOR] = [
    *ROLE_PERMISSIONS[SUPPORT_AGENT],
    "claims.assign_claim",
    "claims.reopen_claim",
    *(f"claims.{verb}_cannedresponse" for verb in ("add", "change", "delete")),
    *(f"claims.{verb}_{model}" for verb in ("add", "change") for model in ("team", "categorypolicy")),
]
ROLE_PERMISSIONS[AFFILIATE] = [
    "claims.view_transferbatch",
    "claims.change_transferbatch",
    "claims.view_affiliateoutcome",
    "claims.add_affiliateoutcome",
    "claims.change_affiliateoutcome",
]
ROLE_PERMISSIONS[AUDITOR] += _CASEWORK_VIEW
ROLE_PERMISSIONS[SECRETARIAT] += ["claims.view_affiliateoutcome"]

# Compensation (issue 6). Reviewers decide assessments and appeals (the appeal always by a second reviewer);
# the secretariat and finance draft policy versions, simulate them and start bulk assessment; adoption is
# recorded from a council resolution; agents lodge an appeal for a claimant; the auditor reads everything.
REVIEWER = "reviewer"
ROLES = (*ROLES, REVIEWER)
_COMPENSATION_POLICY = ("policy", "policyversion", "rule", "ruleband", "causationparameter")
_COMPENSATION_VIEW = [
    *(f"compensation.view_{model}" for model in _COMPENSATION_POLICY),
    *(f"compensation.view_{model}" for model in ("assessment", "assessmentrun", "appeal", "entitlement")),
    "compensation.view_compensationevent",
]
_COMPENSATION_PREPARE = [
    *_COMPENSATION_VIEW,
    *(f"compensation.{verb}_{model}" for verb in ("add", "change") for model in _COMPENSATION_POLICY),
    *(f"compensation.delete_{model}" for model in ("rule", "ruleband", "causationparameter")),
    "compensation.simulate_policyversion",
    "compensation.add_assessmentrun",
]
ROLE_PERMISSIONS[REVIEWER] = [
    *_REFERENCE_VIEW,
    "claims.view_claim",
    "claims.view_claimant",
    "claims.view_claimevidence",
    *_COMPENSATION_VIEW,
    "compensation.change_assessment",
    "compensation.decide_assessment",
    "compensation.change_appeal",
    "compensation.decide_appeal",
]
ROLE_PERMISSIONS[SECRETARIAT] += [*_COMPENSATION_PREPARE, "compensation.adopt_policyversion"]
ROLE_PERMISSIONS[FINANCE] += _COMPENSATION_PREPARE
_COMPENSATION_AGENT = ["compensation.view_assessment", "compensation.view_appeal", "compensation.add_appeal"]
ROLE_PERMISSIONS[SUPPORT_AGENT] += _COMPENSATION_AGENT
# Supervisors were copied from agents before compensation existed: they lodge appeals too (docs/roles.md).
ROLE_PERMISSIONS[SUPPORT_SUPERVISOR] += _COMPENSATION_AGENT
ROLE_PERMISSIONS[AUDITOR] += _COMPENSATION_VIEW

# Payouts (issue 7). Finance builds, approves (never its own batch), releases and reconciles; batches above
# PAYOUTS["MANAGER_APPROVAL_ABOVE_WON"] need a finance manager. The auditor reads everything.
FINANCE_MANAGER = "finance_manager"
ROLES = (*ROLES, FINANCE_MANAGER)
_PAYOUTS_MODELS = ("bankaccount", "payout", "payoutattempt", "payoutbatch", "payoutevent", "ledgerentry",
                   "reconciliationrun", "reconciliationexception")  # fmt: skip
_PAYOUTS_VIEW = [f"payouts.view_{model}" for model in _PAYOUTS_MODELS]
_PAYOUTS_FINANCE = [
    *_PAYOUTS_VIEW,
    "payouts.add_payout",
    "payouts.change_payout",
    "payouts.decide_risk_payout",
    "payouts.add_payoutbatch",
    "payouts.change_payoutbatch",
    "payouts.approve_payoutbatch",
    "payouts.release_payoutbatch",
    "payouts.export_payoutbatch",
    "payouts.add_reconciliationrun",
    "payouts.change_reconciliationexception",
]
ROLE_PERMISSIONS[FINANCE] += [*_PAYOUTS_FINANCE, "compensation.view_entitlement"]
ROLE_PERMISSIONS[FINANCE_MANAGER] = [
    *_REFERENCE_VIEW,
    *_COMPENSATION_VIEW,
    *_PAYOUTS_FINANCE,
    "claims.view_claim",
    "payouts.finance_manager",
]
ROLE_PERMISSIONS[AUDITOR] += _PAYOUTS_VIEW

# Notifications (issue 3). Case workers see every message a claimant was sent and may resend one; the
# secretariat prepares and starts bulk announcements (campaigns); only superusers edit the wording.
_NOTIFICATIONS_VIEW = [
    f"notifications.view_{model}" for model in ("notification", "deliveryattempt", "campaign", "notificationtemplate")
]
ROLE_PERMISSIONS[SUPPORT_AGENT] += [*_NOTIFICATIONS_VIEW, "notifications.resend_notification"]
ROLE_PERMISSIONS[SUPPORT_SUPERVISOR] += [*_NOTIFICATIONS_VIEW, "notifications.resend_notification"]
ROLE_PERMISSIONS[SECRETARIAT] += [
    *_NOTIFICATIONS_VIEW,
    "notifications.add_campaign",
    "notifications.change_campaign",
    "notifications.start_campaign",
]
ROLE_PERMISSIONS[AUDITOR] += _NOTIFICATIONS_VIEW


def sync_role_permissions(apps: Any, schema_editor: Any = None) -> None:
    """Create the groups and set each one's permissions to exactly the matrix (for models that exist)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
