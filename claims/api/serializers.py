from typing import Any

from rest_framework import serializers

from claims.intake import DESCRIPTION_MAX
from claims.models import Claim, Claimant, ClaimEvidence
from claims.workflow import allowed_moves
from core.masking import mask_email, mask_name, mask_phone


class StrictFieldsMixin:
    """Refuse keys the serializer does not declare, so `status` or `category` cannot be slipped in."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            declared = {name for name, field in self.fields.items() if not field.read_only}  # type: ignore[attr-defined]
            unknown = sorted(set(data) - declared)
            if unknown:
                raise serializers.ValidationError({key: ["알 수 없거나 설정할 수 없는 필드입니다."] for key in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


class ClaimantInputSerializer(StrictFieldsMixin, serializers.Serializer):
    kind = serializers.ChoiceField(choices=Claimant.Kind.choices)
    name = serializers.CharField(max_length=100)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20)
    business_no = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    preferred_channel = serializers.ChoiceField(
        choices=Claimant.Channel.choices,
        required=False,
        default=Claimant.Channel.ALIMTALK,
        help_text="안내 채널 (보내지 못하면 알림톡 → 문자 → 이메일 순으로 대체). email은 이메일 주소가 있을 때만",
    )
    opted_out_optional = serializers.BooleanField(
        required=False, default=False, help_text="선택 알림 수신 거부 (필수 안내는 계속 발송)"
    )


class ClaimSubmitSerializer(StrictFieldsMixin, serializers.Serializer):
    incident = serializers.SlugField(required=False, help_text="장애 코드. 생략하면 접수 중인 장애")
    claimant = ClaimantInputSerializer()
    service = serializers.SlugField(help_text="서비스 코드 (예: kakaotalk)")
    paid = serializers.BooleanField(help_text="이 서비스에 요금을 냈는지")
    claimed_amount = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=10**13)
    description = serializers.CharField(required=False, allow_blank=True, max_length=DESCRIPTION_MAX, default="")
    consent_privacy = serializers.BooleanField()
    consent_share_contact = serializers.BooleanField(required=False, default=False)
    submission_id = serializers.CharField(
        required=False, max_length=64, help_text="재시도 시 같은 값을 보내면 한 건만 접수"
    )


class ClaimSubmitResponseSerializer(serializers.ModelSerializer):
    incident = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service = serializers.SlugRelatedField(slug_field="code", read_only=True)
    affiliate = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Claim
        fields = [
            "reference",
            "status",
            "category",
            "subtype",
            "operator",
            "affiliate",
            "incident",
            "service",
            "received_at",
        ]
        read_only_fields = fields


class ClaimantMaskedSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()

    class Meta:
        model = Claimant
        fields = ["kind", "name", "phone", "email"]

    def get_name(self, obj: Claimant) -> str:
        return mask_name(obj.name)

    def get_phone(self, obj: Claimant) -> str:
        return mask_phone(obj.phone)

    def get_email(self, obj: Claimant) -> str:
        return mask_email(obj.email)


class ClaimSerializer(serializers.ModelSerializer):
    incident = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service = serializers.SlugRelatedField(slug_field="code", read_only=True)
    # Optional relations: allow_null so the schema says they may be null.
    affiliate = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    claimant = ClaimantMaskedSerializer(read_only=True)
    assigned_to = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    duplicate_of = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)
    team = serializers.StringRelatedField(read_only=True, allow_null=True)
    merged_into = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)
    affiliate_outcome = serializers.SerializerMethodField()
    allowed_moves = serializers.SerializerMethodField()
    # Declared so the schema says they may be blank (a read-only model choice field loses allow_blank).
    subtype = serializers.ChoiceField(choices=Claim.Subtype.choices, allow_blank=True, read_only=True)
    reject_reason_code = serializers.ChoiceField(choices=Claim.RejectReason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Claim
        fields = [
            "reference",
            "incident",
            "service",
            "claimant",
            "paid",
            "claimed_amount",
            "description",
            "channel",
            "received_at",
            "status",
            "operator",
            "affiliate",
            "category",
            "subtype",
            "triage_rule",
            "duplicate_of",
            "assigned_to",
            "created_at",
            "updated_at",
            # case work
            "team",
            "first_response_due_at",
            "first_responded_at",
            "merged_into",
            "reject_reason_code",
            "affiliate_outcome",
            "allowed_moves",
        ]
        read_only_fields = fields

    def get_affiliate_outcome(self, claim: Claim) -> dict[str, Any] | None:
        # A missing reverse one-to-one raises an AttributeError subclass, so getattr's default covers it.
        outcome = getattr(claim, "affiliate_outcome", None)
        if outcome is None:
            return None
        return {"outcome": outcome.outcome, "amount_won": outcome.amount_won, "note": outcome.note}

    def get_allowed_moves(self, claim: Claim) -> list[str]:
        return allowed_moves(claim.status)


class ClaimEvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClaimEvidence
        fields = ["id", "original_name", "content_type", "size", "sha256", "created_at"]
        read_only_fields = fields


class CountShareSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    share = serializers.FloatField()
