from django import forms

from payouts.banks import BANK_CHOICES


class BankAccountForm(forms.Form):
    """The public form: the claim is found by reference + last four phone digits, like the status page."""

    reference = forms.CharField(label="접수번호", max_length=32)
    phone_last4 = forms.CharField(label="전화번호 끝 4자리", min_length=4, max_length=4)
    bank_code = forms.ChoiceField(label="은행", choices=[("", "은행을 고르세요"), *BANK_CHOICES])
    account_number = forms.CharField(label="계좌번호", max_length=30, help_text="숫자만 또는 - 포함")
    holder_name = forms.CharField(label="예금주", max_length=100, help_text="신고인 본인 명의 계좌만 받습니다.")
