"""Admin for case work. `ClaimCaseworkAdminMixin` is mixed into claims.admin.ClaimAdmin; importing this package
registers the admins of the case-work models."""

from claims.casework.admin import jobs, reference  # noqa: F401  (registers the ModelAdmins)
from claims.casework.admin.claim import ClaimCaseworkAdminMixin

__all__ = ["ClaimCaseworkAdminMixin"]
