"""/openapi.json says what the API answers (the app exactly as app.py builds it, embedded mode): every route's
response model and error codes, read from the document, then fuzzed with Schemathesis: no server error, and
no status code that the document does not list for that operation."""

from __future__ import annotations

import shutil

from collections import Counter

import pytest
import schemathesis
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from app import create_app
from studio.api_errors import ErrorBody
from studio.settings import StudioSettings

KEY = "key-fuzz-0123456789"
EXAMPLES = 40  # per operation and mode: 8 operations x 2 modes, well under a minute on 2 cores
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}
BINARY = {"type": "string", "format": "binary"}
# (method, path) -> (success status, its media types, the error statuses the route can answer)
ROUTES = {
    ("post", "/v1/batches"): (202, {"application/json"}, {400, 401, 409, 413, 415, 503}),
    ("get", "/v1/batches/{batch_id}"): (200, {"application/json"}, {400, 401, 403, 404, 503}),
    ("delete", "/v1/batches/{batch_id}"): (200, {"application/json"}, {401, 403, 404, 503}),
    ("get", "/v1/batches/{batch_id}/items/{item_id}"): (200, {"image/jpeg", "image/png", "application/zip"},
                                                        {401, 403, 404, 409, 503}),
    ("get", "/v1/batches/{batch_id}/results.zip"): (200, {"application/zip"}, {401, 403, 404, 503}),
    ("get", "/v1/templates"): (200, {"application/json"}, {401}),
    ("get", "/v1/templates/{template_id}"): (200, {"application/json"}, {400, 401}),
    ("post", "/v1/banners"): (202, {"application/json"}, {400, 401, 409, 413, 415, 503}),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory, store, models_dir):
    data = tmp_path_factory.mktemp("api-openapi-data")
    shutil.copytree(models_dir, data / "models")
    settings = StudioSettings(data_dir=data, api_keys=KEY, max_request_mb=3, max_batch_items=5,
                              max_files_per_request=5, max_upload_mb=1)
    app = create_app(settings)
    with TestClient(app):  # its lifespan stops the embedded worker when the module is done
        yield app


@pytest.fixture(scope="module")
def spec(app) -> dict:
    return TestClient(app).get("/openapi.json").json()


def api_routes(app) -> list:
    """The app's FastAPI routes, with their full paths (newer FastAPI keeps an included router nested)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI that flattens included routers into app.routes
        return [route for route in app.routes if isinstance(route, APIRoute)]
    return [context for context in iter_route_contexts(app.routes) if isinstance(context.original_route, APIRoute)]


def test_every_route_documents_its_answer_and_its_errors(app, spec):
    routes = {(method.lower(), route.path): route for route in api_routes(app) if route.include_in_schema
              for method in route.methods}
    documented = {(method, path) for path, operations in spec["paths"].items() for method in operations}
    assert set(routes) == documented == set(ROUTES)
    for (method, path), (success, media_types, errors) in ROUTES.items():
        operation = spec["paths"][path][method]
        where = f"{method.upper()} {path}"
        answers = {int(code) for code in operation["responses"]}
        assert answers == {success} | errors, where  # no 422 `HTTPValidationError`: a bad query is a 400
        content = operation["responses"][str(success)]["content"]
        assert set(content) == media_types, where
        for media_type, body in content.items():
            if media_type == "application/json":
                assert routes[method, path].response_model is not None, where
                assert body["schema"]["$ref"].startswith("#/components/schemas/"), where
            else:
                assert body["schema"] == BINARY, where
        for code in errors:
            response = operation["responses"][str(code)]
            assert response["content"] == {"application/json": {"schema": ERROR_BODY}}, (where, code)
            assert response["description"], (where, code)
        assert operation["security"] == [{"APIKeyHeader": []}, {"HTTPBearer": []}], where
        if success == 202:
            assert {"Location", "Idempotent-Replayed"} <= set(operation["responses"]["202"]["headers"]), where
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert spec["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"


def test_errors_have_the_documented_body(app):
    client = TestClient(app)
    as_key = {"X-API-Key": KEY}
    answers = {
        401: client.get("/v1/templates"),
        400: client.get("/v1/batches/nope?items=maybe", headers=as_key),
        404: client.get("/v1/batches/nope", headers=as_key),
        415: client.post("/v1/banners", headers=as_key, json={"template": "bold-sale"}),
    }
    for status, response in answers.items():
        assert response.status_code == status, response.text
        ErrorBody.model_validate(response.json())
    assert answers[401].headers["www-authenticate"] == 'ApiKey header="X-API-Key"'
    assert "items:" in answers[400].json()["error"]["message"] and "'maybe'" in answers[400].json()["error"]["message"]


def test_a_wrong_method_or_unknown_api_path_is_answered_by_the_api_not_the_studio(app):
    client = TestClient(app)
    wrong = client.put("/v1/templates", headers={"X-API-Key": KEY})
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET"
    assert "PUT is not allowed" in ErrorBody.model_validate(wrong.json()).error.message
    both = client.patch("/v1/batches/abc", headers={"X-API-Key": KEY})
    assert both.status_code == 405 and both.headers["allow"] == "GET, DELETE"
    unknown = client.get("/v1/no-such-route", headers={"X-API-Key": KEY})
    assert unknown.status_code == 404 and ErrorBody.model_validate(unknown.json()).error.type == "not_found"
    assert client.get("/").headers["content-type"].startswith("text/html")  # the studio still answers /


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_fuzzed_requests_get_documented_answers(app, mode):
    """Requests generated from the document, valid and invalid alike: never a 5xx, and every status, header and
    body as the document says. (Schemathesis' own pytest loader, `from_fixture`, fails on pytest 9's nodes,
    so each operation runs as a plain Hypothesis test here.)"""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    answered: Counter = Counter()
    failures: dict[tuple[str, str], str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            response = case.call(headers={"X-API-Key": KEY})
            answered[response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as group:
                for failure in group.exceptions:
                    failures.setdefault((operation.label, failure.title), str(group))

        fuzz()
    assert sum(answered.values()) >= len(ROUTES) * EXAMPLES // 2, answered
    assert not failures, "\n".join(f"{label}: {title}\n{report}" for (label, title), report in failures.items())
