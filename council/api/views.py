"""Council API for the secretariat: meetings, resolutions and minutes. Reads via selectors; every
operation is an explicit action endpoint handing validated data to one service."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.pagination import NewestFirstCursorPagination
from council import selectors, services
from council.api.serializers import (
    MeetingRescheduleSerializer,
    MeetingSerializer,
    MeetingTransitionSerializer,
    MinutesVersionSerializer,
    ResolutionRecordSerializer,
    ResolutionSerializer,
)
from council.filters import MeetingFilterSet, MinutesVersionFilterSet, ResolutionFilterSet
from council.models import Meeting, MinutesVersion, Resolution


class MeetingViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = NewestFirstCursorPagination
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilterSet
    queryset = Meeting.objects.none()

    def get_queryset(self) -> QuerySet[Meeting]:
        if getattr(self, "swagger_fake_view", False):
            return Meeting.objects.none()
        return selectors.meeting_list(user=self.request.user).prefetch_related("agenda_items", "attendance__member")

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(request=MeetingTransitionSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        serializer = MeetingTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        meeting = services.meeting_transition(
            meeting=self.get_object(), actor=request.user, **serializer.validated_data
        )
        return Response(MeetingSerializer(meeting).data)

    @extend_schema(request=MeetingRescheduleSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, pk: str | None = None) -> Response:
        serializer = MeetingRescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        meeting = services.meeting_reschedule(
            meeting=self.get_object(), actor=request.user, **serializer.validated_data
        )
        return Response(MeetingSerializer(meeting).data)


class ResolutionViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = NewestFirstCursorPagination
    serializer_class = ResolutionSerializer
    filterset_class = ResolutionFilterSet
    queryset = Resolution.objects.none()

    def get_queryset(self) -> QuerySet[Resolution]:
        if getattr(self, "swagger_fake_view", False):
            return Resolution.objects.none()
        return selectors.resolution_list(user=self.request.user).prefetch_related("votes__member")

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(request=None, responses=ResolutionSerializer)
    @action(detail=True, methods=["post"], url_path="open-voting")
    def open_voting(self, request: Request, pk: str | None = None) -> Response:
        resolution = services.resolution_open_voting(resolution=self.get_object(), actor=request.user)
        return Response(ResolutionSerializer(resolution).data)

    @extend_schema(request=ResolutionRecordSerializer, responses=ResolutionSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        serializer = ResolutionRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        resolution = services.resolution_record(
            resolution=self.get_object(), actor=request.user, tally=serializer.validated_data.get("tally")
        )
        return Response(ResolutionSerializer(resolution).data)


class MinutesVersionViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = NewestFirstCursorPagination
    serializer_class = MinutesVersionSerializer
    filterset_class = MinutesVersionFilterSet
    queryset = MinutesVersion.objects.none()

    def get_queryset(self) -> QuerySet[MinutesVersion]:
        if getattr(self, "swagger_fake_view", False):
            return MinutesVersion.objects.none()
        return (
            MinutesVersion.objects.select_related("minutes")
            .prefetch_related("items__agenda_item")
            .order_by("-minutes__meeting__starts_at", "number")
        )

    def _run(self, service: Any) -> Response:
        version = service(version=self.get_object(), actor=self.request.user)
        version = self.get_queryset().get(pk=version.pk)
        return Response(MinutesVersionSerializer(version).data)

    @extend_schema(request=None, responses=MinutesVersionSerializer)
    @action(detail=True, methods=["post"])
    def circulate(self, request: Request, pk: str | None = None) -> Response:
        return self._run(services.minutes_circulate)

    @extend_schema(request=None, responses=MinutesVersionSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        return self._run(services.minutes_publish)
