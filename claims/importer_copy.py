"""The PostgreSQL write path of the bulk import: claimants and claims streamed with psycopg 3 COPY.

Ids come from the tables' own sequences (`nextval`) before the COPY, so a claim can point at its claimant
and at an earlier claim of the same chunk without a round trip per row. Columns the import does not set get
the model field's default, so a field added later with a default needs no change here.

The COPY is binary: psycopg packs each row in C from the column types read from the catalogue, about four times
less Python time than the text format, and PostgreSQL has no timestamps or numbers to parse."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, models
from django.utils import timezone

from claims.models import Claim, Claimant, Incident

if TYPE_CHECKING:
    from claims.importer import _Row

CLAIMANT_FIELDS = ("id", "created_at", "updated_at", "kind", "name", "email", "phone", "business_no")
CLAIM_FIELDS = ("id", "created_at", "updated_at", "reference", "incident_id", "service_id", "claimant_id",
                "claimant_kind", "paid", "claimed_amount", "description", "channel", "received_at",
                "consent_privacy", "operator", "affiliate_id", "category", "subtype", "triage_rule",
                "duplicate_of_id", "external_id", "team_id", "first_response_due_at", "assigned_to_id")  # fmt: skip


class _Table:
    """COPY statement and default values for one model, given the fields the import fills itself."""

    def __init__(self, model: type[models.Model], explicit: Sequence[str]) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        # A field with only a database default is left out of the COPY, so the database fills it in.
        self.others = [
            f for name, f in fields.items() if name not in explicit and (f.has_default() or not f.has_db_default())
        ]
        # Callable defaults (dict, uuid4...) are evaluated per row, like Model() would.
        self.per_row = [f for f in self.others if f.has_default() and callable(f.default)]
        self.constant = [f for f in self.others if f not in self.per_row]
        self.names = [fields[name].column or name for name in explicit]
        self.names += [f.column or f.attname for f in self.constant + self.per_row]
        quoted = ", ".join(connection.ops.quote_name(name) for name in self.names)
        self.table = model._meta.db_table
        self.sequence = ""
        self.types: list[int] = []
        self.copy_sql = f"COPY {connection.ops.quote_name(self.table)} ({quoted}) FROM STDIN (FORMAT BINARY)"

    def column_types(self, cursor: Any) -> list[int]:
        """The columns' type oids, which binary COPY needs to pack each value."""
        if not self.types:
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
                " AND NOT attisdropped",
                [self.table],
            )
            oids = dict(cursor.fetchall())
            self.types = [int(oids[name]) for name in self.names]
        return self.types

    def defaults(self) -> tuple[Any, ...]:
        return tuple(f.get_db_prep_save(f.get_default(), connection) for f in self.constant)

    def row_defaults(self) -> tuple[Any, ...]:
        return tuple(f.get_db_prep_save(f.get_default(), connection) for f in self.per_row)


_tables: dict[str, _Table] = {}


def _table(model: type[models.Model], explicit: Sequence[str]) -> _Table:
    key = model._meta.label
    if key not in _tables:
        _tables[key] = _Table(model, explicit)
    return _tables[key]


def _next_ids(cursor: Any, tables: Sequence[_Table], count: int) -> list[list[int]]:
    """`count` fresh ids from each table's sequence, in one round trip."""
    for table in tables:
        if not table.sequence:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table.table])
            table.sequence = cursor.fetchone()[0]
    columns = ", ".join("nextval(%s::regclass)" for _ in tables)
    cursor.execute(f"SELECT {columns} FROM generate_series(1, %s)", [*(t.sequence for t in tables), count])
    fetched = cursor.fetchall()
    return [sorted(row[i] for row in fetched) for i in range(len(tables))]


def copy_chunk(*, rows: "list[_Row]", incident: Incident) -> None:
    """Insert one chunk's claimants and claims; call inside the chunk's transaction."""
    from claims.importer import IMPORT_CONSENT_PRIVACY

    claimants = _table(Claimant, CLAIMANT_FIELDS)
    claims = _table(Claim, CLAIM_FIELDS)
    now = timezone.now()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        person_ids, claim_ids = _next_ids(cursor, [claimants, claims], len(rows))
        for row, claim_id in zip(rows, claim_ids, strict=True):
            row.claim_id = claim_id

        constant = claimants.defaults()
        per_row = bool(claimants.per_row)
        types = claimants.column_types(cursor)
        with cursor.copy(claimants.copy_sql) as copy:
            copy.set_types(types)
            for row, person_id in zip(rows, person_ids, strict=True):
                c = row.claimant
                person = (person_id, now, now, c["kind"], c["name"], c["email"], c["phone"], c["business_no"])
                copy.write_row(person + constant + (claimants.row_defaults() if per_row else ()))

        constant = claims.defaults()
        per_row = bool(claims.per_row)
        incident_id = incident.pk
        types = claims.column_types(cursor)
        with cursor.copy(claims.copy_sql) as copy:
            copy.set_types(types)
            for row, person_id in zip(rows, person_ids, strict=True):
                target = row.duplicate_of
                duplicate_of_id = target if target is None or isinstance(target, int) else target.claim_id
                values = (
                    row.claim_id, now, now, row.reference, incident_id, row.service_id, person_id,
                    row.claimant["kind"], row.paid, row.claimed_amount, row.description, row.channel,
                    row.received_at, IMPORT_CONSENT_PRIVACY, row.operator, row.affiliate_id, row.category, row.subtype,
                    row.triage_rule, duplicate_of_id, row.external_id, row.team_id, row.first_response_due_at,
                    row.assigned_to_id,
                )  # fmt: skip
                copy.write_row(values + constant + (claims.row_defaults() if per_row else ()))
