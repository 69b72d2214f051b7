"""What /api/v1/openapi.json (and so /api/v1/docs) promises a client: the answers each operation
may give, the conditional reads' 304, and examples that are true to their schemas."""

import jsonschema_rs
import pytest
from django.test import Client

from config.api import api

pytestmark = pytest.mark.django_db
ERROR_REF = "#/components/schemas/ErrorOut"


@pytest.fixture(scope="module")
def document() -> dict:
    return api.get_openapi_schema()


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", method, operation


def error_schema_ref(response: dict) -> str:
    return response["content"]["application/json"]["schema"].get("$ref", "")


def test_every_operation_documents_its_authentication_scope_and_validation_answers(document):
    for name, method, operation in operations(document):
        responses = operation["responses"]
        expected = {401, 429} | ({403} if method != "get" else set())
        if "requestBody" in operation:
            expected |= {400, 422}
        if operation.get("parameters"):
            expected.add(422)
        assert expected <= set(responses), f"{name}: {sorted(expected - set(responses))} undocumented"
        for status in expected:
            assert error_schema_ref(responses[status]) == ERROR_REF, f"{name} {status}"


def test_every_list_pages_by_one_cursor_style(document):
    schemas = document["components"]["schemas"]
    lists = [name for name in schemas if name.endswith("PageOut")]
    assert {"AlbumPageOut", "ArtistPageOut", "HistoryPageOut", "PlaylistPageOut"} <= set(lists)
    for name in lists:
        assert {"items", "next_cursor", "limit", "total"} <= set(schemas[name]["properties"]), name
    for name, method, operation in operations(document):
        response = operation["responses"].get(200, {}).get("content", {}).get("application/json", {})
        if method == "get" and response.get("schema", {}).get("type") == "array":
            assert name == "GET /api/v1/playlists/algorithms", f"{name} answers a bare list, not a page"


def test_a_read_that_answers_an_etag_documents_its_304(document, owner):
    browser = Client()
    browser.force_login(owner)
    conditional = 0
    for name, method, operation in operations(document):
        path = name.split(" ", 1)[1]
        if method != "get" or "{" in path or path.endswith(("openapi.json", "/docs")):
            continue
        query = {"q": "air"} if path.endswith("/search") else {}
        response = browser.get(path, query)
        assert response.status_code == 200, name
        documented = 304 in operation["responses"]
        assert documented == response.has_header("ETag"), name
        if documented:
            conditional += 1
            headers = {parameter["name"] for parameter in operation["parameters"] if parameter["in"] == "header"}
            assert {"If-None-Match", "If-Modified-Since"} <= headers, name
            assert "ETag" in operation["responses"][200]["headers"], name
            assert browser.get(path, query, headers={"if-none-match": response["ETag"]}).status_code == 304
    assert conditional >= 15


def _examples(node, document, where=""):
    """(where, example, the schema it must satisfy) for every example in the document."""
    if isinstance(node, dict):
        schema = node.get("schema") if isinstance(node.get("schema"), dict) else node
        for example in node.get("examples", []) if isinstance(node.get("examples"), list) else []:
            yield where, example, schema
        if "example" in node and isinstance(node.get("schema"), dict):
            yield where, node["example"], node["schema"]
        for key, value in node.items():
            yield from _examples(value, document, f"{where}/{key}")
    elif isinstance(node, list):
        for number, value in enumerate(node):
            yield from _examples(value, document, f"{where}/{number}")


def test_every_example_satisfies_its_schema(document):
    found = list(_examples(document, document))
    assert len(found) >= 40  # request bodies, shared fields, the If-* headers and every common error
    for where, example, schema in found:
        validator = jsonschema_rs.Draft202012Validator({**schema, "components": document["components"]})
        assert validator.is_valid(example), f"{where}: {example!r} does not fit its schema"


def test_every_request_body_has_an_example(document):
    for name, _method, operation in operations(document):
        if "requestBody" in operation:
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
            assert schema.get("examples"), f"{name}: no example body"
