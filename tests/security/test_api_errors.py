"""Every error the API answers is JSON and documented in the generated schema (what schemathesis holds it to)."""

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.mark.django_db
def test_unmatched_api_url_answers_json_404(client) -> None:
    response = client.get("/api/v1/claims/0.5/")  # a dot never matches the reference route
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "찾을 수 없습니다."}


@pytest.mark.django_db
def test_unmatched_page_keeps_the_html_404(client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_schema_documents_the_error_answers() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert {"Error", "ValidationError"} <= set(schema["components"]["schemas"])
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"403", "404"} <= codes, (method, path)
            if method == "post":
                assert {"400", "409"} <= codes or "requestBody" not in operation, (method, path, codes)
    assert "429" in schema["paths"]["/api/v1/claims/"]["post"]["responses"]
    # A claim's notes and history are plain lists, not pages.
    notes = schema["paths"]["/api/v1/claims/{reference}/notes/"]["get"]["responses"]["200"]
    assert notes["content"]["application/json"]["schema"]["type"] == "array"
