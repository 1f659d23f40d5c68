"""Intake triage: deterministic, synchronous, and every decision names the rule that made it."""

import re
from dataclasses import dataclass

from claims.models import Claim

RULE_AFFILIATE_SERVICE = "affiliate_service"
RULE_OWN_PAID = "own_paid"
RULE_OWN_FREE_MONETARY = "own_free_monetary"
RULE_OWN_NON_MONETARY = "own_non_monetary"

# Checked in this order; the first subtype with a hit wins. Encouragement first: "힘내세요, 언제 복구돼요?"
# is a kind word more than a question. Anything else is an opinion.
_SUBTYPE_KEYWORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (Claim.Subtype.ENCOURAGEMENT, re.compile(r"힘내|응원|수고|고생|감사|화이팅|파이팅|고맙")),
    (Claim.Subtype.COMPLAINT, re.compile(r"불만|항의|화가|화나|짜증|분노|어이없|실망|불편|최악|책임")),
    (Claim.Subtype.INQUIRY, re.compile(r"문의|궁금|언제|어떻게|어디|알려|가능한가|되나요|인가요|나요\?|\?")),
)


@dataclass(frozen=True, slots=True)
class TriageResult:
    operator: str
    affiliate_id: int | None
    category: str
    subtype: str
    rule: str


def guess_subtype(description: str) -> str:
    for subtype, pattern in _SUBTYPE_KEYWORDS:
        if pattern.search(description or ""):
            return subtype
    return Claim.Subtype.OPINION


def triage(
    *, service_affiliate_id: int | None, paid: bool, claimed_amount: int | None, description: str
) -> TriageResult:
    if service_affiliate_id is not None:
        return TriageResult(
            Claim.Operator.AFFILIATE, service_affiliate_id, Claim.Category.AFFILIATE, "", RULE_AFFILIATE_SERVICE
        )
    if paid:
        return TriageResult(Claim.Operator.OWN, None, Claim.Category.PAID_SERVICE_DAMAGE, "", RULE_OWN_PAID)
    if claimed_amount:
        return TriageResult(Claim.Operator.OWN, None, Claim.Category.FREE_SERVICE_MONETARY, "", RULE_OWN_FREE_MONETARY)
    return TriageResult(
        Claim.Operator.OWN, None, Claim.Category.NON_MONETARY, guess_subtype(description), RULE_OWN_NON_MONETARY
    )
