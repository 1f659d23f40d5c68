"""Reading a claims CSV for the import: encoding, CSV syntax, header and the received time.

Everything here either returns clean values or raises a ValidationError before a row is written."""

import codecs
import csv
import io
import os
import re
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

Source = str | os.PathLike[str] | IO[bytes]

KST = ZoneInfo("Asia/Seoul")
COLUMNS = ("external_id", "received_at", "channel", "claimant_kind", "name", "email", "phone", "business_no",
           "service", "paid", "claimed_amount", "description")  # fmt: skip
# A file without these is refused whole; the others may be left out and count as blank.
REQUIRED_COLUMNS = ("external_id", "received_at", "claimant_kind", "name", "phone", "service", "paid")
_LOOSE_DATETIME = re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


def decode_csv(data: bytes) -> str:
    """UTF-8 with or without BOM, else CP949 (what Excel in Korea writes when asked for CSV)."""
    if data.startswith(codecs.BOM_UTF8):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ValidationError({"file": ["UTF-16 파일은 읽을 수 없습니다. 'CSV UTF-8' 형식으로 저장해 주세요."]})
    else:
        encodings = ("utf-8", "cp949")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError({"file": ["UTF-8 또는 CP949(엑셀 CSV) 인코딩이 아닙니다."]})


def _read_bytes(source: Source) -> bytes:
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            return handle.read()
    data = source.read()
    if isinstance(data, str):
        raise ValidationError({"file": ["파일은 바이너리 모드로 열어야 합니다."]})
    return data


def header_columns(header: list[str]) -> dict[str, int]:
    """Map each known column to its position, or refuse the file naming what is missing."""
    names = [name.strip().lstrip("\ufeff").lower() for name in header]
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise ValidationError({"header": [f"같은 열이 두 번 있습니다: {', '.join(repeated)}"]})
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    if missing:
        raise ValidationError({"header": [f"필수 열이 없습니다: {', '.join(missing)}"]})
    return {name: index for index, name in enumerate(names) if name in COLUMNS}


def _records(text: str) -> Any:  # a csv reader: an iterator of lists with a `line_num`
    return csv.reader(io.StringIO(text, newline=""), strict=True)


def _count_data_rows(text: str) -> int:
    """Parse the whole file once before writing anything, so a broken CSV is refused whole."""
    reader = _records(text)
    count = 0
    try:
        for values in reader:
            if any(values):
                count += 1
    except csv.Error as exc:
        raise ValidationError({"file": [f"{reader.line_num}번째 줄 부근의 CSV 형식이 잘못되었습니다: {exc}"]}) from exc
    return max(0, count - 1)


def parse_received_at(raw: str) -> datetime:
    """ISO 8601, or `YYYY-MM-DD HH:MM[:SS]` as Excel writes it; a time without an offset is Korean time."""
    text = raw.strip()
    if not text:
        raise ValidationError("접수 시각을 입력해 주세요.")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        match = _LOOSE_DATETIME.match(text)
        if match is None:
            raise ValidationError("접수 시각은 ISO 8601 또는 YYYY-MM-DD HH:MM[:SS] 형식이어야 합니다.") from None
        try:
            year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
            value = datetime(year, month, day, hour, minute, second)
        except ValueError:
            raise ValidationError("존재하지 않는 날짜나 시각입니다.") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=KST)
    return value


def open_csv(source: Source) -> tuple[Iterator[list[str]], list[str], int, int]:
    """(records after the header, header, header's row number, data row count) or a ValidationError."""
    text = decode_csv(_read_bytes(source))
    total = _count_data_rows(text)
    reader = _records(text)
    for number, header in enumerate(reader, start=1):
        if any(header):
            header_columns(header)
            return reader, header, number, total
    raise ValidationError({"file": ["빈 파일입니다."]})


def csv_inspect(source: Source) -> int:
    """Check that a file can be imported at all (encoding, CSV syntax, header); return its data row count."""
    return open_csv(source)[3]
