"""Shapes for the compensation API. Serializers validate and shape; the views hand data to the services."""

from rest_framework import serializers

from compensation.models import (
    Appeal,
    Assessment,
    AssessmentRun,
    CausationParameter,
    Entitlement,
    Policy,
    PolicyVersion,
    Rule,
)


class PolicySerializer(serializers.ModelSerializer):
    incident = serializers.CharField(source="incident.code")

    class Meta:
        model = Policy
        fields = ["id", "incident", "code", "name", "description"]


class RuleSerializer(serializers.ModelSerializer):
    bands = serializers.SerializerMethodField()
    services = serializers.SerializerMethodField()

    class Meta:
        model = Rule
        exclude = ["version", "created_at", "updated_at", "match_services"]

    def get_bands(self, rule: Rule) -> list[dict[str, int | None]]:
        return [
            {"lower_won": b.lower_won, "upper_won": b.upper_won, "amount_won": b.amount_won} for b in rule.bands.all()
        ]

    def get_services(self, rule: Rule) -> list[str]:
        return [s.code for s in rule.match_services.all()]


class CausationParameterSerializer(serializers.ModelSerializer):
    service = serializers.CharField(source="service.code")

    class Meta:
        model = CausationParameter
        fields = ["service", "alternative_available", "alternative_factor", "market_share", "sector_margin", "note"]


class PolicyVersionSerializer(serializers.ModelSerializer):
    policy = serializers.CharField(source="policy.code")
    adopted_by = serializers.CharField(source="adoption_label")

    class Meta:
        model = PolicyVersion
        fields = [
            "id", "policy", "number", "title", "status", "effective_date", "adopted_by", "adopted_at",
            "superseded_at", "appeal_window_days", "cap_per_claim_won", "cap_per_claimant_won",
            "minimum_payment_won", "second_review_above_won",
        ]  # fmt: skip


class PolicyVersionDetailSerializer(PolicyVersionSerializer):
    rules = RuleSerializer(many=True, read_only=True)
    causation_parameters = CausationParameterSerializer(many=True, read_only=True)

    class Meta(PolicyVersionSerializer.Meta):
        fields = [*PolicyVersionSerializer.Meta.fields, "rules", "causation_parameters"]


class AssessmentSerializer(serializers.ModelSerializer):
    claim = serializers.CharField(source="claim.reference")
    version = serializers.CharField(source="version.__str__")
    rule = serializers.SerializerMethodField()
    final_amount_won = serializers.IntegerField(read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "id", "claim", "version", "rule", "remedy", "tier", "amount_won", "book_value_won", "in_kind_item",
            "credit_days", "explanation", "inputs", "state", "evidence_checklist", "decision", "decided_amount_won",
            "final_amount_won", "decision_reason", "reject_reason", "decided_by", "decided_at", "confirmed_by",
            "confirmed_at", "appeal_deadline", "actions",
        ]  # fmt: skip

    def get_rule(self, assessment: Assessment) -> str | None:
        return str(assessment.rule) if assessment.rule_id else None

    def get_actions(self, assessment: Assessment) -> list[str]:
        from compensation.services import available_actions

        return available_actions(assessment)


class AdjustSerializer(serializers.Serializer):
    amount_won = serializers.IntegerField(min_value=0)
    reason = serializers.CharField(max_length=2000)


class RejectSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=Assessment.RejectReason.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ConfirmSerializer(serializers.Serializer):
    approve = serializers.BooleanField(default=True)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ChecklistSerializer(serializers.Serializer):
    checklist = serializers.DictField(child=serializers.BooleanField())


class AppealLodgeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class AppealSerializer(serializers.ModelSerializer):
    claim = serializers.CharField(source="assessment.claim.reference")

    class Meta:
        model = Appeal
        fields = [
            "id", "assessment", "claim", "reason", "status", "original_reviewer", "assigned_to", "outcome",
            "outcome_amount_won", "outcome_reason", "decided_by", "decided_at", "created_at",
        ]  # fmt: skip


class AppealDecideSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Appeal.Outcome.choices)
    amount_won = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    reason = serializers.CharField(max_length=2000)


class EntitlementSerializer(serializers.ModelSerializer):
    claim = serializers.CharField(source="claim.reference")

    class Meta:
        model = Entitlement
        fields = [
            "id", "claim", "claimant", "assessment", "source", "kind", "amount_won", "item_description",
            "service_credit_days", "status", "fulfilled_at", "fulfilment_reference", "created_at",
        ]  # fmt: skip


class AssessmentRunSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = AssessmentRun
        fields = [
            "id", "version", "status", "total", "processed", "progress_percent", "created_count", "skipped_count",
            "error", "created_at", "finished_at",
        ]  # fmt: skip
