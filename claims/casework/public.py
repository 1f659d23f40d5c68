"""The claimant's side of an information request, on the public status page (claims.views.claim_status)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from claims.casework.information_requests import information_request_answer, information_request_open_for
from claims.forms import MultipleFileField
from claims.models import Claim
from core.exceptions import ApplicationError


class InformationAnswerForm(forms.Form):
    answer_text = forms.CharField(
        label="답변 내용", widget=forms.Textarea(attrs={"rows": 6}), max_length=10_000, required=False
    )
    evidence = MultipleFileField(label="자료 첨부 (PDF, JPG, PNG, 파일당 10MB 이하)", required=False)


def status_page_context(*, request: HttpRequest, claim: Claim) -> dict[str, Any]:
    """Extra context for the status page: the open request and its answer form; handles the answer POST.

    The caller has already checked the reference and the last four phone digits posted with the answer."""
    open_request = information_request_open_for(claim=claim)
    context: dict[str, Any] = {"info_request": open_request, "answer_form": None, "answer_saved": False}
    if open_request is None:
        return context
    form = InformationAnswerForm()
    if request.method == "POST" and request.POST.get("action") == "answer":
        form = InformationAnswerForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                information_request_answer(
                    claim=claim, answer_text=form.cleaned_data["answer_text"], evidence=form.cleaned_data["evidence"]
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                claim.refresh_from_db()
                return {"info_request": None, "answer_form": None, "answer_saved": True}
    context["answer_form"] = form
    return context
