"""The statistics endpoint's permission and its response shape (for the OpenAPI schema)."""

from typing import Any

from rest_framework import serializers
from rest_framework.permissions import BasePermission

from claims.api.serializers import CountShareSerializer


class CanViewClaimStats(BasePermission):
    """Agents and above: the custom `claims.view_claim_stats` permission, not `view_claim`.

    The secretariat may read the totals without reading any claim."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("claims.view_claim_stats"))


class OperatorSharesSerializer(serializers.Serializer):
    own = CountShareSerializer()
    affiliate = CountShareSerializer()


class OwnCategorySharesSerializer(serializers.Serializer):
    paid_service_damage = CountShareSerializer()
    free_service_monetary = CountShareSerializer()
    non_monetary = CountShareSerializer()


class ClaimantKindSharesSerializer(serializers.Serializer):
    individual = CountShareSerializer()
    small_business = CountShareSerializer()
    enterprise = CountShareSerializer()


class OwnStatsSerializer(CountShareSerializer):
    by_category = OwnCategorySharesSerializer(help_text="자체 서비스 신고 중 분류별 (share는 자체 서비스 건수 대비)")
    by_claimant_kind = ClaimantKindSharesSerializer(help_text="자체 서비스 신고 중 신고인 구분별")


class ClaimStatsSerializer(serializers.Serializer):
    incident = serializers.CharField(help_text="장애 코드")
    generated_at = serializers.DateTimeField(
        help_text="집계 시각. PostgreSQL에서는 요청 시점의 값이고, 집계 테이블이 없는 DB(SQLite)에서는 "
        "최대 30초 전 값일 수 있습니다 (fresh=1이면 즉시 집계)"
    )
    total = serializers.IntegerField()
    by_operator = OperatorSharesSerializer()
    own = OwnStatsSerializer()
    by_service = serializers.DictField(child=CountShareSerializer(), help_text="서비스 코드별")
    by_status = serializers.DictField(child=CountShareSerializer(), help_text="상태별")
    by_day = serializers.DictField(child=CountShareSerializer(), help_text="접수일(KST, YYYY-MM-DD)별")
