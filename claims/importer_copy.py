"""The PostgreSQL write path of the bulk import: claimants and claims streamed with psycopg 3 COPY.

Ids come from the tables' own sequences (`nextval`) before the COPY, so a claim can point at its claimant
and at an earlier claim of the same chunk without a round trip per row. Columns the import does not set get
the model field's default, so a field added later with a default needs no change here.

The COPY is binary: psycopg packs each row in C from the column types read from the catalogue, about four times
less Python time than the text format, and PostgreSQL has no timestamps or numbers to parse."""

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, models
from django.utils import timezone
from psycopg import Copy
from psycopg.copy import FileWriter

from claims.models import Claim, Claimant

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

    def defaults(self, conn: Any) -> tuple[Any, ...]:
        return tuple(f.get_db_prep_save(f.get_default(), conn) for f in self.constant)

    def row_defaults(self, conn: Any) -> tuple[Any, ...]:
        return tuple(f.get_db_prep_save(f.get_default(), conn) for f in self.per_row)


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


def copy_tables() -> tuple[_Table, _Table]:
    """The claimant and claim COPY descriptions (built once, then cached: any thread may use them)."""
    return _table(Claimant, CLAIMANT_FIELDS), _table(Claim, CLAIM_FIELDS)


def copy_next_ids(count: int) -> tuple[list[int], list[int]]:
    """`count` fresh claimant ids and claim ids, in one round trip. Sequences are not transactional, so this may
    run before the chunk's transaction: a chunk that fails leaves a gap, as it would anyway."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        tables = copy_tables()
        person_ids, claim_ids = _next_ids(cursor, tables, count)
        for table in tables:
            table.column_types(cursor)  # read once, for copy_data
    return person_ids, claim_ids


def copy_data(*, rows: "list[_Row]", person_ids: list[int], incident_id: int, conn: Any) -> tuple[bytes, bytes]:
    """The binary COPY data of one chunk's claimants and claims, ids already set (`person_ids`, `row.claim_id`).
    No I/O: psycopg packs the rows into memory (`conn` only lends its adapters), so this may run in another
    thread than the connection's, while the connection is busy."""
    from claims.importer import IMPORT_CONSENT_PRIVACY

    claimants, claims = copy_tables()
    now = timezone.now()
    people, out = io.BytesIO(), io.BytesIO()
    with conn.cursor() as cursor, Copy(cursor, binary=True, writer=FileWriter(people)) as copy:
        copy.set_types(claimants.types)
        constant = claimants.defaults(connection)
        per_row = bool(claimants.per_row)
        for row, person_id in zip(rows, person_ids, strict=True):
            c = row.claimant
            person = (person_id, now, now, c["kind"], c["name"], c["email"], c["phone"], c["business_no"])
            copy.write_row(person + constant + (claimants.row_defaults(connection) if per_row else ()))

    with conn.cursor() as cursor, Copy(cursor, binary=True, writer=FileWriter(out)) as copy:
        copy.set_types(claims.types)
        constant = claims.defaults(connection)
        per_row = bool(claims.per_row)
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
            copy.write_row(values + constant + (claims.row_defaults(connection) if per_row else ()))
    return people.getvalue(), out.getvalue()


def copy_write(*, people: bytes, claims: bytes) -> None:
    """Send the data copy_data packed; call inside the chunk's transaction."""
    claimant_table, claim_table = copy_tables()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        for table, data in ((claimant_table, people), (claim_table, claims)):
            with cursor.copy(table.copy_sql) as copy:
                copy.write(data)
