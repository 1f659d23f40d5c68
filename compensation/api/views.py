"""Compensation API: read endpoints for policies, versions, assessments, appeals and entitlements; explicit
action endpoints for reviewer decisions and appeals. Every write goes through `compensation.services`,
which checks the caller's permission (403) and the state (409)."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from compensation import selectors, services
from compensation.api import serializers as s
from compensation.filters import (
    AppealFilterSet,
    AssessmentFilterSet,
    AssessmentRunFilterSet,
    EntitlementFilterSet,
    PolicyVersionFilterSet,
)
from compensation.models import Appeal, Assessment, AssessmentRun, Entitlement, Policy, PolicyVersion
from compensation.simulation import policy_simulation_snapshot
from core.pagination import NewestFirstCursorPagination
from privacy.access import AccessRecordedViewSetMixin, Action
from privacy.services import access_record


class OldestFirstCursorPagination(NewestFirstCursorPagination):
    ordering = "id"


class _ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pagination_class = NewestFirstCursorPagination

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # The selector applies the FilterSet for lists; detail lookups and actions must not be filtered by it.
        return super().filter_queryset(queryset) if self.action == "list" else queryset


class PolicyViewSet(_ReadViewSet):
    serializer_class = s.PolicySerializer
    queryset = Policy.objects.none()

    def get_queryset(self) -> QuerySet[Policy]:
        if getattr(self, "swagger_fake_view", False):
            return Policy.objects.none()
        return selectors.policy_list(user=self.request.user)


class PolicyVersionViewSet(_ReadViewSet):
    filterset_class = PolicyVersionFilterSet
    queryset = PolicyVersion.objects.none()

    def get_serializer_class(self) -> Any:
        return s.PolicyVersionDetailSerializer if self.action == "retrieve" else s.PolicyVersionSerializer

    def get_queryset(self) -> QuerySet[PolicyVersion]:
        if getattr(self, "swagger_fake_view", False):
            return PolicyVersion.objects.none()
        queryset = selectors.policy_version_list(user=self.request.user)
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                "rules__bands", "rules__match_services", "causation_parameters__service"
            )
        return queryset

    @extend_schema(
        parameters=[OpenApiParameter("compare_to", OpenApiTypes.INT, description="비교할 다른 판의 ID")],
        responses=OpenApiTypes.OBJECT,
    )
    @action(detail=True, methods=["get"], permission_classes=[permissions.IsAuthenticated])
    def simulate(self, request: Request, pk: str | None = None) -> Response:
        """Run this version against the current claims without writing (same JSON as the council snapshot)."""
        if not request.user.has_perm("compensation.simulate_policyversion"):
            raise PermissionDenied
        version = self.get_object()
        compare_to = None
        raw = request.query_params.get("compare_to")
        if raw:
            if not raw.isdigit():  # `?compare_to=null` reached the ORM as a primary key: a 500
                raise ValidationError({"compare_to": ["비교할 판의 ID(정수)를 넣어 주세요."]})
            compare_to = get_object_or_404(PolicyVersion, pk=int(raw))
        return Response(policy_simulation_snapshot(version=version, compare_to=compare_to))

    @extend_schema(request=None, responses={202: s.AssessmentRunSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def assess(self, request: Request, pk: str | None = None) -> Response:
        """Start the bulk assessment of every eligible claim under this adopted version (a Celery job)."""
        run = services.assessment_run_start(version=self.get_object(), actor=request.user)
        return Response(s.AssessmentRunSerializer(run).data, status=202)


class AssessmentRunViewSet(_ReadViewSet):
    """Bulk assessment runs and their progress (`processed` / `total`)."""

    serializer_class = s.AssessmentRunSerializer
    filterset_class = AssessmentRunFilterSet
    queryset = AssessmentRun.objects.none()

    def get_queryset(self) -> QuerySet[AssessmentRun]:
        if getattr(self, "swagger_fake_view", False):
            return AssessmentRun.objects.none()
        return selectors.assessment_run_list(user=self.request.user)


class AssessmentViewSet(AccessRecordedViewSetMixin, _ReadViewSet):
    access_claimant_lookup = "claim__claimant_id"
    serializer_class = s.AssessmentSerializer
    filterset_class = AssessmentFilterSet
    queryset = Assessment.objects.none()

    def get_queryset(self) -> QuerySet[Assessment]:
        if getattr(self, "swagger_fake_view", False):
            return Assessment.objects.none()
        return selectors.assessment_list(user=self.request.user)

    @extend_schema(
        parameters=[OpenApiParameter("individual", OpenApiTypes.BOOL, description="개별 심사 대기열만")],
        responses=s.AssessmentSerializer(many=True),
    )
    @action(detail=False, methods=["get"], permission_classes=[permissions.IsAuthenticated])
    def queue(self, request: Request) -> Response:
        """The reviewer's queue, oldest first (adjustments awaiting a second reviewer are hidden from their author)."""
        flag = request.query_params.get("individual")
        individual = None if flag is None else flag.lower() in ("1", "true", "yes")
        queryset = selectors.review_queue(user=request.user, individual=individual)
        paginator = OldestFirstCursorPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        if page:
            access_record(request=request, action=Action.LIST, claimant_ids=self._access_ids(page))
        return paginator.get_paginated_response(s.AssessmentSerializer(page, many=True).data)

    def _done(self, assessment: Assessment) -> Response:
        return Response(s.AssessmentSerializer(selectors.assessment_get(pk=assessment.pk, user=self.request.user)).data)

    @extend_schema(request=None, responses=s.AssessmentSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return self._done(services.assessment_accept(assessment=self.get_object(), actor=request.user))

    @extend_schema(request=s.AdjustSerializer, responses=s.AssessmentSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def adjust(self, request: Request, pk: str | None = None) -> Response:
        assessment = self.get_object()  # access first: a caller who cannot read it learns nothing from validation
        data = _valid(s.AdjustSerializer, request)
        return self._done(services.assessment_adjust(assessment=assessment, actor=request.user, **data))

    @extend_schema(request=s.RejectSerializer, responses=s.AssessmentSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        assessment = self.get_object()
        data = _valid(s.RejectSerializer, request)
        return self._done(services.assessment_reject(assessment=assessment, actor=request.user, **data))

    @extend_schema(request=s.ConfirmSerializer, responses=s.AssessmentSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        assessment = self.get_object()
        data = _valid(s.ConfirmSerializer, request)
        return self._done(services.assessment_confirm(assessment=assessment, actor=request.user, **data))

    @extend_schema(request=s.ChecklistSerializer, responses=s.AssessmentSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def checklist(self, request: Request, pk: str | None = None) -> Response:
        assessment = self.get_object()
        data = _valid(s.ChecklistSerializer, request)
        assessment = services.assessment_checklist_update(
            assessment=assessment, checklist=data["checklist"], actor=request.user
        )
        return self._done(assessment)

    @extend_schema(request=s.AppealLodgeSerializer, responses=s.AppealSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def appeal(self, request: Request, pk: str | None = None) -> Response:
        """Lodge the claimant's one appeal (an agent on the claimant's behalf)."""
        assessment = self.get_object()
        data = _valid(s.AppealLodgeSerializer, request)
        appeal = services.appeal_lodge(assessment=assessment, reason=data["reason"], actor=request.user)
        return Response(s.AppealSerializer(appeal).data, status=201)


class AppealViewSet(AccessRecordedViewSetMixin, _ReadViewSet):
    access_claimant_lookup = "assessment__claim__claimant_id"
    serializer_class = s.AppealSerializer
    filterset_class = AppealFilterSet
    queryset = Appeal.objects.none()

    def get_queryset(self) -> QuerySet[Appeal]:
        if getattr(self, "swagger_fake_view", False):
            return Appeal.objects.none()
        return selectors.appeal_list(user=self.request.user)

    @extend_schema(request=s.AppealDecideSerializer, responses=s.AppealSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        appeal = self.get_object()
        data = _valid(s.AppealDecideSerializer, request)
        appeal = services.appeal_decide(appeal=appeal, actor=request.user, **data)
        return Response(s.AppealSerializer(appeal).data)


class EntitlementViewSet(AccessRecordedViewSetMixin, _ReadViewSet):
    serializer_class = s.EntitlementSerializer
    filterset_class = EntitlementFilterSet
    queryset = Entitlement.objects.none()

    def get_queryset(self) -> QuerySet[Entitlement]:
        if getattr(self, "swagger_fake_view", False):
            return Entitlement.objects.none()
        return selectors.entitlement_list(user=self.request.user)


def _valid(serializer_class: Any, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
