"""Synthetic claims written straight into PostgreSQL with INSERT … SELECT generate_series.

`bench/synth.py` writes the import CSV (to measure the import); this module fills the tables directly so that a
test can hold 105,116 claims and a benchmark a million in seconds, with exact counts per category, claimant kind
and status. A value is assigned to the row number by ranges of a different permutation per dimension
(g·P mod n, P coprime to n), so every marginal count is exact while the dimensions stay mixed.

Rows bypass the intake service on purpose (as a COPY would): this is fixture data, not a code path. Columns
this module does not know are filled with the model field's default, so a new field with a default does not
break it; a new required field without one makes it fail loudly.
"""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, models, transaction

from bench.synth import AFFILIATE_SERVICES, GIVEN, MONEY_TEXT, NON_MONETARY_TEXT, OWN_PAID_SERVICES, OWN_SERVICES
from claims.models import Claim, Claimant, Incident, Service
from claims.services import incident_reserve_references
from claims.triage import RULE_AFFILIATE_SERVICE, RULE_OWN_FREE_MONETARY, RULE_OWN_NON_MONETARY, RULE_OWN_PAID

KST = ZoneInfo("Asia/Seoul")
START = datetime(2022, 10, 19, 9, 0, tzinfo=KST)
END = datetime(2022, 11, 6, 23, 59, tzinfo=KST)

# The shares Kakao reported (Hankyung, 2 Dec 2022), used when a caller asks for a realistic mix of any size.
REPORTED_OPERATOR = {Claim.Operator.OWN: 0.83, Claim.Operator.AFFILIATE: 0.17}
REPORTED_OWN_CATEGORY = {
    Claim.Category.PAID_SERVICE_DAMAGE: 0.171,
    Claim.Category.FREE_SERVICE_MONETARY: 0.151,
    Claim.Category.NON_MONETARY: 0.678,
}
REPORTED_KIND = {
    Claimant.Kind.INDIVIDUAL: 0.896,
    Claimant.Kind.SMALL_BUSINESS: 0.102,
    Claimant.Kind.ENTERPRISE: 0.002,
}
# Where the work stands some weeks into the programme (an assumption; the article gives no status figures).
OWN_STATUS = {
    Claim.Status.RECEIVED: 0.40,
    Claim.Status.IN_REVIEW: 0.20,
    Claim.Status.AWAITING_CLAIMANT: 0.05,
    Claim.Status.ANSWERED: 0.20,
    Claim.Status.ASSESSED: 0.08,
    Claim.Status.CLOSED: 0.05,
    Claim.Status.REJECTED: 0.01,
    Claim.Status.WITHDRAWN: 0.01,
}
AFFILIATE_STATUS = {Claim.Status.TRANSFERRED: 0.85, Claim.Status.RECEIVED: 0.15}
SUBTYPE = {
    Claim.Subtype.INQUIRY: 0.35,
    Claim.Subtype.OPINION: 0.30,
    Claim.Subtype.COMPLAINT: 0.25,
    Claim.Subtype.ENCOURAGEMENT: 0.10,
}
RULES = {
    Claim.Category.PAID_SERVICE_DAMAGE: RULE_OWN_PAID,
    Claim.Category.FREE_SERVICE_MONETARY: RULE_OWN_FREE_MONETARY,
    Claim.Category.NON_MONETARY: RULE_OWN_NON_MONETARY,
    Claim.Category.AFFILIATE: RULE_AFFILIATE_SERVICE,
}
SURNAMES = list("김이박최정강조윤장임한오서신권황안송류홍")
SHOPS = ["꽃집", "치킨", "카페", "미용실", "분식", "네일샵", "공방", "택배", "학원", "세탁소"]


def counts_from_shares(total: int, shares: Mapping[str, float]) -> dict[str, int]:
    """Split `total` by `shares` into integers that sum to it exactly (largest remainder)."""
    weight = sum(shares.values())
    raw = {key: total * share / weight for key, share in shares.items()}
    counts = {key: math.floor(value) for key, value in raw.items()}
    rest = total - sum(counts.values())
    for key in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[:rest]:
        counts[key] += 1
    return counts


class _Sql:
    """Collects named parameters so that values never get pasted into the SQL text."""

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"@@{name}@@"

    def render(self, text: str) -> str:
        """The final SQL: literal % (the modulo operator) escaped, then the placeholders put in."""
        return re.sub(r"@@(p\d+)@@", r"%(\1)s", text.replace("%", "%%"))

    def pick(self, index: str, counts: Mapping[str, int]) -> str:
        """CASE choosing a value by consecutive ranges of `index` (0 ≤ index < sum of counts)."""
        items = [(key, n) for key, n in counts.items() if n > 0]
        if not items:
            raise ValueError("empty mix")
        whens, upper = [], 0
        for key, n in items[:-1]:
            upper += n
            whens.append(f"WHEN {index} < {upper} THEN {self.param(str(key))}")
        last = self.param(str(items[-1][0]))
        return f"(CASE {' '.join(whens)} ELSE {last} END)" if whens else last

    def element(self, values: list[Any], index: str, cast: str = "text") -> str:
        """Element of a literal array chosen by `index` (taken modulo the length)."""
        return f"({self.param(values)}::{cast}[])[1 + ({index}) % {len(values)}]"


def _permutation(n: int, salt: int, var: str = "g") -> str:
    """SQL for a bijection of 0..n-1 onto itself: g·P mod n with P coprime to n."""
    p = 7919 + 104_729 * salt
    while math.gcd(p, n) != 1:
        p += 1
    return f"(({var} * {p}) % {n})"


@dataclass(frozen=True)
class IdSlots:
    """Where the rows of one insert_claims call go among the ids of a larger batch, so that several calls
    (own and affiliate claims) interleave as they would arrive: ids first_id .. first_id + total - 1, of which
    this call takes positions start .. start + n - 1 of a permutation."""

    first_id: int
    total: int
    start: int = 0

    @classmethod
    def reserve(cls, total: int) -> "IdSlots":
        return cls(first_id=_reserve_ids(Claim, total), total=total)


def _insert(sql: _Sql, model: type[models.Model], exprs: dict[str, str], source: str) -> str:
    """INSERT … SELECT for every concrete column: ours from `exprs`, the rest from the field's default."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        column = field.column
        if column in exprs:
            columns.append(column)
            values.append(exprs[column])
        elif field.primary_key or field.db_default is not models.NOT_PROVIDED:
            continue
        elif field.has_default() or field.null:
            columns.append(column)
            values.append(sql.param(field.get_db_prep_save(field.get_default(), connection)))
        elif field.empty_strings_allowed:
            columns.append(column)
            values.append(sql.param(""))
        else:
            raise RuntimeError(f"synth_sql does not know how to fill {model.__name__}.{field.name}")
    return f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}"


def _reserve_ids(model: type[models.Model], count: int) -> int:
    """Take `count` consecutive primary keys from the table's sequence; returns the first."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
            [table, table, count],
        )
        last = cursor.fetchone()[0]
    return last - count + 1


def insert_claims(
    *,
    incident: Incident,
    operator: str,
    categories: Mapping[str, int],
    kinds: Mapping[str, int],
    statuses: Mapping[str, int],
    salt: int = 0,
    claimants_per_kind: int | None = None,
    slots: IdSlots | None = None,
) -> int:
    """Insert claims of one operator with exactly these counts per category, claimant kind and status.

    Each claim gets its own claimant, as intake does, unless `claimants_per_kind` is given: then the claims of
    each kind share that many claimants (half the rows to write, for tests that only count claims).
    The three mappings must each sum to the same total. Returns the number of claims written.
    Claim ids (and received times, which grow with them) are spread over `slots`, or over n fresh ids.
    """
    n = sum(categories.values())
    if sum(kinds.values()) != n or sum(statuses.values()) != n:
        raise ValueError("categories, kinds and statuses must have the same total")
    if n == 0:
        return 0
    services = list(Service.objects.filter(incident=incident).values("id", "code", "affiliate_id"))
    by_code = {s["code"]: s for s in services}
    if operator == Claim.Operator.AFFILIATE:
        pools = {Claim.Category.AFFILIATE: [s for s in services if s["affiliate_id"]]}
    else:
        own = [s for s in services if not s["affiliate_id"]]
        pools = {
            Claim.Category.PAID_SERVICE_DAMAGE: [by_code[c] for c in OWN_PAID_SERVICES if c in by_code] or own,
            Claim.Category.FREE_SERVICE_MONETARY: [by_code[c] for c in OWN_SERVICES if c in by_code] or own,
            Claim.Category.NON_MONETARY: [by_code[c] for c in OWN_SERVICES if c in by_code] or own,
        }
    if operator == Claim.Operator.AFFILIATE and not pools[Claim.Category.AFFILIATE]:
        raise ValueError(f"incident {incident.code} has no affiliate services ({', '.join(AFFILIATE_SERVICES)})")

    sql = _Sql()
    g_category, g_kind, g_status, g_subtype = (_permutation(n, i) for i in range(4))
    kind_expr = sql.pick(g_kind, kinds)
    if claimants_per_kind is None:
        people, people_kind = n, kind_expr
    else:
        present = [key for key, count in kinds.items() if count > 0]
        people = claimants_per_kind * len(present)
        people_kind = sql.pick("g", dict.fromkeys(present, claimants_per_kind))
    g_misc = _permutation(people, 5)

    with transaction.atomic():
        slots = slots or IdSlots.reserve(n)
        position = _permutation(slots.total, 6, var=f"(g + {slots.start})")
        first_claimant = _reserve_ids(Claimant, people)
        first_reference = incident_reserve_references(incident_id=incident.pk, count=n)[0]
        prefix, _, number = first_reference.rpartition("-")
        if claimants_per_kind is None:
            claimant_of_claim = f"{first_claimant} + g"
        else:
            offsets = " ".join(
                f"WHEN {sql.param(str(key))} THEN {i * claimants_per_kind}" for i, key in enumerate(present)
            )
            claimant_of_claim = f"{first_claimant} + (CASE s.kind {offsets} END) + g % {claimants_per_kind}"

        # Nine digits starting 1-9, completed with the check digit core.validators verifies.
        b = f"(100000000 + ({g_misc} * 7 + {salt}) % 900000000)"
        digits = [f"(({b} / {10 ** (8 - i)}) % 10)" for i in range(9)]
        weighted = " + ".join(f"{d} * {w}" for d, w in zip(digits, (1, 3, 7, 1, 3, 7, 1, 3, 5), strict=True))
        check = f"((10 - ({weighted} + ({digits[8]} * 5) / 10) % 10) % 10)"
        business_no = f"CASE WHEN s.kind = 'individual' THEN '' ELSE {b}::text || {check}::text END"
        person = sql.element(SURNAMES, "g") + " || " + sql.element(GIVEN, "g / 20")
        shop = sql.element(SURNAMES, "g") + " || '네 ' || " + sql.element(SHOPS, "g / 20")
        claimant_exprs = {
            "id": f"{first_claimant} + g",
            "created_at": "now()",
            "updated_at": "now()",
            "kind": "s.kind",
            "name": f"CASE WHEN s.kind = 'individual' THEN {person} ELSE {shop} END",
            "email": f"CASE WHEN g % 10 < 7 THEN 'user' || ({first_claimant} + g) || '@example.kr' ELSE '' END",
            "phone": f"'010' || lpad((10000000 + ({g_misc} * 13 + {salt}) % 90000000)::text, 8, '0')",
            "business_no": business_no,
        }
        source = f"(SELECT g, {people_kind} AS kind FROM generate_series(0::bigint, {people - 1}) AS g) AS s"
        claimant_sql = _insert(sql, Claimant, claimant_exprs, source)

        category = "s.category"
        rules = " ".join(f"WHEN {sql.param(str(c))} THEN {sql.param(rule)}" for c, rule in RULES.items())
        service_ids, affiliate_ids, whens = [], [], []
        for key, pool in pools.items():
            offset = len(service_ids)
            service_ids += [s["id"] for s in pool]
            affiliate_ids += [s["affiliate_id"] for s in pool]
            whens.append(f"WHEN {sql.param(str(key))} THEN {offset} + g % {len(pool)}")
        service_index = f"(CASE {category} {' '.join(whens)} END)"
        span = int((END - START).total_seconds())
        # Most reports came in the first days: a power curve skews the times towards the start.
        offset = f"floor({span} * power({position}::float8 / {slots.total}, 1.6))"
        received_at = f"{sql.param(START)}::timestamptz + make_interval(secs => {offset})"
        paid_amount = "CASE WHEN g % 10 < 6 THEN (1 + g % 100) * 1000 END"
        free_amount = sql.element([50_000, 120_000, 300_000, 420_000, 800_000, 2_500_000], "g", "bigint")
        affiliate_amount = "CASE WHEN g % 2 = 0 THEN (1 + g % 60) * 10000 END"
        claim_exprs = {
            "id": f"{slots.first_id} + {position}",
            "created_at": "s.received_at",
            "updated_at": "s.received_at",
            "reference": f"{sql.param(prefix + '-')} || lpad(({int(number)} + g)::text, 7, '0')",
            "incident_id": str(incident.pk),
            "service_id": f"({sql.param(service_ids)}::bigint[])[1 + {service_index}]",
            "claimant_id": claimant_of_claim,
            "claimant_kind": "s.kind",
            "paid": (
                f"CASE {category} WHEN 'paid_service_damage' THEN true WHEN 'affiliate' THEN g % 10 < 3 ELSE false END"
            ),
            "claimed_amount": (
                f"CASE {category} WHEN 'paid_service_damage' THEN {paid_amount} "
                f"WHEN 'free_service_monetary' THEN {free_amount} WHEN 'affiliate' THEN {affiliate_amount} END"
            ),
            "description": (
                f"CASE WHEN {category} = 'non_monetary' THEN {sql.element(NON_MONETARY_TEXT, 'g')} "
                f"ELSE {sql.element(MONEY_TEXT, 'g')} END"
            ),
            "channel": "CASE g % 10 WHEN 8 THEN 'call_center' WHEN 9 THEN 'api' ELSE 'web' END",
            "received_at": "s.received_at",
            "consent_privacy": "true",
            "consent_share_contact": "g % 2 = 0",
            "status": "s.status",
            "operator": sql.param(str(operator)),
            "affiliate_id": f"({sql.param(affiliate_ids)}::bigint[])[1 + {service_index}]",
            "category": category,
            "subtype": (
                f"CASE WHEN {category} = 'non_monetary' THEN "
                f"{sql.pick(f'({g_subtype} % 100)', counts_from_shares(100, SUBTYPE))} ELSE '' END"
            ),
            "triage_rule": f"CASE {category} {rules} END",
        }
        source = (
            f"(SELECT g, {sql.pick(g_category, categories)} AS category, {kind_expr} AS kind, "
            f"{sql.pick(g_status, statuses)} AS status, {received_at} AS received_at "
            f"FROM generate_series(0::bigint, {n - 1}) AS g) AS s"
        )
        # In id order, as claims arrive: the heap follows the primary key and its index grows at the end.
        claim_sql = _insert(sql, Claim, claim_exprs, source) + " ORDER BY 1"
        with connection.cursor() as cursor:
            cursor.execute(sql.render(claimant_sql), sql.params)
            cursor.execute(sql.render(claim_sql), sql.params)
    return n


def insert_reported_mix(*, incident: Incident, total: int, salt: int = 0) -> int:
    """`total` claims in the proportions the article reports, with a plausible spread of statuses."""
    operators = counts_from_shares(total, REPORTED_OPERATOR)
    own, affiliate = operators[Claim.Operator.OWN], operators[Claim.Operator.AFFILIATE]
    slots = IdSlots.reserve(total)
    insert_claims(
        incident=incident,
        operator=Claim.Operator.OWN,
        categories=counts_from_shares(own, REPORTED_OWN_CATEGORY),
        kinds=counts_from_shares(own, REPORTED_KIND),
        statuses=counts_from_shares(own, OWN_STATUS),
        salt=salt,
        slots=slots,
    )
    insert_claims(
        incident=incident,
        operator=Claim.Operator.AFFILIATE,
        categories={Claim.Category.AFFILIATE: affiliate},
        kinds=counts_from_shares(affiliate, REPORTED_KIND),
        statuses=counts_from_shares(affiliate, AFFILIATE_STATUS),
        salt=salt + 1,
        slots=IdSlots(first_id=slots.first_id, total=total, start=own),
    )
    return total
