from rest_framework import serializers

from payouts.models import Payout, PayoutBatch, ReconciliationException


class PayoutSerializer(serializers.ModelSerializer):
    """Account numbers never leave through the API; only the claim reference and the amounts do."""

    reference = serializers.CharField(source="claim.reference")

    class Meta:
        model = Payout
        fields = [
            "id",
            "reference",
            "policy",
            "method",
            "amount_won",
            "status",
            "batch",
            "attempt_no",
            "paid_at",
            "failure_code",
            "risk_flags",
            "risk_decision",
            "risk_note",
        ]
        read_only_fields = fields


class PayoutBatchSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    created_by = serializers.StringRelatedField()
    approved_by = serializers.StringRelatedField()

    class Meta:
        model = PayoutBatch
        fields = [
            "id",
            "reference",
            "status",
            "channel",
            "method",
            "filters",
            "payout_count",
            "total_won",
            "note",
            "created_by",
            "approved_by",
            "approved_at",
            "released_at",
            "settled_at",
            "decided_reason",
        ]
        read_only_fields = fields


class PayoutBatchBuildSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=Payout.Method.choices, default=Payout.Method.BANK_TRANSFER)
    channel = serializers.ChoiceField(choices=PayoutBatch.Channel.choices, default=PayoutBatch.Channel.GATEWAY)
    policy_id = serializers.IntegerField(required=False, allow_null=True)
    min_won = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    max_won = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    max_count = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class RiskDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["cleared", "blocked"])
    note = serializers.CharField(max_length=300)


class ReconciliationExceptionSerializer(serializers.ModelSerializer):
    report_date = serializers.DateField(source="run.report_date")

    class Meta:
        model = ReconciliationException
        fields = [
            "id",
            "report_date",
            "kind",
            "idempotency_key",
            "payout",
            "our_amount_won",
            "their_amount_won",
            "their_status",
            "status",
            "resolution_note",
            "resolved_at",
        ]
        read_only_fields = fields


class ResolveSerializer(serializers.Serializer):
    note = serializers.CharField()
