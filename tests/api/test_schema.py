"""The OpenAPI schema and the docs page are served by the site, with no CDN."""

import re

import pytest

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    ("get", "/api/v1/org/summary"),
    ("get", "/api/v1/org/units/{code}/children"),
    ("get", "/api/v1/org/units/{code}/learners"),
    ("get", "/api/v1/org/learners/{id_number}/transcript"),
    ("get", "/api/v1/org/assignments"),
    ("get", "/api/v1/me/assignments"),
    ("get", "/api/v1/me/hours"),
    ("get", "/api/v1/me/lessons/{lesson_id}/progress"),
    ("post", "/api/v1/me/lessons/{lesson_id}/events"),
    ("post", "/api/v1/me/quizzes/{slug}/attempts"),
    ("get", "/api/v1/me/attempts/{token}"),
    ("put", "/api/v1/me/attempts/{token}/answers/{position}"),
    ("post", "/api/v1/me/attempts/{token}/submit"),
}


def test_openapi_schema_lists_every_endpoint_with_bearer_auth(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    found = {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
    }
    assert found == ENDPOINTS
    schemes = schema["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            assert operation["security"] == [{"TokenAuth": []}], path
            assert "401" in operation["responses"], path


def test_docs_page_loads_everything_from_the_site(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/openapi.json" in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/api/docs/assets/") for s in sources)
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200, source
        assert b"".join(asset.streaming_content)


def test_docs_assets_serve_only_known_files(client):
    assert client.get("/api/docs/assets/swagger-ui-bundle.js").status_code == 200
    for name in ["..%2F__init__.py", "redoc.standalone.js", "nothing.js"]:
        assert client.get(f"/api/docs/assets/{name}").status_code == 404
