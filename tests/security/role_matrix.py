"""The role matrix as data: who reads what through the API and the admin.

This is the written promise of docs/roles.md in a form the tests can hold the code to:
- `API_READERS`: every GET operation of the generated OpenAPI schema, by path, and the roles that read it. A role
  in `readers` sees every row; a role in `own` sees only its own rows (`World.own`); everyone else is refused
  (401, 403 or 404, never data). A new endpoint fails the test until it is added here.
- `ADMIN_READERS`: every model registered in the admin and the roles that open its changelist and change pages
  (all rows). Staff without the permission get 403; users who are not staff (council members, affiliates) and
  anonymous visitors are sent to the admin login.
Superusers read everything and are not listed. docs/roles.md carries the same matrix as a table between
`role-matrix` markers; a test checks the two agree.
"""

from typing import Any

from core.roles import (
    AFFILIATE,
    AUDITOR,
    COUNCIL_MEMBER,
    FINANCE,
    FINANCE_MANAGER,
    REVIEWER,
    SECRETARIAT,
    SUPPORT_AGENT,
    SUPPORT_SUPERVISOR,
)
from tests.security.world import ANONYMOUS, STAFF_NO_ROLE, SUPERUSER

# Column order of the table in docs/roles.md.
ROLES_IN_ORDER = [
    SUPPORT_AGENT, SUPPORT_SUPERVISOR, SECRETARIAT, REVIEWER, FINANCE, FINANCE_MANAGER, AUDITOR,
    COUNCIL_MEMBER, AFFILIATE, STAFF_NO_ROLE, ANONYMOUS,
]  # fmt: skip
EVERY_ROLE = [*ROLES_IN_ORDER, SUPERUSER]

NOBODY: frozenset[str] = frozenset()
AGENTS = frozenset({SUPPORT_AGENT, SUPPORT_SUPERVISOR})
CLAIM_READERS = AGENTS | {REVIEWER, FINANCE, FINANCE_MANAGER, AUDITOR}
CASEWORK_READERS = AGENTS | {AUDITOR}
CASEWORK_REFERENCE_READERS = CASEWORK_READERS
STATS_READERS = AGENTS | {SECRETARIAT, FINANCE, AUDITOR}
REFERENCE_READERS = CLAIM_READERS | {SECRETARIAT}
IMPORT_READERS = AGENTS | {AUDITOR}
POLICY_READERS = frozenset({SECRETARIAT, FINANCE, FINANCE_MANAGER, REVIEWER, AUDITOR})
SIMULATORS = frozenset({SECRETARIAT, FINANCE})
ASSESSMENT_READERS = POLICY_READERS | AGENTS
ENTITLEMENT_READERS = POLICY_READERS
COUNCIL_READERS = frozenset({SECRETARIAT, AUDITOR})
PAYOUT_READERS = frozenset({FINANCE, FINANCE_MANAGER, AUDITOR})
NOTIFICATION_READERS = AGENTS | {SECRETARIAT, AUDITOR}
CLAIMANT_READERS = AGENTS | {REVIEWER, AUDITOR}


def readers(roles: frozenset[str], *, own: frozenset[str] = NOBODY, rows: Any = None) -> dict[str, Any]:
    """`rows`: for lists that show a subset to everyone (a work queue), the ids they show; default every row."""
    return {"readers": frozenset(roles), "own": frozenset(own), "rows": rows}


def _open_assessments() -> set[int]:
    from compensation.models import Assessment

    return set(Assessment.objects.filter(state__in=Assessment.OPEN_STATES).values_list("id", flat=True))


API_READERS: dict[str, dict[str, Any]] = {
    # claims (intake and case work)
    "/api/v1/claims/": readers(CLAIM_READERS),
    "/api/v1/claims/{reference}/": readers(CLAIM_READERS),
    "/api/v1/claims/{reference}/history/": readers(CASEWORK_READERS),
    "/api/v1/claims/{reference}/notes/": readers(CASEWORK_READERS),
    "/api/v1/stats/claims/": readers(STATS_READERS),
    "/api/v1/transfers/": readers(CASEWORK_READERS, own=frozenset({AFFILIATE})),
    "/api/v1/transfers/{id}/": readers(CASEWORK_READERS, own=frozenset({AFFILIATE})),
    "/api/v1/transfers/{id}/items/": readers(CASEWORK_READERS, own=frozenset({AFFILIATE})),
    "/api/v1/transfers/{id}/export/": readers(CASEWORK_READERS, own=frozenset({AFFILIATE})),
    # compensation
    "/api/v1/compensation/policies/": readers(POLICY_READERS),
    "/api/v1/compensation/policies/{id}/": readers(POLICY_READERS),
    "/api/v1/compensation/versions/": readers(POLICY_READERS),
    "/api/v1/compensation/versions/{id}/": readers(POLICY_READERS),
    "/api/v1/compensation/versions/{id}/simulate/": readers(SIMULATORS),
    "/api/v1/compensation/assessments/": readers(ASSESSMENT_READERS),
    "/api/v1/compensation/assessments/queue/": readers(frozenset({REVIEWER}), rows=_open_assessments),
    "/api/v1/compensation/assessments/{id}/": readers(ASSESSMENT_READERS),
    "/api/v1/compensation/appeals/": readers(ASSESSMENT_READERS),
    "/api/v1/compensation/appeals/{id}/": readers(ASSESSMENT_READERS),
    "/api/v1/compensation/runs/": readers(POLICY_READERS),
    "/api/v1/compensation/runs/{id}/": readers(POLICY_READERS),
    "/api/v1/compensation/entitlements/": readers(ENTITLEMENT_READERS),
    "/api/v1/compensation/entitlements/{id}/": readers(ENTITLEMENT_READERS),
    # council (the secretariat's API; members use the workspace under /council/, never this)
    "/api/v1/council/meetings/": readers(COUNCIL_READERS),
    "/api/v1/council/meetings/{id}/": readers(COUNCIL_READERS),
    "/api/v1/council/resolutions/": readers(COUNCIL_READERS),
    "/api/v1/council/resolutions/{id}/": readers(COUNCIL_READERS),
    "/api/v1/council/minutes/": readers(COUNCIL_READERS),
    "/api/v1/council/minutes/{id}/": readers(COUNCIL_READERS),
    # payouts
    "/api/v1/payouts/batches/": readers(PAYOUT_READERS),
    "/api/v1/payouts/batches/{id}/": readers(PAYOUT_READERS),
    "/api/v1/payouts/batches/{id}/report/": readers(PAYOUT_READERS),
    "/api/v1/payouts/payouts/": readers(PAYOUT_READERS),
    "/api/v1/payouts/payouts/{id}/": readers(PAYOUT_READERS),
    "/api/v1/payouts/reconciliation-exceptions/": readers(PAYOUT_READERS),
    "/api/v1/payouts/policies/{policy_id}/report/": readers(PAYOUT_READERS),
}

# Operations anyone may call (the public claim form's API twin).
PUBLIC_WRITES = {("POST", "/api/v1/claims/")}

SUPERUSER_ONLY = NOBODY
ADMIN_READERS: dict[str, frozenset[str]] = {
    # accounts, lockout, second factor, tokens, beat: superusers only
    "auth.User": SUPERUSER_ONLY,
    "auth.Group": SUPERUSER_ONLY,
    "accounts.RoleChange": SUPERUSER_ONLY,
    "authtoken.TokenProxy": SUPERUSER_ONLY,
    "axes.AccessAttempt": SUPERUSER_ONLY,
    "axes.AccessLog": SUPERUSER_ONLY,
    "axes.AccessFailureLog": SUPERUSER_ONLY,
    "otp_totp.TOTPDevice": SUPERUSER_ONLY,
    "django_celery_beat.PeriodicTask": SUPERUSER_ONLY,
    "django_celery_beat.IntervalSchedule": SUPERUSER_ONLY,
    "django_celery_beat.CrontabSchedule": SUPERUSER_ONLY,
    "django_celery_beat.SolarSchedule": SUPERUSER_ONLY,
    "django_celery_beat.ClockedSchedule": SUPERUSER_ONLY,
    # claims
    "claims.Incident": REFERENCE_READERS,
    "claims.Service": REFERENCE_READERS,
    "claims.Affiliate": REFERENCE_READERS,
    "claims.Claim": CLAIM_READERS,
    "claims.Claimant": CLAIMANT_READERS,
    "claims.ClaimImport": IMPORT_READERS,
    "claims.TransferBatch": CASEWORK_READERS,
    "claims.ClaimBulkJob": CASEWORK_READERS,
    "claims.Team": CASEWORK_REFERENCE_READERS,
    "claims.CategoryPolicy": CASEWORK_REFERENCE_READERS,
    "claims.CannedResponse": CASEWORK_REFERENCE_READERS,
    "claims.InformationRequest": CASEWORK_READERS,
    "claims.AffiliateOutcome": CASEWORK_READERS | {SECRETARIAT},
    # notifications
    "notifications.Notification": NOTIFICATION_READERS,
    "notifications.NotificationTemplate": NOTIFICATION_READERS,
    "notifications.Campaign": NOTIFICATION_READERS,
    "notifications.SandboxMessage": SUPERUSER_ONLY,
    "notifications.DevMailbox": NOTIFICATION_READERS,
    # council
    **{
        f"council.{model}": COUNCIL_READERS
        for model in (
            "Council",
            "CouncilMember",
            "Meeting",
            "AgendaItem",
            "Resolution",
            "ActionItem",
            "ConflictDeclaration",
            "Minutes",
            "MinutesVersion",
        )
    },
    # compensation
    "compensation.Policy": POLICY_READERS,
    "compensation.PolicyVersion": POLICY_READERS,
    "compensation.Rule": POLICY_READERS,
    "compensation.AssessmentRun": POLICY_READERS,
    "compensation.Assessment": ASSESSMENT_READERS,
    "compensation.Appeal": ASSESSMENT_READERS,
    "compensation.Entitlement": ENTITLEMENT_READERS,
    # payouts
    **{
        f"payouts.{model}": PAYOUT_READERS
        for model in (
            "PayoutBatch",
            "Payout",
            "PayoutAttempt",
            "BankAccount",
            "LedgerEntry",
            "ReconciliationRun",
            "ReconciliationException",
        )
    },
}

# Admin lists that show nothing until an exact search (people are found, never browsed): a reader's unsearched
# list must be empty rather than every row.
ADMIN_SEARCH_ONLY = frozenset({"claims.Claimant"})

# Admin pages that are not model pages, and who opens them.
ADMIN_EXTRA_PAGES: dict[str, frozenset[str]] = {
    "/admin/claims/stats/": STATS_READERS,
}
