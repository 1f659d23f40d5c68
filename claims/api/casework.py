"""API for case work: serializers of the claim actions (transition, assign, notes, history) and the transfer
batches that affiliates read, acknowledge and report outcomes on."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from claims import selectors as claim_selectors
from claims.api.serializers import StrictFieldsMixin
from claims.casework import selectors, transfers
from claims.casework.assignment import claim_assign
from claims.casework.exports import transfer_export_csv, transfer_export_xlsx
from claims.casework.moves import claim_move
from claims.casework.notes import claim_message_send, claim_note_add
from claims.models import (
    AffiliateOutcome,
    CannedResponse,
    Claim,
    ClaimHistory,
    ClaimNote,
    TransferBatch,
    TransferItem,
)
from core.pagination import NewestFirstCursorPagination
from privacy.models import PersonalDataAccess
from privacy.services import access_record

# --- claim actions ---


class ClaimTransitionSerializer(StrictFieldsMixin, serializers.Serializer):
    to = serializers.ChoiceField(choices=Claim.Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")
    reason_code = serializers.ChoiceField(choices=Claim.RejectReason.choices, required=False, allow_blank=True)
    due_date = serializers.DateField(required=False, help_text="awaiting_claimant: 보완 자료 제출 기한")
    primary = serializers.CharField(required=False, max_length=32, help_text="merged: 원건 접수번호")
    canned_response = serializers.SlugField(required=False, help_text="answered: 답변 템플릿 코드")


class ClaimAssignSerializer(StrictFieldsMixin, serializers.Serializer):
    assignee = serializers.CharField(allow_null=True, max_length=150, help_text="상담원 아이디. null이면 배정 해제")


class ClaimNoteInputSerializer(StrictFieldsMixin, serializers.Serializer):
    body = serializers.CharField(max_length=5000)
    kind = serializers.ChoiceField(
        choices=ClaimNote.Kind.choices,
        default=ClaimNote.Kind.INTERNAL,
        help_text="internal: 내부 메모, message: 신고인에게 메시지 발송",
    )


class ClaimNoteSerializer(serializers.ModelSerializer):
    claim = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ClaimNote
        fields = ["id", "claim", "kind", "author", "body", "created_at"]
        read_only_fields = fields


class ClaimHistorySerializer(serializers.ModelSerializer):
    claim = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Blank for events that are not a status move (a note, a message): the schema must say so.
    from_status = serializers.ChoiceField(choices=Claim.Status.choices, allow_blank=True, read_only=True)
    to_status = serializers.ChoiceField(choices=Claim.Status.choices, allow_blank=True, read_only=True)

    class Meta:
        model = ClaimHistory
        fields = ["id", "claim", "event", "actor", "from_status", "to_status", "reason", "reason_code", "data",
                  "created_at"]  # fmt: skip
        read_only_fields = fields


class AffiliateOutcomeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AffiliateOutcome
        fields = ["outcome", "amount_won", "note", "updated_at"]
        read_only_fields = fields


# --- transfers ---


class TransferBatchSerializer(serializers.ModelSerializer):
    affiliate = serializers.SlugRelatedField(slug_field="code", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = TransferBatch
        fields = ["id", "affiliate", "status", "claim_count", "created_by", "created_at", "exported_at",
                  "acknowledged_at"]  # fmt: skip
        read_only_fields = fields


class TransferItemSerializer(serializers.ModelSerializer):
    """What the affiliate needs about one claim; contact details only when the claimant agreed to share them."""

    reference = serializers.CharField(source="claim.reference")
    service = serializers.CharField(source="claim.service.code")
    received_at = serializers.DateTimeField(source="claim.received_at")
    claimant_kind = serializers.CharField(source="claim.claimant_kind")
    paid = serializers.BooleanField(source="claim.paid")
    claimed_amount = serializers.IntegerField(source="claim.claimed_amount", allow_null=True)
    description = serializers.CharField(source="claim.description")
    contact = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField()

    class Meta:
        model = TransferItem
        fields = ["reference", "service", "received_at", "claimant_kind", "paid", "claimed_amount", "description",
                  "contact", "outcome"]  # fmt: skip
        read_only_fields = fields

    def get_contact(self, item: TransferItem) -> dict[str, str] | None:
        claim = item.claim
        if not claim.consent_share_contact:
            return None
        person = claim.claimant
        return {"name": person.name, "phone": person.phone, "email": person.email, "business_no": person.business_no}

    def get_outcome(self, item: TransferItem) -> dict[str, Any] | None:
        outcome = getattr(item.claim, "affiliate_outcome", None)
        return AffiliateOutcomeSerializer(outcome).data if outcome is not None else None


class AffiliateOutcomeInputSerializer(StrictFieldsMixin, serializers.Serializer):
    reference = serializers.CharField(max_length=32)
    outcome = serializers.ChoiceField(choices=AffiliateOutcome.Outcome.choices)
    amount_won = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=10**13)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class TransferBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Transfer batches. Staff see all of them; an affiliate user sees only its own company's batches
    (anyone else's answers 404)."""

    serializer_class = TransferBatchSerializer
    pagination_class = NewestFirstCursorPagination
    queryset = TransferBatch.objects.none()

    def get_queryset(self) -> QuerySet[TransferBatch]:
        if getattr(self, "swagger_fake_view", False):
            return TransferBatch.objects.none()
        return selectors.transfer_batch_list(user=self.request.user)

    def get_permissions(self) -> list[Any]:
        if self.action in ("acknowledge", "outcomes"):
            # Model permissions would ask for add_transferbatch; the services check the real ones.
            return [permissions.IsAuthenticated()]
        return super().get_permissions()  # type: ignore[return-value]

    @extend_schema(request=None, responses={200: TransferBatchSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        batch = transfers.transfer_batch_acknowledge(batch=self.get_object(), actor=request.user)
        return Response(TransferBatchSerializer(batch).data)

    @extend_schema(request=AffiliateOutcomeInputSerializer, responses={200: AffiliateOutcomeSerializer})
    @action(detail=True, methods=["post"])
    def outcomes(self, request: Request, pk: str | None = None) -> Response:
        batch = self.get_object()  # access first: another company's user gets 404, not validation errors
        serializer = AffiliateOutcomeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        outcome = transfers.affiliate_outcome_report(
            batch=batch,
            reference=data["reference"],
            outcome=data["outcome"],
            amount_won=data.get("amount_won"),
            note=data.get("note", ""),
            actor=request.user,
        )
        return Response(AffiliateOutcomeSerializer(outcome).data)

    @extend_schema(responses={200: TransferItemSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def items(self, request: Request, pk: str | None = None) -> Response:
        queryset = selectors.transfer_item_list(batch=self.get_object())
        page = self.paginate_queryset(queryset)
        # Items carry the consenting claimants' names and contacts.
        access_record(
            request=request,
            action=PersonalDataAccess.Action.LIST,
            claimant_ids=[item.claim.claimant_id for item in page or []],
        )
        return self.get_paginated_response(TransferItemSerializer(page, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=["csv", "xlsx"], required=False),
            OpenApiParameter(
                "reason", OpenApiTypes.STR, required=False, description="내려받는 사유 (열람 기록에 남습니다)"
            ),
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: str | None = None) -> HttpResponse:
        batch = self.get_object()
        kind = request.query_params.get("kind", "csv")
        access_record(
            request=request,
            action=PersonalDataAccess.Action.DOWNLOAD,
            claimant_ids=TransferItem.objects.filter(batch=batch).values_list("claim__claimant_id", flat=True),
            # Programs of the affiliate fetch the file unattended: the purpose stands when no reason is given.
            reason=(request.query_params.get("reason") or "").strip()[:200] or "계열사 이관 처리 (API)",
        )
        if kind == "xlsx":
            body, mime = (
                transfer_export_xlsx(batch=batch),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        else:
            kind, body, mime = "csv", transfer_export_csv(batch=batch), "text/csv; charset=utf-8"
        response = HttpResponse(body, content_type=mime)
        response["Content-Disposition"] = f'attachment; filename="transfer-{batch.affiliate.code}-{batch.pk}.{kind}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ClaimCaseworkActionsMixin:
    """The case-work endpoints of ClaimViewSet: transition, assign, notes and history of one claim."""

    def get_permissions(self) -> list[Any]:
        if self.action in ("transition", "assign", "notes", "history"):  # type: ignore[attr-defined]
            # Reading the claim needs claims.view_claim (the selector); each service checks its own permission.
            return [permissions.IsAuthenticated()]
        return super().get_permissions()  # type: ignore[misc]

    def _claim_data(self, claim: Claim) -> dict[str, Any]:
        return self.get_serializer(claim).data  # type: ignore[attr-defined]

    @extend_schema(request=ClaimTransitionSerializer, responses={200: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, reference: str | None = None) -> Response:
        """Move the claim to `to`. 409 with `allowed` (the moves possible from the current state) if refused."""
        claim = self.get_object()  # type: ignore[attr-defined]
        serializer = ClaimTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        primary = None
        if data.get("primary"):
            primary = claim_selectors.claim_get(reference=data["primary"].strip().upper(), user=request.user)
        canned = None
        if data.get("canned_response"):
            canned = CannedResponse.objects.filter(code=data["canned_response"], is_active=True).first()
            if canned is None:
                raise serializers.ValidationError({"canned_response": ["알 수 없는 답변 템플릿입니다."]})
        claim = claim_move(
            claim=claim,
            to=data["to"],
            actor=request.user,
            reason=data.get("reason", ""),
            reason_code=data.get("reason_code", ""),
            due_date=data.get("due_date"),
            primary=primary,
            canned_response=canned,
        )
        return Response(self._claim_data(claim))

    @extend_schema(request=ClaimAssignSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, reference: str | None = None) -> Response:
        claim = self.get_object()  # type: ignore[attr-defined]
        serializer = ClaimAssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["assignee"]
        assignee = None
        if username is not None:
            assignee = get_user_model().objects.filter(username=username, is_active=True).first()
            if assignee is None:
                raise serializers.ValidationError({"assignee": ["알 수 없는 상담원입니다."]})
        claim = claim_assign(claim=claim, assignee=assignee, actor=request.user)
        return Response(self._claim_data(claim))

    @extend_schema(
        methods=["GET"],
        responses={200: ClaimNoteSerializer(many=True)},
        description="메모와 보낸 메시지 (병합된 건 포함)",
    )
    @extend_schema(methods=["POST"], request=ClaimNoteInputSerializer, responses={201: ClaimNoteSerializer})
    # The answer is a plain list (a claim's notes are few): no pagination, and the schema says so.
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def notes(self, request: Request, reference: str | None = None) -> Response:
        claim = self.get_object()  # type: ignore[attr-defined]
        if request.method == "GET":
            access_record(request=request, action=PersonalDataAccess.Action.VIEW, claimant_ids=[claim.claimant_id])
            notes = selectors.claim_note_list(claim=claim, user=request.user)
            return Response(ClaimNoteSerializer(notes, many=True).data)
        serializer = ClaimNoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["kind"] == ClaimNote.Kind.MESSAGE:
            note = claim_message_send(claim=claim, message=data["body"], actor=request.user)
        else:
            note = claim_note_add(claim=claim, body=data["body"], actor=request.user)
        return Response(ClaimNoteSerializer(note).data, status=201)

    @extend_schema(responses={200: ClaimHistorySerializer(many=True)}, description="처리 이력 (병합된 건 포함)")
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, reference: str | None = None) -> Response:
        claim = self.get_object()  # type: ignore[attr-defined]
        access_record(request=request, action=PersonalDataAccess.Action.VIEW, claimant_ids=[claim.claimant_id])
        rows = selectors.claim_history_list(claim=claim, user=request.user)
        return Response(ClaimHistorySerializer(rows, many=True).data)
