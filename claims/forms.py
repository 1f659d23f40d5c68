from django import forms

from claims.models import Claimant, Service


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ClaimForm(forms.Form):
    """The public claim form. Shapes input only; claims.services.claim_submit does the checking."""

    kind = forms.ChoiceField(label="신고인 구분", choices=Claimant.Kind.choices, initial=Claimant.Kind.INDIVIDUAL)
    name = forms.CharField(label="이름 또는 상호", max_length=100)
    phone = forms.CharField(label="휴대전화 번호", max_length=20, help_text="예: 010-1234-5678")
    email = forms.EmailField(label="이메일", required=False)
    business_no = forms.CharField(label="사업자등록번호", max_length=20, required=False, help_text="소상공인·기업만")
    preferred_channel = forms.ChoiceField(
        label="안내를 받을 방법",
        choices=Claimant.Channel.choices,
        initial=Claimant.Channel.ALIMTALK,
        required=False,
        widget=forms.RadioSelect,
        help_text="보내지 못하면 알림톡 → 문자 → 이메일 순으로 다른 방법을 씁니다. 이메일은 주소를 적은 경우만",
    )
    opted_out_optional = forms.BooleanField(
        label="선택 알림(진행 소식·공지)을 받지 않겠습니다. 결정·지급·자료 요청 등 필수 안내는 계속 보냅니다",
        required=False,
    )
    service = forms.ModelChoiceField(label="피해를 입은 서비스", queryset=Service.objects.none(), to_field_name="code")
    paid = forms.TypedChoiceField(
        label="유료로 이용하셨나요?", choices=[("0", "아니요 (무료)"), ("1", "예 (유료)")], coerce=lambda v: v == "1"
    )
    claimed_amount = forms.IntegerField(label="피해 금액(원)", min_value=0, required=False)
    description = forms.CharField(
        label="피해 내용", widget=forms.Textarea(attrs={"rows": 6}), max_length=10_000, required=False
    )
    evidence = MultipleFileField(label="증빙 자료 (PDF, JPG, PNG, 파일당 10MB 이하)", required=False)
    consent_privacy = forms.BooleanField(label="개인정보 수집·이용에 동의합니다 (필수)")
    consent_share_contact = forms.BooleanField(
        label="계열사 서비스인 경우 연락처를 해당 계열사에 제공하는 데 동의합니다 (선택)", required=False
    )

    def __init__(self, *args, incident=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if incident is not None:
            self.fields["service"].queryset = Service.objects.filter(incident=incident).order_by("affiliate", "name")


class ClaimStatusForm(forms.Form):
    reference = forms.CharField(label="접수번호", max_length=32, help_text="예: PGY-2022-0104231")
    phone_last4 = forms.CharField(label="휴대전화 끝 4자리", min_length=4, max_length=4)
