"""Validators for Korean personal identifiers. Pure functions: the intake API, the public form
and the bulk import all call the same ones."""

import re

from django.core.exceptions import ValidationError

# Resident registration number: YYMMDD-GNNNNNN, with or without the dash. We never store one.
RRN_PATTERN = re.compile(r"(?<!\d)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])[\s-]?[1-8]\d{6}(?!\d)")

_PHONE_DIGITS = re.compile(r"\D")
_MOBILE = re.compile(r"^01[016789]\d{7,8}$")
_LANDLINE = re.compile(r"^0(2\d{7,8}|[3-6][1-5]\d{7,8}|70\d{8})$")


def contains_rrn(text: str | None) -> bool:
    return bool(text) and RRN_PATTERN.search(text) is not None  # type: ignore[arg-type]


def reject_rrn(value: str | None) -> None:
    if contains_rrn(value):
        raise ValidationError(
            "주민등록번호로 보이는 숫자가 있습니다. 주민등록번호는 수집하지 않으니 지워 주세요.", code="rrn"
        )


def rrn_message(label: str) -> str:
    return f"{label}에 주민등록번호로 보이는 숫자가 있습니다. 주민등록번호는 수집하지 않으니 지워 주세요."


def reject_rrn_in(*, field: str, label: str, value: str | None) -> None:
    """Refuse free text holding a resident registration number, naming the field (key and Korean label).

    Every service that takes free text (notes, messages, answers, minutes, comments, appeals) calls this."""
    if contains_rrn(value):
        raise ValidationError({field: [rrn_message(label)]}, code="rrn")


def reject_rrn_in_model(instance: object, *names: str) -> None:
    """The same check for Model.clean(): labels come from the fields' verbose names."""
    errors = {
        name: [rrn_message(str(instance._meta.get_field(name).verbose_name))]  # type: ignore[attr-defined]
        for name in names
        if contains_rrn(getattr(instance, name))
    }
    if errors:
        raise ValidationError(errors, code="rrn")


def normalize_phone(raw: str) -> str:
    """Return the phone number as digits only (e.g. `01012345678`), accepting +82 and dashes."""
    digits = _PHONE_DIGITS.sub("", raw or "")
    if digits.startswith("82"):
        digits = "0" + digits[2:]
    if not (_MOBILE.match(digits) or _LANDLINE.match(digits)):
        raise ValidationError("올바른 전화번호가 아닙니다 (예: 010-1234-5678).", code="phone")
    return digits


def format_phone(digits: str) -> str:
    if digits.startswith("02"):
        return f"{digits[:2]}-{digits[2:-4]}-{digits[-4:]}"
    return f"{digits[:3]}-{digits[3:-4]}-{digits[-4:]}"


_BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


def normalize_business_no(raw: str) -> str:
    """Return a 10-digit business registration number after checking its check digit."""
    digits = _PHONE_DIGITS.sub("", raw or "")
    if len(digits) != 10:
        raise ValidationError("사업자등록번호는 10자리 숫자입니다 (예: 123-45-67890).", code="business_no")
    values = [int(d) for d in digits]
    total = sum(v * w for v, w in zip(values[:9], _BRN_WEIGHTS, strict=True))
    total += (values[8] * 5) // 10
    if (10 - total % 10) % 10 != values[9]:
        raise ValidationError("사업자등록번호의 검증번호가 맞지 않습니다.", code="business_no")
    return digits


def business_no_with_check_digit(first_nine: str) -> str:
    """Complete nine digits into a valid business number (used by demo data and benchmarks)."""
    values = [int(d) for d in first_nine]
    total = sum(v * w for v, w in zip(values, _BRN_WEIGHTS, strict=True)) + (values[8] * 5) // 10
    return first_nine + str((10 - total % 10) % 10)


def _upload_text(head: bytes, upload: object) -> str:
    """Best-effort text of an uploaded document, for the RRN check. Images carry no text we can read."""
    import io

    data = upload.read()  # type: ignore[attr-defined]
    upload.seek(0)  # type: ignore[attr-defined]
    if head.startswith(b"%PDF"):
        from pypdf import PdfReader

        try:
            reader = PdfReader(io.BytesIO(data))
            return "\n".join((page.extract_text() or "") for page in reader.pages[:50])
        except Exception:  # a PDF pypdf cannot read is refused by the type check, not here
            return ""
    if head.startswith(b"PK"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            return ""
        parts: list[str] = []
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):
                parts.extend(str(value) for value in row if value is not None)
        return "\n".join(parts)
    return data.decode("utf-8", errors="ignore") if head[:1] not in (b"\xff", b"\x89") else ""


def reject_rrn_in_upload(upload: object, *, field: str = "file") -> None:
    """Refuse a document (PDF, XLSX, text) whose text holds a resident registration number."""
    head = upload.read(8)  # type: ignore[attr-defined]
    upload.seek(0)  # type: ignore[attr-defined]
    if contains_rrn(_upload_text(head, upload)):
        name = getattr(upload, "name", "")
        raise ValidationError(
            {field: [f"{name}: 주민등록번호로 보이는 숫자가 있습니다. 주민등록번호를 가린 뒤 다시 올려 주세요."]}
        )
