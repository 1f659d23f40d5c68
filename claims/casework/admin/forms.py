"""Forms of the claim page and of the bulk actions that need a choice."""

from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.contrib.auth import get_user_model

from claims.casework.admin.common import agent_choices
from claims.models import (
    CannedResponse,
    Claim,
)
from claims.workflow import allowed_moves

User = get_user_model()


class ClaimWorkForm(forms.ModelForm):
    """The claim page: the editable fields plus one piece of work per save (a move, a note, a message).
    The choice of moves comes from claims.workflow.TRANSITIONS for the claim's current status."""

    work_action = forms.ChoiceField(label="작업", required=False)
    reason = forms.CharField(
        label="사유 · 답변 · 요청 내용 · 메모",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=10_000,
    )
    reason_code = forms.ChoiceField(
        label="기각 사유", required=False, choices=[("", "---------"), *Claim.RejectReason.choices]
    )
    due_date = forms.DateField(label="보완 제출 기한", required=False, widget=AdminDateWidget)
    primary_reference = forms.CharField(label="병합할 원건 접수번호", required=False, max_length=32)
    canned_response = forms.ModelChoiceField(
        label="답변 템플릿", required=False, queryset=CannedResponse.objects.filter(is_active=True)
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status = self.instance.status if self.instance.pk else Claim.Status.RECEIVED
        moves = [(f"move:{to}", f"상태 변경 → {Claim.Status(to).label}") for to in allowed_moves(status)]
        self.fields["work_action"].choices = [
            ("", "---------"),
            *moves,
            ("note", "내부 메모 남기기"),
            ("message", "신고인에게 메시지 보내기"),
        ]
        if "assigned_to" in self.fields:
            self.fields["assigned_to"].queryset = agent_choices()


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label="상담원", queryset=User.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = agent_choices()


class AnswerCloseForm(forms.Form):
    """One canned response per non-monetary subtype; claims of a subtype left blank are skipped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        active = CannedResponse.objects.filter(is_active=True)
        for subtype, label in Claim.Subtype.choices:
            self.fields[f"response_{subtype}"] = forms.ModelChoiceField(
                label=f"{label} 답변", required=False, queryset=active.filter(subtype__in=[subtype, ""])
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(f"response_{subtype}") for subtype in Claim.Subtype.values):
            raise forms.ValidationError("세부유형 하나 이상에 답변 템플릿을 골라 주세요.")
        return cleaned

    def responses(self) -> dict[str, CannedResponse]:
        return {
            subtype: self.cleaned_data[f"response_{subtype}"]
            for subtype in Claim.Subtype.values
            if self.cleaned_data.get(f"response_{subtype}")
        }


class ReclassifyForm(forms.Form):
    category = forms.ChoiceField(
        label="분류",
        choices=[(c, label) for c, label in Claim.Category.choices if c != Claim.Category.AFFILIATE],
    )
    subtype = forms.ChoiceField(
        label="비금전 세부유형", required=False, choices=[("", "---------"), *Claim.Subtype.choices]
    )


class CloseForm(forms.Form):
    reason = forms.CharField(label="종결 사유 (신고인에게 안내됩니다)", widget=forms.Textarea(attrs={"rows": 3}))
