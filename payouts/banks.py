"""Korean bank codes (the 3-digit 금융결제원 codes used in transfers and firm-banking files)."""

BANKS: dict[str, str] = {
    "002": "KDB산업은행",
    "003": "IBK기업은행",
    "004": "KB국민은행",
    "007": "수협은행",
    "011": "NH농협은행",
    "012": "지역농·축협",
    "020": "우리은행",
    "023": "SC제일은행",
    "027": "한국씨티은행",
    "031": "iM뱅크(대구은행)",
    "032": "부산은행",
    "034": "광주은행",
    "035": "제주은행",
    "037": "전북은행",
    "039": "경남은행",
    "045": "새마을금고",
    "048": "신협",
    "050": "저축은행",
    "064": "산림조합",
    "071": "우체국",
    "081": "하나은행",
    "088": "신한은행",
    "089": "케이뱅크",
    "090": "카카오뱅크",
    "092": "토스뱅크",
}

BANK_CHOICES = [(code, f"{name} ({code})") for code, name in BANKS.items()]


def bank_name(code: str) -> str:
    return BANKS.get(code, code)
