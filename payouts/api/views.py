"""Payouts API for finance: reads through selectors, every move through one service."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from core.pagination import NewestFirstCursorPagination
from payouts import selectors
from payouts.api.serializers import (
    PayoutBatchBuildSerializer,
    PayoutBatchSerializer,
    PayoutSerializer,
    ReasonSerializer,
    ReconciliationExceptionSerializer,
    ResolveSerializer,
    RiskDecisionSerializer,
)
from payouts.filters import PayoutBatchFilterSet, PayoutFilterSet, ReconciliationExceptionFilterSet
from payouts.models import Payout, PayoutBatch, ReconciliationException
from payouts.services import batches, payouts, reconciliation
from privacy.access import AccessRecordedViewSetMixin


class PayoutViewSet(
    AccessRecordedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = PayoutSerializer
    filterset_class = PayoutFilterSet
    pagination_class = NewestFirstCursorPagination
    queryset = Payout.objects.none()

    def get_queryset(self) -> QuerySet[Payout]:
        if getattr(self, "swagger_fake_view", False):
            return Payout.objects.none()
        return selectors.payout_list(user=self.request.user)

    @extend_schema(request=RiskDecisionSerializer, responses=PayoutSerializer)
    @action(detail=True, methods=["post"], url_path="risk-decision")
    def risk_decision(self, request: Request, pk: Any = None) -> Response:
        data = RiskDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payout = payouts.payout_risk_decide(payout=self.get_object(), actor=request.user, **data.validated_data)
        return Response(PayoutSerializer(payout).data)


class PayoutBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PayoutBatchSerializer
    filterset_class = PayoutBatchFilterSet
    pagination_class = NewestFirstCursorPagination
    queryset = PayoutBatch.objects.none()

    def get_queryset(self) -> QuerySet[PayoutBatch]:
        if getattr(self, "swagger_fake_view", False):
            return PayoutBatch.objects.none()
        return selectors.payout_batch_list(user=self.request.user)

    @extend_schema(request=PayoutBatchBuildSerializer, responses={201: PayoutBatchSerializer})
    def create(self, request: Request) -> Response:
        data = PayoutBatchBuildSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = batches.payout_batch_build(actor=request.user, **data.validated_data)
        return Response(PayoutBatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    def _move(self, service: Any, **kwargs: Any) -> Response:
        batch = service(batch=self.get_object(), actor=self.request.user, **kwargs)
        return Response(PayoutBatchSerializer(batch).data)

    @extend_schema(request=None, responses=PayoutBatchSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        return self._move(batches.payout_batch_approve)

    @extend_schema(request=ReasonSerializer, responses=PayoutBatchSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._move(batches.payout_batch_reject, reason=data.validated_data["reason"])

    @extend_schema(request=ReasonSerializer, responses=PayoutBatchSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._move(batches.payout_batch_cancel, reason=data.validated_data["reason"])

    @extend_schema(request=None, responses=PayoutBatchSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: Any = None) -> Response:
        return self._move(batches.payout_batch_release)

    @extend_schema(request=None, responses=dict)
    @action(detail=True, methods=["get"])
    def report(self, request: Request, pk: Any = None) -> Response:
        return Response(selectors.payout_report_batch(batch=self.get_object()))


class ReconciliationExceptionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ReconciliationExceptionSerializer
    filterset_class = ReconciliationExceptionFilterSet
    pagination_class = NewestFirstCursorPagination
    queryset = ReconciliationException.objects.select_related("run").order_by("-id")

    @extend_schema(request=ResolveSerializer, responses=ReconciliationExceptionSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: Any = None) -> Response:
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        exception = reconciliation.reconciliation_exception_resolve(
            exception=get_object_or_404(ReconciliationException, pk=pk), actor=request.user, **data.validated_data
        )
        return Response(ReconciliationExceptionSerializer(exception).data)


@extend_schema(responses=dict)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def policy_report(request: Request, policy_id: int) -> Response:
    """Approved = paid + in flight + failed + cancelled, to the won, for one compensation policy."""
    if not request.user.has_perm("payouts.view_payout"):
        raise PermissionDenied
    return Response(selectors.payout_report_policy(policy_id=policy_id))
