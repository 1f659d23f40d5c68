from django.db import models


class ClaimTally(models.Model):
    """A signed count of the claims that share one combination of the attributes the statistics group by.

    Written only by PostgreSQL triggers on claims_claim (reporting/migrations/0001_initial.py): every statement
    that inserts, deletes or moves claims between groups adds one row per group it touched, +N or -N. The
    sum of a group's rows is how many claims are in it now, whatever wrote them (intake, bulk import by COPY,
    transitions, bulk updates). `claim_tally_compact` folds the rows of each group into one from time to time.
    Like an index, it is derived data: no timestamps, no foreign-key constraints (the claims hold those).
    """

    incident = models.ForeignKey(
        "claims.Incident", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", verbose_name="장애"
    )
    operator = models.TextField("운영 주체")
    category = models.TextField("분류")
    claimant_kind = models.TextField("신고인 구분")
    service = models.ForeignKey(
        "claims.Service",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name="서비스",
    )
    status = models.TextField("상태")
    day = models.DateField("접수일 (현지 시각)")
    n = models.BigIntegerField("증감 건수")

    class Meta:
        verbose_name = "피해 신고 집계"
        verbose_name_plural = "피해 신고 집계"

    def __str__(self) -> str:
        return f"{self.day} {self.operator}/{self.category}/{self.status}: {self.n:+d}"
