from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from claims import selectors, services
from claims.api.casework import ClaimCaseworkActionsMixin
from claims.api.serializers import ClaimSerializer, ClaimSubmitResponseSerializer, ClaimSubmitSerializer
from claims.api.stats import CanViewClaimStats, ClaimStatsSerializer
from claims.filters import ClaimFilterSet
from claims.models import Claim, Incident
from core.clientip import client_address_hash
from core.pagination import NewestFirstCursorPagination
from privacy.models import PersonalDataAccess
from privacy.services import access_record


class ClaimViewSet(
    ClaimCaseworkActionsMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Claims: anyone may file one (throttled); reading needs the `claims.view_claim` permission."""

    lookup_field = "reference"
    lookup_value_regex = "[A-Za-z0-9-]+"
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilterSet
    pagination_class = NewestFirstCursorPagination
    throttle_scope = "claim_submit"
    queryset = Claim.objects.none()

    def get_queryset(self) -> QuerySet[Claim]:
        if getattr(self, "swagger_fake_view", False):
            return Claim.objects.none()
        return selectors.claim_list(user=self.request.user).order_by("-id")

    def get_permissions(self) -> list[Any]:
        if self.action == "create":
            return [permissions.AllowAny()]
        return list(super().get_permissions())

    def get_throttles(self) -> list[Any]:
        if self.action == "create":
            return [ScopedRateThrottle()]
        return []

    def paginate_queryset(self, queryset: Any) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        if page:
            searched = bool(self.request.query_params.get("q"))
            access_record(
                request=self.request,
                action=PersonalDataAccess.Action.SEARCH if searched else PersonalDataAccess.Action.LIST,
                claimant_ids=[claim.claimant_id for claim in page],
                query=self.request.query_params.urlencode(),
            )
        return page

    def get_object(self) -> Any:
        claim = super().get_object()
        if self.action == "retrieve":
            access_record(request=self.request, action=PersonalDataAccess.Action.VIEW, claimant_ids=[claim.claimant_id])
        return claim

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # The selector already applies the FilterSet for list; detail lookups must not be filtered by it.
        if self.action == "list":
            return super().filter_queryset(queryset)
        return queryset

    @extend_schema(
        request=ClaimSubmitSerializer,
        responses={201: ClaimSubmitResponseSerializer, 200: ClaimSubmitResponseSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ClaimSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        incident = _incident_for(data.get("incident"))
        service = selectors.service_get(incident=incident, code=data["service"])
        if service is None:
            raise ValidationError({"service": ["이 장애에 없는 서비스 코드입니다."]})
        claimant = dict(data["claimant"])
        preferred_channel = claimant.pop("preferred_channel")
        opted_out_optional = claimant.pop("opted_out_optional")
        claim, created = services.claim_submit(
            incident=incident,
            service=service,
            claimant=claimant,
            preferred_channel=preferred_channel,
            opted_out_optional=opted_out_optional,
            paid=data["paid"],
            claimed_amount=data.get("claimed_amount"),
            description=data.get("description", ""),
            channel=Claim.Channel.API,
            submitted_from=client_address_hash(request),
            consent_privacy=data["consent_privacy"],
            consent_share_contact=data.get("consent_share_contact", False),
            submission_id=data.get("submission_id"),
        )
        body = ClaimSubmitResponseSerializer(claim).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _incident_for(code: str | None) -> Incident:
    if code:
        incident = Incident.objects.filter(code=code).first()
        if incident is None:
            raise ValidationError({"incident": ["알 수 없는 장애 코드입니다."]})
        return incident
    incident = selectors.incident_get_default()
    if incident is None:
        raise ValidationError({"incident": ["지금 접수 중인 장애가 없습니다."]})
    return incident


class ClaimStatsView(APIView):
    """The claims statistics report: counts and shares by operator, category, claimant kind, service, status and day.

    Current at the request on PostgreSQL (read from the tallies triggers keep); on SQLite the count may be up to
    30 seconds old (`generated_at` says when it was made) and `fresh=1` counts now."""

    permission_classes = [CanViewClaimStats]

    @extend_schema(
        parameters=[
            OpenApiParameter("incident", OpenApiTypes.STR, description="장애 코드 (생략하면 접수 중인 장애)"),
            OpenApiParameter("fresh", OpenApiTypes.BOOL, description="1이면 캐시를 쓰지 않고 지금 집계"),
        ],
        responses={200: ClaimStatsSerializer},
    )
    def get(self, request: Request) -> Response:
        code = request.query_params.get("incident")
        incident = Incident.objects.filter(code=code).first() if code else selectors.incident_get_default()
        if incident is None:
            raise NotFound("알 수 없는 장애 코드입니다.")
        fresh = request.query_params.get("fresh", "").lower() in {"1", "true", "yes"}
        return Response(selectors.claim_stats(incident=incident, use_cache=not fresh))
