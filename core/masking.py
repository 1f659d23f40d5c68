"""One masking rule for personal data, used the same way on every screen, response and export."""


def mask_phone(digits: str | None) -> str:
    if not digits:
        return ""
    from core.validators import format_phone

    parts = format_phone(digits).split("-")
    return "-".join([parts[0], "*" * len(parts[1]), parts[2]])


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_email(email: str | None) -> str:
    if not email or "@" not in email:
        return email or ""
    local, domain = email.split("@", 1)
    return (local[:2] + "***") + "@" + domain
