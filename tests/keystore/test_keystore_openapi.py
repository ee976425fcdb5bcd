"""The OpenAPI document describes every route: request and response models, and the errors it declares."""

from __future__ import annotations

from typing import Any

from strongroom.keystore.app import create_app
from strongroom.kit.settings import Settings

# Errors every operation of a kind must declare.
AUTHENTICATED_ERRORS = {"401"}
PUBLIC_PATHS = {"/srp/username", "/srp/users", "/srp/challenges", "/srp/session", "/health", "/version"}


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, methods in schema["paths"].items() for method, op in methods.items()]


def test_every_operation_has_models_and_declared_errors(tmp_path: Any) -> None:
    schema = create_app(Settings(data_dir=tmp_path)).openapi()
    components = schema["components"]["schemas"]
    ops = operations(schema)
    # With PUT /users/me/credentials, PUT /key_encryption_key, GET /data_encryption_keys, and the session list
    # (GET /sessions, DELETE /sessions/{session_id}, DELETE /sessions).
    assert len(ops) == 33
    for path, method, op in ops:
        where = f"{method.upper()} {path}"
        responses = op["responses"]
        success = [code for code in responses if code.startswith("2")]
        assert len(success) == 1, where
        if success[0] != "204":
            content = responses[success[0]]["content"]["application/json"]["schema"]
            assert "$ref" in content, where
            assert content["$ref"].split("/")[-1] in components, where
        if method in ("post", "patch", "put") and path not in ("/srp/username",):
            body = op["requestBody"]["content"]["application/json"]["schema"]
            assert "$ref" in body, where
            assert "400" in responses, where
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorBody"), (where, code)
        if path not in PUBLIC_PATHS:
            assert set(responses) >= AUTHENTICATED_ERRORS, where
            assert op.get("security"), where
        if "{" in path:
            assert "404" in responses or path.startswith("/shared_keys"), where
            assert "422" in responses, where


def test_declared_errors_of_the_spec(tmp_path: Any) -> None:
    schema = create_app(Settings(data_dir=tmp_path)).openapi()
    declared = {(path, method): set(op["responses"]) for path, method, op in operations(schema)}
    assert {"409", "422"} <= declared[("/srp/users", "post")]
    assert {"401", "429"} <= declared[("/srp/session", "post")]
    assert {"429"} <= declared[("/srp/challenges", "post")]
    assert {"409"} <= declared[("/key_encryption_key", "post")]
    assert {"409"} <= declared[("/keypairs", "post")]
    assert {"409", "502", "503"} <= declared[("/external_admission_tokens", "get")]
    assert {"403", "404", "429"} <= declared[("/shared_keys/{external_id}/claim_key", "post")]
    assert {"404", "409"} <= declared[("/encryption_spaces", "post")]
