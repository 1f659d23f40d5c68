"""Bulk import of claims gathered by other channels (call centre, post) from a CSV file.

Every row goes through the same cleaning functions as the API (`claims.intake`) and the same triage;
rows are written in chunks, each chunk in one transaction, so a crash never leaves half a chunk behind and a
re-run skips what is already there (`external_id` is unique per incident). On PostgreSQL the rows are
streamed with COPY; elsewhere (the embedded SQLite setup) `bulk_create` does the same job more slowly.

Row numbers are spreadsheet row numbers: the header is row 1, the first data row is row 2.
"""

import functools
import logging
import re
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from queue import Full, Queue
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from claims.importer_csv import COLUMNS, Source, header_columns, open_csv, parse_received_at
from claims.importer_intake import ImportRouter, claims_imported_notify
from claims.intake import CHANNELS, DESCRIPTION_MAX, NAME_MAX, claim_text_clean, claimant_clean, parse_bool
from claims.models import Claim, Claimant, Incident
from claims.services import incident_reserve_references
from claims.triage import triage
from core.validators import RRN_PATTERN, contains_rrn

logger = logging.getLogger(__name__)

EXTERNAL_ID_MAX = 64
# claimant_clean names its fields after the API; the file calls `kind` `claimant_kind`.
_CLAIMANT_FIELD_TO_COLUMN = {"kind": "claimant_kind"}
# The channels feeding the import (call-centre script, paper form) take the privacy consent themselves; the file
# has no column for it, so an imported claim records it as given, as the API requires it to be.
IMPORT_CONSENT_PRIVACY = True
# Refresh the claims tables' statistics once the import has written this many rows into a table described as smaller.
ANALYZE_AFTER_ROWS = 10_000
# Any constant would do: it namespaces the per-incident lock that makes imports of one incident take turns.
_ADVISORY_LOCK_NAMESPACE = 0x1C1A

# Fast paths for the common, plainly valid cell; anything they do not accept goes through the shared cleaning
# functions (claims.intake), which decide and word the error. Each pattern accepts a subset of what the shared
# function accepts and yields the same clean value, so the fast path never changes an outcome, only its cost.
_KINDS = frozenset(Claimant.Kind.values)
_BUSINESS_KINDS = frozenset((Claimant.Kind.SMALL_BUSINESS, Claimant.Kind.ENTERPRISE))
_BOOLS = {**dict.fromkeys(("true", "1", "y", "yes", "t"), True), **dict.fromkeys(("false", "0", "n", "no", "f"), False)}
# A subset of Django's EmailValidator (dot-atom local part, dotted domain with an alphabetic TLD), lower case.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", re.ASCII
)
# A mobile number as normalize_phone accepts it, with or without dashes: its digits are the clean value.
_PLAIN_MOBILE = re.compile(r"01[016789]-?\d{3,4}-?\d{4}", re.ASCII)


@dataclass
class ImportResult:
    imported: int = 0
    duplicates: int = 0  # rows whose external_id was already imported (in the database or earlier in the file)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    probable_duplicates: int = 0  # imported rows flagged as a probable duplicate of an earlier claim
    total_rows: int = 0  # data rows in the file, blank lines not counted

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "probable_duplicates": self.probable_duplicates,
        }


# progress(processed_rows, total_rows, result_so_far); called once per chunk inside the chunk's transaction,
# so whatever it writes commits together with the chunk's claims.
ProgressCallback = Callable[[int, int, ImportResult], None]


@dataclass(slots=True)
class _Row:
    """One valid row on its way to the database."""

    number: int
    external_id: str
    claimant: dict[str, str]
    service_id: int
    paid: bool
    claimed_amount: int | None
    description: str
    channel: str
    received_at: datetime
    operator: str
    affiliate_id: int | None
    category: str
    subtype: str
    triage_rule: str
    duplicate_of: "int | _Row | None" = None
    claim_id: int | None = None
    reference: str = ""
    # Routing, as intake does it (claims.importer_intake.ImportRouter)
    team_id: int | None = None
    first_response_due_at: datetime | None = None
    assigned_to_id: int | None = None


class _Validator:
    """Turns one CSV record into a `_Row` or a field-keyed error dict, with the API's cleaning functions."""

    def __init__(self, *, incident: Incident, columns: dict[str, int], width: int) -> None:
        self.width = width
        # A column left out of the file reads as the blank cell appended at position `width`.
        (self.i_external_id, self.i_received_at, self.i_channel, self.i_kind, self.i_name, self.i_email,
         self.i_phone, self.i_business_no, self.i_service, self.i_paid, self.i_amount, self.i_description) = (
            columns.get(name, width) for name in COLUMNS
        )  # fmt: skip
        self.services = {s.code.lower(): (s.pk, s.affiliate_id) for s in incident.services.all()}
        self.not_before = incident.occurred_at
        self.not_after = timezone.now() + timedelta(minutes=10)

    def __call__(self, number: int, values: list[str]) -> _Row | dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        if len(values) > self.width and any(value.strip() for value in values[self.width :]):
            errors["row"] = ["머리글보다 칸이 많습니다. 쉼표가 든 값은 따옴표로 감싸 주세요."]
        values = values[: self.width]
        values.extend([""] * (self.width + 1 - len(values)))

        external_id = values[self.i_external_id].strip()
        if not external_id:
            errors["external_id"] = ["외부 ID를 입력해 주세요."]
        elif len(external_id) > EXTERNAL_ID_MAX:
            errors["external_id"] = [f"외부 ID는 {EXTERNAL_ID_MAX}자 이하여야 합니다."]
        elif contains_rrn(external_id):
            errors["external_id"] = ["주민등록번호로 보이는 숫자가 있습니다. 주민등록번호는 수집하지 않습니다."]

        received_at = None
        try:
            received_at = parse_received_at(values[self.i_received_at])
            if received_at < self.not_before:
                errors["received_at"] = ["장애 발생 전 시각입니다."]
            elif received_at > self.not_after:
                errors["received_at"] = ["미래 시각입니다."]
        except ValidationError as exc:
            errors["received_at"] = exc.messages

        channel = values[self.i_channel].strip().lower() or Claim.Channel.IMPORT
        if channel not in CHANNELS:
            errors["channel"] = [f"접수 경로는 {', '.join(sorted(CHANNELS))} 중 하나여야 합니다."]

        service = self.services.get(values[self.i_service].strip().lower())
        if service is None:
            errors["service"] = ["이 장애의 서비스 코드가 아닙니다."]

        paid = _BOOLS.get(values[self.i_paid].strip().lower())
        if paid is None:
            paid = False
            try:
                paid = parse_bool(values[self.i_paid])
            except ValidationError as exc:
                errors["paid"] = exc.messages

        claimant = self._claimant_fast(values)
        if claimant is None:
            try:
                claimant = claimant_clean(
                    kind=values[self.i_kind],
                    name=values[self.i_name],
                    email=values[self.i_email],
                    phone=values[self.i_phone],
                    business_no=values[self.i_business_no],
                )
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    errors[_CLAIMANT_FIELD_TO_COLUMN.get(name, name)] = messages

        description = values[self.i_description].strip()
        raw_amount = values[self.i_amount]  # not stripped: claim_text_clean refuses a cell of blanks
        amount: int | None = None
        if (
            len(description) <= DESCRIPTION_MAX
            and (not raw_amount or (raw_amount.isascii() and raw_amount.isdigit() and len(raw_amount) <= 13))
            and RRN_PATTERN.search(description) is None
        ):
            amount = int(raw_amount) if raw_amount else None
        else:
            try:
                text = claim_text_clean(description=values[self.i_description], claimed_amount=values[self.i_amount])
                description, amount = text["description"], text["claimed_amount"]
            except ValidationError as exc:
                errors.update(exc.message_dict)
        if errors:
            return errors

        assert service is not None and received_at is not None and claimant is not None
        service_id, affiliate_id = service
        decision = triage(service_affiliate_id=affiliate_id, paid=paid, claimed_amount=amount, description=description)
        return _Row(
            number, external_id, claimant, service_id, paid, amount, description, channel, received_at,
            decision.operator, decision.affiliate_id, decision.category, decision.subtype, decision.rule,
        )  # fmt: skip

    def _claimant_fast(self, values: list[str]) -> dict[str, str] | None:
        """claimant_clean's result for a plainly valid claimant, or None to let claimant_clean decide."""
        kind = values[self.i_kind].strip()
        name = values[self.i_name].strip()
        email = values[self.i_email].strip().lower()
        phone = values[self.i_phone].strip()
        business_no = values[self.i_business_no].strip()
        if (
            kind not in _KINDS
            or not name
            or len(name) > NAME_MAX
            or (email and (len(email) > 254 or _PLAIN_EMAIL.fullmatch(email) is None))
            or _PLAIN_MOBILE.fullmatch(phone) is None
            or business_no  # checked (check digit) by claimant_clean
            or kind in _BUSINESS_KINDS
            or RRN_PATTERN.search(name) is not None
            or (email and RRN_PATTERN.search(email) is not None)
        ):
            return None
        return {"kind": kind, "name": name, "email": email, "phone": phone.replace("-", ""), "business_no": ""}


class _DuplicateIndex:
    """The earliest not-itself-duplicate claim per (service, phone) and (service, business number).

    Mirrors `claims.services.claim_find_probable_duplicate` for a whole file: the database is asked once per
    chunk for the keys not seen yet, and rows of the file become candidates for the rows after them."""

    def __init__(self, *, incident_id: int) -> None:
        self.incident_id = incident_id
        # key → claim id, a `_Row` of the current chunk, or None (known to have no earlier claim)
        self.by_phone: dict[tuple[int, str], int | _Row | None] = {}
        self.by_business: dict[tuple[int, str], int | _Row | None] = {}

    def load(self, rows: list[_Row]) -> None:
        phones = {r.claimant["phone"] for r in rows if (r.service_id, r.claimant["phone"]) not in self.by_phone}
        businesses = {
            r.claimant["business_no"]
            for r in rows
            if r.claimant["business_no"] and (r.service_id, r.claimant["business_no"]) not in self.by_business
        }
        for key_field, values, index in (
            ("phone", phones, self.by_phone),
            ("business_no", businesses, self.by_business),
        ):
            if values:
                for service_id, value, claim_id in _earliest_claims(self.incident_id, key_field, list(values)):
                    index.setdefault((service_id, value), claim_id)
        for row in rows:
            self.by_phone.setdefault((row.service_id, row.claimant["phone"]), None)
            if row.claimant["business_no"]:
                self.by_business.setdefault((row.service_id, row.claimant["business_no"]), None)

    def flag(self, row: _Row) -> None:
        """Link `row` to its earliest match, or make it the match for the rows after it."""
        phone_key = (row.service_id, row.claimant["phone"])
        business_key = (row.service_id, row.claimant["business_no"]) if row.claimant["business_no"] else None
        candidates = [self.by_phone.get(phone_key)]
        if business_key:
            candidates.append(self.by_business.get(business_key))
        earliest = _earliest(*candidates)
        if earliest is not None:
            row.duplicate_of = earliest
            return
        self.by_phone[phone_key] = row
        if business_key:
            self.by_business[business_key] = row

    def settle(self, rows: list[_Row]) -> None:
        """After a chunk is written its rows are plain claim ids for the chunks that follow."""
        for row in rows:
            if row.duplicate_of is None:
                self.by_phone[(row.service_id, row.claimant["phone"])] = row.claim_id
                if row.claimant["business_no"]:
                    self.by_business[(row.service_id, row.claimant["business_no"])] = row.claim_id


def _earliest_claims(incident_id: int, key_field: str, values: list[str]) -> list[tuple[int, str, int]]:
    """(service, value, id) of claims not flagged themselves whose claimant has one of `values`, oldest first."""
    if connection.vendor != "postgresql":
        return list(
            Claim.objects.filter(
                incident_id=incident_id, duplicate_of__isnull=True, **{f"claimant__{key_field}__in": values}
            )
            .order_by("id")
            .values_list("service_id", f"claimant__{key_field}", "id")
        )
    # One index probe per value, fenced so the planner cannot turn it into a join: on tables an import is still
    # filling, statistics lag behind and a planned join scans the whole incident for every chunk.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.service_id, x.v, c.id FROM unnest(%s::text[]) AS x(v),"
            f" LATERAL (SELECT p.id FROM {Claimant._meta.db_table} p WHERE p.{key_field} = x.v OFFSET 0) AS p,"
            f" LATERAL (SELECT c.service_id, c.id, c.incident_id, c.duplicate_of_id FROM {Claim._meta.db_table} c"
            f"  WHERE c.claimant_id = p.id OFFSET 0) AS c"
            f" WHERE c.incident_id = %s AND c.duplicate_of_id IS NULL ORDER BY c.id",
            [values, incident_id],
        )
        return cursor.fetchall()


def _earliest(*candidates: int | _Row | None) -> int | _Row | None:
    # Existing claims (ids) are older than any row of the file; rows of the file are ordered by row number.
    ids = [c for c in candidates if isinstance(c, int)]
    if ids:
        return min(ids)
    rows = [c for c in candidates if isinstance(c, _Row)]
    return min(rows, key=lambda r: r.number) if rows else None


def claims_import_csv(
    *,
    incident: Incident,
    source: Source,
    actor: Any = None,
    progress: ProgressCallback | None = None,
    notify: bool = True,
) -> ImportResult:
    """Import a claims CSV into `incident`. Bad rows are reported, good rows imported, known ones skipped.

    Imported claims are routed like any intake and, unless notify=False, their claimants get the
    claim_received message (queued per chunk after commit). Raises ValidationError (nothing written) when the
    file cannot be read or lacks a required column."""
    reader, header, header_row, total = open_csv(source)
    validate = _Validator(incident=incident, columns=header_columns(header), width=len(header))
    writer = _ChunkWriter(incident=incident, actor=actor, notify=notify)
    result = ImportResult(total_rows=total)
    chunk_size = max(1, int(settings.REDRESS["IMPORT_CHUNK_ROWS"]))
    # The next chunk is read and validated in a thread while this one is written: the writer mostly waits for
    # PostgreSQL (which releases the GIL), so the two overlap. The thread only reads the file and checks rows;
    # every database call and every change to `result` stays in this thread, in chunk order.
    chunks = _in_background(_validated_chunks(reader, header_row=header_row, validate=validate, size=chunk_size))
    try:
        for chunk in chunks:
            writer.write(chunk, result=result, in_transaction=_progress_call(progress, chunk.processed, total, result))
        writer.flush(result=result)
    finally:
        writer.close()
        chunks.close()  # stops the thread now, not when the traceback holding this frame is dropped
    return result


@dataclass(slots=True)
class _Chunk:
    rows: list[_Row]  # valid rows whose external id is new to the file
    rejected: list[dict[str, Any]]
    duplicates: int  # rows repeating an external id seen earlier in the file
    processed: int  # data rows read so far, this chunk included


def _validated_chunks(
    reader: Iterator[list[str]], *, header_row: int, validate: _Validator, size: int
) -> Iterator[_Chunk]:
    """The file's data rows, checked, in chunks of `size` rows (the last one may be smaller, or empty)."""
    seen: set[str] = set()
    processed = 0
    chunk = _Chunk([], [], 0, 0)
    # Spreadsheet row numbers: a spreadsheet counts records (a quoted value may span lines), not lines.
    for number, values in enumerate(reader, start=header_row + 1):
        if not any(values):
            continue
        processed += 1
        checked = validate(number, values)
        if isinstance(checked, dict):
            chunk.rejected.append({"row": number, "errors": checked})
        elif checked.external_id in seen:
            chunk.duplicates += 1
        else:
            seen.add(checked.external_id)
            chunk.rows.append(checked)
        if processed % size == 0:
            chunk.processed = processed
            yield chunk
            chunk = _Chunk([], [], 0, 0)
    if chunk.rows or processed % size:
        chunk.processed = processed
        yield chunk


_DONE = object()


def _in_background(items: Iterator[_Chunk], *, ahead: int = 2) -> Generator[_Chunk, None, None]:
    """Produce `items` in a daemon thread, at most `ahead` in advance; its exceptions are raised here. If the
    consumer stops early (an exception while writing), the thread stops at its next item."""
    queue: Queue[Any] = Queue(maxsize=ahead)
    stop = threading.Event()

    def offer(item: Any) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
            offer(_DONE)
        except BaseException as exc:  # handed to the consumer, which raises it
            offer(exc)

    thread = threading.Thread(target=produce, name="claims-import-reader", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def _progress_call(progress: ProgressCallback | None, processed: int, total: int, result: ImportResult):  # type: ignore[no-untyped-def]
    if progress is None:
        return None
    return lambda: progress(processed, total, result)


@dataclass(slots=True)
class _Planned:
    """One chunk on its way through the pipelined writer: looked up, then prepared, then committed."""

    chunk: _Chunk
    in_transaction: Callable[[], None] | None
    fresh: list[_Row]  # rows whose external id the database did not know at look-up
    person_ids: list[int] = field(default_factory=list)
    auto: dict[int, tuple[Any, list[_Row]]] = field(default_factory=dict)  # rows to hand out round-robin
    people: bytes = b""  # binary COPY data
    claims: bytes = b""


class _Aborted(Exception):
    """Another writer failed: this one rolls its chunk back instead of committing after it."""


class _Writers:
    """Commit prepared chunks on `count` connections of their own, one thread each; chunk k goes to writer
    k % count. Each writer COPYs its chunk while the others COPY or commit theirs, then waits for its turn: chunks
    still commit in file order, so a crash leaves the first chunks whole and nothing after them. One writer's
    failure makes the others roll back what they hold; the first error is raised by `put` or `finish`."""

    def __init__(self, *, count: int, commit: Callable[[_Planned, Callable[[], None]], None]) -> None:
        self._commit = commit
        self._cond = threading.Condition()
        self._turn = 0  # the chunk whose commit is next
        self._sent = 0
        self._error: BaseException | None = None
        self._queues: list[Queue[tuple[int, _Planned] | None]] = [Queue(maxsize=1) for _ in range(count)]
        self._threads = [
            threading.Thread(target=self._run, args=(queue,), name=f"claims-import-write-{n}", daemon=True)
            for n, queue in enumerate(self._queues)
        ]
        for thread in self._threads:
            thread.start()

    def put(self, planned: _Planned) -> None:
        number = self._sent
        queue = self._queues[number % len(self._queues)]
        while True:
            self._raise_error()
            try:
                queue.put((number, planned), timeout=0.1)
            except Full:
                continue
            self._sent += 1
            return

    def finish(self) -> None:
        """Wait for every chunk put so far to commit (or roll back after a failure); raise the first error."""
        self._stop()
        self._raise_error()

    def abort(self) -> None:
        """Roll back every chunk not committed yet and stop."""
        self._fail(_Aborted())
        self._stop()

    def _stop(self) -> None:
        for queue in self._queues:
            queue.put(None)
        for thread in self._threads:
            thread.join()

    def _raise_error(self) -> None:
        with self._cond:
            if self._error is not None and not isinstance(self._error, _Aborted):
                raise self._error

    def _run(self, queue: "Queue[tuple[int, _Planned] | None]") -> None:
        try:
            while (item := queue.get()) is not None:
                number, planned = item
                if self._error is not None:
                    continue  # drained, not written
                try:
                    self._commit(planned, functools.partial(self._wait_turn, number))
                except BaseException as exc:
                    self._fail(exc)
                else:
                    with self._cond:
                        self._turn = number + 1
                        self._cond.notify_all()
        finally:
            connection.close()  # this thread's own connection

    def _wait_turn(self, number: int) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._turn == number or self._error is not None)
            if self._error is not None:
                raise _Aborted

    def _fail(self, exc: BaseException) -> None:
        with self._cond:
            if self._error is None or (isinstance(self._error, _Aborted) and not isinstance(exc, _Aborted)):
                self._error = exc
            self._cond.notify_all()


class _ChunkWriter:
    """Writes chunks of valid rows, each atomically with its progress: skip known external ids, flag duplicates,
    route, store.

    On PostgreSQL the writer is a pipeline. A helper thread looks each chunk up on a connection of its own (known
    external ids, references, ids from the sequences, earlier claims for the duplicate index) and prepares it
    (duplicate flags, team and deadline, binary COPY data), in file order. Prepared chunks go to `_Writers`:
    IMPORT_WRITERS connections, each in its own thread, COPY chunks side by side and commit them in file order,
    each with its progress (and its round-robin agents, taken in its turn), so a crash leaves whole chunks only;
    an error in any thread stops them all. When the caller holds a transaction open (tests; its rows are invisible
    to another connection), look-ups and commits stay in the calling thread and only the preparation overlaps.

    A chunk's look-ups do not need the previous chunk committed: the file's external ids are unique (the reader
    drops repeats), its new duplicate keys are not in earlier chunks (or they would be in the index already),
    and ids come from the sequences beforehand. Nothing else can change the answers meanwhile: an import holds
    a per-incident advisory lock from start to end, so two imports of one incident run one after the other (API
    intake sets no external id; a claim it stores meanwhile with the same phone is not seen by the chunk's
    duplicate look-up: probable-duplicate flags are advisory)."""

    def __init__(self, *, incident: Incident, actor: Any, notify: bool) -> None:
        self.incident = incident
        self.actor = actor
        self.notify = notify
        self.duplicates = _DuplicateIndex(incident_id=incident.pk)
        self.router = ImportRouter()
        self.postgres = connection.vendor == "postgresql"
        self.described_rows = self._described_rows()
        self._pending: _Planned | None = None  # prepared, to commit next (in-transaction mode)
        self._pool: ThreadPoolExecutor | None = None  # prepares chunks (no database access)
        self._lookups: ThreadPoolExecutor | None = None  # looks chunks up, on a connection of its own
        self._aside = False  # look-ups in the helper thread and commits in the writers' threads
        self._prepared: deque[Future[_Planned]] = deque()
        self._writers: _Writers | None = None
        self._locked = False  # the session-level import lock, held on this thread's connection
        self._raw: Any = None
        self._committed = 0  # rows committed so far
        self._analysed = False
        self._result: ImportResult | None = None

    def _described_rows(self) -> int:
        """How many claims the planner's statistics think there are (0 when never analysed)."""
        if not self.postgres:
            return 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Claim._meta.db_table])
            row = cursor.fetchone()
        return max(0, int(row[0])) if row else 0

    def _keep_statistics(self) -> None:
        """An import can fill a table the planner's statistics describe as empty (a new incident, a fresh
        database) within seconds, long before autovacuum analyses it, and plans for everything else (admin lists,
        statistics) are then made for an empty table. So once the import has written ANALYZE_AFTER_ROWS rows into
        a table described as smaller than that, refresh the statistics; autovacuum keeps up from there. The
        planner scales the row count it read from the statistics with the table's current size, so one sample of
        committed rows keeps its estimates growing with the table (measured: the same look-up time as analysing at
        every doubling). A sample that saw no rows on pages full of them would not: the per-value probes of the
        known external ids then go through another index and scan the whole incident for every value."""
        if not self.postgres or self._analysed or self.described_rows >= ANALYZE_AFTER_ROWS:
            return
        if self._committed < ANALYZE_AFTER_ROWS:
            return
        # Only the columns the import looks up by (and the table sizes, which any ANALYZE refreshes): the long
        # text columns are what makes a full ANALYZE expensive.
        with connection.cursor() as cursor:
            cursor.execute(
                f"ANALYZE {Claim._meta.db_table} (id, incident_id, claimant_id, external_id, duplicate_of_id),"
                f" {Claimant._meta.db_table} (id, phone, business_no)"
            )
        # Statistics that found no rows on pages full of them (rows not visible yet) make the planner expect no
        # rows however large the table grows, and probe the wrong index for every value: then try again later.
        self._analysed = self._described_rows() > 0

    def _known_external_ids(self, rows: list[_Row]) -> set[str]:
        if not rows:
            return set()
        external_ids = [r.external_id for r in rows]
        if not self.postgres:
            known = Claim.objects.filter(incident_id=self.incident.pk, external_id__in=external_ids)
            return {external_id for external_id in known.values_list("external_id", flat=True) if external_id}
        # A probe of the unique (incident, external_id) index per value: see _earliest_claims for why not a join.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT x.v FROM unnest(%s::text[]) AS x(v), LATERAL (SELECT 1 FROM {Claim._meta.db_table} c"
                f" WHERE c.incident_id = %s AND c.external_id = x.v LIMIT 1) AS hit",
                [external_ids, self.incident.pk],
            )
            return {external_id for (external_id,) in cursor.fetchall()}

    def write(self, chunk: _Chunk, *, result: ImportResult, in_transaction: Callable[[], None] | None) -> None:
        """Write `chunk` (on PostgreSQL: hand it to the pipeline; `flush` waits for the last one to commit)."""
        if self.postgres:
            self._start(result)
            if self._aside:
                self._feed(chunk, in_transaction)
            else:
                self._pipeline([(chunk, in_transaction)], result=result)
            return
        result.rejected.extend(chunk.rejected)
        result.duplicates += chunk.duplicates
        self._keep_statistics()
        rows = chunk.rows
        known = self._known_external_ids(rows)
        fresh = [r for r in rows if r.external_id not in known]
        references = incident_reserve_references(incident_id=self.incident.pk, count=len(fresh)) if fresh else []
        with transaction.atomic():
            result.duplicates += len(rows) - len(fresh)
            if fresh:
                self.duplicates.load(fresh)
                for row, reference in zip(fresh, references, strict=True):
                    row.reference = reference
                    self.duplicates.flag(row)
                self.router.plan(fresh)
                _orm_chunk(rows=fresh, incident=self.incident)
                self.duplicates.settle(fresh)
                self.router.record(fresh)
                result.imported += len(fresh)
                result.probable_duplicates += sum(1 for r in fresh if r.duplicate_of is not None)
                if self.notify:
                    claims_imported_notify(claim_ids=[r.claim_id for r in fresh if r.claim_id])
            if in_transaction is not None:
                in_transaction()

    def flush(self, *, result: ImportResult) -> None:
        """Commit the chunks still in the pipeline."""
        if not self.postgres or self._pool is None:
            return
        if self._aside:
            assert self._writers is not None
            while self._prepared:
                self._writers.put(self._prepared.popleft().result())
            self._writers.finish()
            self._writers = None
        else:
            self._pipeline([], result=result)

    def close(self) -> None:
        """Stop the threads (rolling back what is not committed yet after an error), close their connections and
        release the import lock."""
        if self._writers is not None:
            self._writers.abort()  # nothing left to abort after a flush
            self._writers = None
        if self._pool is not None:
            futures_wait(self._prepared)
            self._prepared.clear()
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._lookups is not None:
            self._lookups.submit(lambda: connection.close())  # resolved in the look-up thread: its connection
            self._lookups.shutdown(wait=True)
            self._lookups = None
        if self._locked:
            self._locked = False
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_ADVISORY_LOCK_NAMESPACE, self.incident.pk])
            except DatabaseError:
                logger.warning("import lock of incident %s not released: it goes with the connection", self.incident.pk)

    def _start(self, result: ImportResult) -> None:
        if self._pool is not None:
            return
        self._result = result
        # The helper thread looks chunks up on a connection of its own, unless the caller holds a transaction
        # open (its rows are visible to this connection only): then look-ups and commits stay here.
        self._aside = not connection.in_atomic_block
        connection.ensure_connection()
        self._raw = connection.connection  # lends its adapters to copy_data in the helper thread
        # One import of an incident at a time: the look-ups of chunks in flight rely on nobody else adding
        # external ids. Session-level when the import commits on its own (released in close, or when a killed
        # worker's connection drops), else for the caller's transaction.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_lock(%s, %s)" if self._aside else "SELECT pg_advisory_xact_lock(%s, %s)",
                [_ADVISORY_LOCK_NAMESPACE, self.incident.pk],
            )
        self._locked = self._aside
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="claims-import-prepare")
        if self._aside:
            self._lookups = ThreadPoolExecutor(max_workers=1, thread_name_prefix="claims-import-lookup")
            count = max(1, int(settings.REDRESS["IMPORT_WRITERS"]))
            self._writers = _Writers(count=count, commit=self._commit_in_turn)

    def _feed(self, chunk: _Chunk, in_transaction: Callable[[], None] | None) -> None:
        """Queue the chunk's look-up; hand the chunks looked up before it to the writers (waits when they are
        busy, which holds the reader back: memory stays bounded)."""
        assert self._pool is not None and self._lookups is not None and self._writers is not None
        tz = timezone.get_current_timezone()
        # Two stages, one thread each, so chunk N+1 is looked up while chunk N is prepared; each stage keeps file
        # order. (A look-up only adds keys the duplicate index lacks, which the preparing chunk does not touch.)
        looked_up = self._lookups.submit(self._look_up, chunk, in_transaction)
        self._prepared.append(self._pool.submit(lambda: self._prepare(looked_up.result(), tz)))
        while len(self._prepared) > 1 or (self._prepared and self._prepared[0].done()):
            self._writers.put(self._prepared.popleft().result())

    def _pipeline(self, todo: list[tuple[_Chunk, Callable[[], None] | None]], *, result: ImportResult) -> None:
        """In-transaction mode: prepare each chunk of `todo` in the helper thread while the pending one commits."""
        assert self._pool is not None
        tz = timezone.get_current_timezone()
        while todo or self._pending is not None:
            future: Future[_Planned] | None = None
            if todo:
                chunk, in_transaction = todo.pop(0)
                future = self._pool.submit(self._prepare, self._look_up(chunk, in_transaction), tz)
            try:
                if self._pending is not None:
                    self._commit(self._pending, result=result)
            except BaseException:
                if future is not None:
                    futures_wait([future])  # the helper thread touches nothing after this
                self._pending = None
                raise
            self._pending = future.result() if future is not None else None
            if not todo:
                return

    def _look_up(self, chunk: _Chunk, in_transaction: Callable[[], None] | None) -> _Planned:
        """What a chunk needs from the database before it is prepared: known ids, references, ids, duplicates."""
        from claims.importer_copy import copy_next_ids

        self._keep_statistics()
        known = self._known_external_ids(chunk.rows)
        planned = _Planned(chunk, in_transaction, [r for r in chunk.rows if r.external_id not in known])
        fresh = planned.fresh
        if fresh:
            # Reserved outside the chunk's transaction so the incident row is not locked while rows are written; a
            # chunk that fails leaves a gap in the numbering, never a reused reference.
            references = incident_reserve_references(incident_id=self.incident.pk, count=len(fresh))
            planned.person_ids, claim_ids = copy_next_ids(len(fresh))
            for row, reference, claim_id in zip(fresh, references, claim_ids, strict=True):
                row.reference = reference
                row.claim_id = claim_id
            self.duplicates.load(fresh)
        return planned

    def _prepare(self, planned: _Planned, tz: Any) -> _Planned:
        """Duplicate flags, team and deadline, binary COPY data: no database access, run in the helper thread."""
        from claims.importer_copy import copy_data

        fresh = planned.fresh
        if fresh:
            with timezone.override(tz):
                for row in fresh:
                    self.duplicates.flag(row)
                self.duplicates.settle(fresh)  # claim ids are known already
                planned.auto = self.router.route(fresh)
            if not planned.auto:  # else packed in the chunk's transaction, once agents are handed out
                planned.people, planned.claims = copy_data(
                    rows=fresh, person_ids=planned.person_ids, incident_id=self.incident.pk, conn=self._raw
                )
        return planned

    def _commit_in_turn(self, planned: _Planned, wait_turn: Callable[[], None]) -> None:
        assert self._result is not None
        self._commit(planned, result=self._result, wait_turn=wait_turn)

    def _commit(self, planned: _Planned, *, result: ImportResult, wait_turn: Callable[[], None] | None = None) -> None:
        """Write one prepared chunk and commit it with its progress. `wait_turn` (parallel writers) returns once
        every earlier chunk has committed: round-robin agents, the result and the progress are taken in file
        order, so the COPY is all that runs side by side."""
        from claims.importer_copy import copy_data, copy_write

        fresh = planned.fresh
        waited = False
        with transaction.atomic():
            if fresh:
                if planned.auto:
                    if wait_turn is not None:
                        wait_turn()
                        waited = True
                    self.router.assign(planned.auto)
                    planned.people, planned.claims = copy_data(
                        rows=fresh, person_ids=planned.person_ids, incident_id=self.incident.pk, conn=self._raw
                    )
                copy_write(people=planned.people, claims=planned.claims)
                self.router.record(fresh)
                if self.notify:
                    claims_imported_notify(claim_ids=[r.claim_id for r in fresh if r.claim_id])
            if wait_turn is not None and not waited:
                wait_turn()
            result.rejected.extend(planned.chunk.rejected)
            result.duplicates += planned.chunk.duplicates + len(planned.chunk.rows) - len(fresh)
            result.imported += len(fresh)
            result.probable_duplicates += sum(1 for r in fresh if r.duplicate_of is not None)
            if planned.in_transaction is not None:
                planned.in_transaction()
        # Counted once committed: the look-up connection's ANALYZE must find the rows it is told are there.
        self._committed += len(fresh)


def _orm_chunk(*, rows: list[_Row], incident: Incident) -> None:
    """Portable write path (SQLite): bulk_create, then link duplicates that point into the same chunk."""
    people = Claimant.objects.bulk_create([Claimant(**row.claimant) for row in rows])
    claims = []
    for row, person in zip(rows, people, strict=True):
        target = row.duplicate_of
        claims.append(
            Claim(
                reference=row.reference,
                incident=incident,
                service_id=row.service_id,
                claimant_id=person.pk,
                claimant_kind=person.kind,
                paid=row.paid,
                claimed_amount=row.claimed_amount,
                description=row.description,
                channel=row.channel,
                received_at=row.received_at,
                consent_privacy=IMPORT_CONSENT_PRIVACY,
                operator=row.operator,
                affiliate_id=row.affiliate_id,
                category=row.category,
                subtype=row.subtype,
                triage_rule=row.triage_rule,
                duplicate_of_id=target if isinstance(target, int) else None,
                external_id=row.external_id,
                team_id=row.team_id,
                first_response_due_at=row.first_response_due_at,
                assigned_to_id=row.assigned_to_id,
            )
        )
    Claim.objects.bulk_create(claims)
    relink = []
    for row, claim in zip(rows, claims, strict=True):
        row.claim_id = claim.pk
        if isinstance(row.duplicate_of, _Row):
            claim.duplicate_of_id = row.duplicate_of.claim_id
            relink.append(claim)
    if relink:
        Claim.objects.bulk_update(relink, ["duplicate_of"])
