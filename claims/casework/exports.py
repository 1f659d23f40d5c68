"""Export files of a transfer batch: only what the affiliate needs, contact details only with consent, and
every text cell neutralised against spreadsheet formula injection."""

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from openpyxl import Workbook

from claims.models import TransferBatch, TransferItem

# (key, header). Contact columns stay empty unless the claimant agreed to share them with the affiliate.
COLUMNS: list[tuple[str, str]] = [
    ("reference", "접수번호"),
    ("received_at", "접수 시각"),
    ("service", "서비스"),
    ("claimant_kind", "신고인 구분"),
    ("paid", "유료 이용"),
    ("claimed_amount", "신고 피해액(원)"),
    ("description", "내용"),
    ("consent_share_contact", "연락처 제공 동의"),
    ("name", "이름/상호"),
    ("phone", "전화번호"),
    ("email", "이메일"),
    ("business_no", "사업자등록번호"),
]
CONTACT_KEYS = ("name", "phone", "email", "business_no")
# OWASP CSV injection: a cell starting with one of these is a formula (or becomes one after a paste).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def transfer_export_rows(*, batch: TransferBatch) -> Iterator[list[Any]]:
    items = (
        TransferItem.objects.filter(batch=batch)
        .select_related("claim__service", "claim__claimant")
        .order_by("id")
        .iterator(chunk_size=2000)
    )
    for item in items:
        claim = item.claim
        person = claim.claimant
        consent = claim.consent_share_contact
        row = {
            "reference": claim.reference,
            "received_at": timezone.localtime(claim.received_at).strftime("%Y-%m-%d %H:%M"),
            "service": claim.service.name,
            "claimant_kind": claim.get_claimant_kind_display(),
            "paid": "예" if claim.paid else "아니요",
            "claimed_amount": claim.claimed_amount,
            "description": claim.description,
            "consent_share_contact": "예" if consent else "아니요",
            "name": person.name if consent else "",
            "phone": person.phone if consent else "",
            "email": person.email if consent else "",
            "business_no": person.business_no if consent else "",
        }
        yield [neutralise(row[key]) for key, _ in COLUMNS]


def transfer_export_csv(*, batch: TransferBatch) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for _, header in COLUMNS])
    for row in transfer_export_rows(batch=batch):
        writer.writerow(["" if value is None else value for value in row])
    # BOM so Excel opens Korean text as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


def transfer_export_xlsx(*, batch: TransferBatch) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="이관 목록")
    sheet.append([header for _, header in COLUMNS])
    for row in transfer_export_rows(batch=batch):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
