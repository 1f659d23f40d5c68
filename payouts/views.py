"""Public page: a claimant gives (or replaces) the account their compensation is paid to."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from claims.selectors import claim_public_status
from core.ratelimit import throttle_posts
from payouts.forms import BankAccountForm
from payouts.services.accounts import bank_account_register


@require_http_methods(["GET", "POST"])
@throttle_posts("bank_account")
def bank_account_page(request: HttpRequest) -> HttpResponse:
    form = BankAccountForm(request.POST or None)
    account = None
    not_found = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        claim = claim_public_status(reference=data["reference"], phone_last4=data["phone_last4"])
        if claim is None:
            not_found = True
        else:
            try:
                account = bank_account_register(
                    claimant=claim.claimant,
                    bank_code=data["bank_code"],
                    account_number=data["account_number"],
                    holder_name=data["holder_name"],
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
    return render(request, "payouts/account.html", {"form": form, "account": account, "not_found": not_found})
