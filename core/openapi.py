"""The error answers every API operation can give, written into the generated schema.

drf-spectacular documents the success responses each view declares; the errors come from one place instead
(`core.exceptions.api_exception_handler`), so they are added here to every operation as a postprocessing hook:
403 for a caller without access (DRF answers 403, not 401, to a missing login because the first authenticator
is the session), 404 for an unknown or hidden object (or page cursor), 400 for bad input, 409 for a refused
business move (ApplicationError) and 429 when a throttle applies. Clients and the schema fuzzer then know every
code the API really answers."""

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}
VALIDATION_ERROR = {"$ref": "#/components/schemas/ValidationError"}
SCHEMAS = {
    "Error": {
        "type": "object",
        "description": "거부 사유. ApplicationError는 `detail` 외에 상황별 항목(예: `allowed`)을 더할 수 있습니다.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
        "additionalProperties": True,
    },
    "ValidationError": {
        "type": "object",
        "description": "잘못된 입력: 항목 이름(중첩 항목은 객체)별 오류 메시지 목록, 또는 `non_field_errors`.",
        "additionalProperties": True,
    },
}
_WRITE_METHODS = {"post", "put", "patch", "delete"}


def _add(responses: dict[str, Any], code: str, description: str, schema: dict[str, Any]) -> None:
    responses.setdefault(code, {"description": description, "content": {"application/json": {"schema": schema}}})


def add_error_responses(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {}).update(SCHEMAS)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "head", "options", *_WRITE_METHODS}:
                continue
            responses = operation.setdefault("responses", {})
            _add(responses, "403", "권한 없음 (로그인하지 않았거나 이 작업을 할 수 없음)", ERROR)
            # Not only unknown ids: an invalid page cursor or an unknown incident code answer 404 too.
            _add(responses, "404", "없거나 볼 수 없는 대상", ERROR)
            if operation.get("parameters") or "requestBody" in operation:
                _add(responses, "400", "잘못된 입력", VALIDATION_ERROR)
            if method in _WRITE_METHODS:
                _add(responses, "409", "지금 상태에서는 할 수 없는 작업 (ApplicationError)", ERROR)
            if method == "post" and path == "/api/v1/claims/":
                _add(responses, "429", "요청이 너무 많음 (접수 제한)", ERROR)
    return result
