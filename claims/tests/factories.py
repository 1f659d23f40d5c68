"""Factories reach claims through the intake service, so tests only hold states the code can produce."""

import itertools

from claims import services
from claims.models import Claim, Incident, Service

_counter = itertools.count(1000)


def submit_claim(
    *,
    incident: Incident | None = None,
    service_code: str = "kakaotalk",
    kind: str = "individual",
    name: str = "김민수",
    phone: str | None = None,
    business_no: str = "",
    paid: bool = False,
    claimed_amount: int | None = None,
    description: str = "카카오톡이 안 돼서 불편했습니다.",
    channel: str = Claim.Channel.WEB,
    **extra,
) -> Claim:
    incident = incident or Incident.objects.get(code="2022-pangyo-dc-fire")
    service = Service.objects.get(incident=incident, code=service_code)
    number = next(_counter)
    claim, _ = services.claim_submit(
        incident=incident,
        service=service,
        claimant={
            "kind": kind,
            "name": name,
            "email": f"user{number}@example.kr",
            "phone": phone or f"010-{number:04d}-{number:04d}",
            "business_no": business_no,
        },
        paid=paid,
        claimed_amount=claimed_amount,
        description=description,
        channel=channel,
        consent_privacy=True,
        **extra,
    )
    return claim
