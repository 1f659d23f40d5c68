"""What every scenario does in the browser: numbered screenshots, logging in (with the TOTP second factor
where the role needs it), Django admin actions, and reading the SMTP sink."""

import re
import shutil
import struct
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from playwright.sync_api import Page, expect

T = TypeVar("T")
PASSWORD = "e2e-Passw0rd-2022"


class Screens:
    """Full-page screenshots named NN-step.png, in the order taken, in one folder per scenario."""

    def __init__(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.folder = folder
        self.count = 0

    def save(self, page: Page, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def files(self) -> list[str]:
        return sorted(p.name for p in self.folder.glob("*.png"))


def wait_for(predicate: Callable[[], T], *, timeout: float = 60, interval: float = 0.3, message: str = "") -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {message or predicate}")
        time.sleep(interval)


# --- people --------------------------------------------------------------------------------------------------
def staff_user(username: str, *roles: str, actor: Any = None) -> Any:
    """A staff login holding exactly `roles`, granted through the audited role service."""
    from django.contrib.auth.models import Group, User

    from accounts.services import user_set_roles

    user = User.objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@redress.example.kr", is_staff=True
    )
    user_set_roles(user=user, roles=list(Group.objects.filter(name__in=roles)), actor=actor)
    assert user.groups.count() == len(roles), f"missing groups among {roles}"
    return user


def totp_device(user: Any) -> Any:
    """An enrolled (confirmed) authenticator for `user`, as if they had scanned the QR code already."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="e2e authenticator", confirmed=True)


def totp_code(device: Any) -> str:
    """What the user's authenticator app shows now."""
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def admin_login(page: Page, *, username: str, shots: Screens | None = None, device: Any = None) -> None:
    """Log in at /admin/login/; with `device`, pass the second-factor page the server sends finance to."""
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    if shots:
        shots.save(page, f"{username}-login")
    page.click("input[type=submit]")
    if device is not None:
        page.wait_for_url(re.compile(r"/accounts/otp/"))
        page.fill("input[name=token]", totp_code(device))
        if shots:
            shots.save(page, f"{username}-second-factor")
        page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    expect(page.locator("#user-tools")).to_contain_text(username)


def admin_action(page: Page, *, rows: list[str], action: str) -> None:
    """On an admin change list: tick the rows whose link text is in `rows`, choose `action`, run it."""
    for text in rows:
        row = page.locator("#result_list tbody tr").filter(has=page.get_by_role("link", name=text, exact=True))
        row.locator("input.action-select").check()
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")


def expect_admin_message(page: Page, text: str) -> None:
    expect(page.locator("ul.messagelist")).to_contain_text(text)


# --- mail ----------------------------------------------------------------------------------------------------
def wait_for_mail(maildir: Path, *, to: str, contains: str, timeout: float = 60) -> Any:
    """The message the worker delivered through the SMTP sink to `to`, whose text contains `contains`."""
    from notifications.smtp_sink import mail_list

    def find() -> Any:
        return next((m for m in mail_list(maildir) if to in m.to and contains in m.text), None)

    return wait_for(find, timeout=timeout, message=f"mail to {to} containing {contains!r}")


def show_mail(page: Page, mail: Any) -> None:
    """Render a received message in the browser, so that the screenshots show what the person got."""
    page.set_content(
        "<meta charset='utf-8'><body style='font-family:NanumGothic,sans-serif;padding:2rem'>"
        "<p style='color:#666'>SMTP sink</p><h2 id='subject'></h2><p id='to'></p>"
        "<pre id='text' style='white-space:pre-wrap;font-family:NanumGothicCoding,monospace'></pre></body>"
    )
    for element, value in (("#subject", mail.subject), ("#to", f"받는 사람: {mail.to}"), ("#text", mail.text)):
        page.locator(element).evaluate("(el, value) => { el.textContent = value; }", value)


# --- files ---------------------------------------------------------------------------------------------------
def png_bytes(width: int = 64, height: int = 48) -> bytes:
    """A real PNG (a yellow-and-navy striped image): what a claimant's phone screenshot would be."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + b"".join(b"\xfe\xe5\x00" if (x // 8) % 2 else b"\x1e\x2a\x3a" for x in range(width))
        for _ in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
