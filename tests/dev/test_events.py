"""API Gateway v2 events and response mapping, SQS batches and partial batch responses, log redaction."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from strands_tf.dev import apigw, sqs
from strands_tf.dev.requestlog import RequestRecord
from strands_tf.errors import UserError

ROUTES = apigw.routes_for(
    [
        ("a", ["GET /items/{id}", "GET /items/special", "ANY /files/{proxy+}", "POST /chat"]),
        ("b", ["ANY /items/{id}", "$default"]),
    ]
)


@pytest.mark.parametrize(
    ("method", "path", "route", "params"),
    [
        ("GET", "/items/special", "GET /items/special", {}),
        ("GET", "/items/42", "GET /items/{id}", {"id": "42"}),
        ("DELETE", "/items/42", "ANY /items/{id}", {"id": "42"}),
        ("PUT", "/files/a/b%20c.txt", "ANY /files/{proxy+}", {"proxy": "a/b c.txt"}),
        ("POST", "/chat", "POST /chat", {}),
        ("GET", "/chat", "$default", {}),
        ("POST", "/chat/", "$default", {}),
        ("GET", "/files", "$default", {}),
    ],
)
def test_route_selection_prefers_the_most_specific(method: str, path: str, route: str, params: dict) -> None:
    chosen, found = apigw.select_route(ROUTES, method, path)  # type: ignore[misc]
    assert (chosen.key, found) == (route, params)


def test_no_route_and_no_default_is_none() -> None:
    assert apigw.select_route(apigw.routes_for([("a", ["POST /chat"])]), "GET", "/chat") is None


def test_event_has_the_payload_format_2_0_shape() -> None:
    request = apigw.HttpRequest(
        "POST",
        "/items/7",
        "a=1&a=2&b=%20x",
        [("Content-Type", "application/json"), ("X-Multi", "1"), ("x-multi", "2"), ("Cookie", "s=1; t=2")],
        b'{"k": 1}',
    )
    route = apigw.Route.parse("ANY /items/{id}", "b")
    event = apigw.build_event(request, route, {"id": "7"}, request_id="rid", now=1_700_000_000.5)
    assert event["version"] == "2.0" and event["routeKey"] == "ANY /items/{id}"
    assert event["rawPath"] == "/items/7" and event["rawQueryString"] == "a=1&a=2&b=%20x"
    assert event["headers"] == {"content-type": "application/json", "x-multi": "1,2"}
    assert event["cookies"] == ["s=1", "t=2"]
    assert event["queryStringParameters"] == {"a": "1,2", "b": " x"}
    assert event["pathParameters"] == {"id": "7"}
    assert event["body"] == '{"k": 1}' and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"]["method"] == "POST" and context["requestId"] == "rid" and context["stage"] == "$default"
    assert context["timeEpoch"] == 1_700_000_000_500


def test_binary_body_is_base64_and_empty_parts_are_left_out() -> None:
    request = apigw.HttpRequest("POST", "/chat", "", [("content-type", "image/png")], b"\x89PNG")
    event = apigw.build_event(request, apigw.Route.parse("POST /chat", "a"), {})
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x89PNG"
    assert "queryStringParameters" not in event and "pathParameters" not in event and "cookies" not in event
    empty = apigw.build_event(apigw.HttpRequest("GET", "/x"), apigw.Route.parse("GET /x", "a"), {})
    assert "body" not in empty and empty["isBase64Encoded"] is False


def test_response_mapping_follows_api_gateway() -> None:
    plain = apigw.map_response({"hello": "world"})
    assert (plain.status, plain.body, plain.headers) == (
        200,
        b'{"hello": "world"}',
        [("content-type", "application/json")],
    )
    assert apigw.map_response("text").body == b"text"
    full = apigw.map_response({"statusCode": 201, "headers": {"X-A": 1, "B": True}, "cookies": ["c=1"], "body": "made"})
    assert full.status == 201 and full.body == b"made"
    assert full.headers == [("x-a", "1"), ("b", "true"), ("set-cookie", "c=1")]
    binary = apigw.map_response({"statusCode": 200, "body": base64.b64encode(b"\x00\x01").decode(),
                                 "isBase64Encoded": True})  # fmt: skip
    assert binary.body == b"\x00\x01"


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        ({"statusCode": "abc"}, "statusCode must be an integer"),
        ({"statusCode": 200, "body": {"a": 1}}, "body must be a string"),
        ({"statusCode": 200, "body": "%%%", "isBase64Encoded": True}, "not valid base64"),
        ({"statusCode": 999}, "not an HTTP status"),
    ],
)
def test_malformed_results_are_the_500_api_gateway_returns(result: dict, reason: str) -> None:
    response = apigw.map_response(result)
    assert response.status == 500 and json.loads(response.body) == apigw.INTERNAL_ERROR
    assert response.mapping_error is not None and reason in response.mapping_error


def test_cors_preflight_and_headers() -> None:
    cors = apigw.Cors(("http://localhost:3000",), ("GET", "POST"), ("content-type",), ("x-id",), 60, False)
    ask = apigw.HttpRequest("OPTIONS", "/chat", headers=[("Origin", "http://localhost:3000"),
                                                          ("Access-Control-Request-Method", "POST")])  # fmt: skip
    answer = apigw.preflight(ask, cors)
    assert answer is not None and answer.status == 204
    assert ("access-control-allow-origin", "http://localhost:3000") in answer.headers
    stranger = apigw.HttpRequest("OPTIONS", "/chat", headers=[("Origin", "https://evil.example"),
                                                              ("Access-Control-Request-Method", "POST")])  # fmt: skip
    assert apigw.preflight(stranger, cors).headers == []  # type: ignore[union-attr]
    response = apigw.HttpResponse(200)
    apigw.add_cors_headers(response, apigw.HttpRequest("GET", "/", headers=[("origin", "http://localhost:3000")]), cors)
    assert dict(response.headers) == {"access-control-allow-origin": "http://localhost:3000",
                                      "access-control-expose-headers": "x-id"}  # fmt: skip


def test_jwt_authorizer_needs_a_token_and_passes_its_claims() -> None:
    claims = base64.urlsafe_b64encode(json.dumps({"sub": "u1", "scope": "read write"}).encode()).decode().rstrip("=")
    ok, authorizer = apigw.authorize(apigw.HttpRequest("GET", "/", headers=[("authorization", f"Bearer h.{claims}.s")]),
                                     "jwt")  # fmt: skip
    assert ok and authorizer == {"jwt": {"claims": {"sub": "u1", "scope": "read write"}, "scopes": ["read", "write"]}}
    assert apigw.authorize(apigw.HttpRequest("GET", "/"), "jwt") == (False, None)
    assert apigw.authorize(apigw.HttpRequest("GET", "/"), "iam") == (True, None)


def test_sqs_event_and_partial_batch_outcomes(tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"a": 1}\n"plain text"\n\n{"body": {"b": 2}, "messageId": "m3"}\n')
    messages = sqs.load_messages(batch)
    assert [m.body for m in messages] == ['{"a": 1}', "plain text", '{"b": 2}']
    event = sqs.build_event(messages, queue_arn="arn:aws:sqs:us-east-1:111122223333:q", region="us-east-1")
    record = event["Records"][2]
    assert record["messageId"] == "m3" and record["eventSource"] == "aws:sqs"
    assert record["attributes"]["SenderId"] == "111122223333"
    ids = [m.message_id for m in messages]
    assert sqs.batch_outcome(ids, {"batchItemFailures": [{"itemIdentifier": "m3"}]}).failed == ["m3"]
    assert sqs.batch_outcome(ids, {"batchItemFailures": []}).succeeded == ids
    assert sqs.batch_outcome(ids, None).succeeded == ids
    unknown = sqs.batch_outcome(ids, {"batchItemFailures": [{"itemIdentifier": "nope"}]})
    assert unknown.whole_batch_failed and unknown.failed == ids and "nope" in (unknown.reason or "")
    raised = sqs.batch_outcome(ids, None, error="ValueError: x")
    assert raised.whole_batch_failed and raised.succeeded == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("[1, 2", "batch.json:1:6: not valid JSON"),
        ("[]", "no messages"),
        ('[{"body": 1, "extra": 2}]', "unknown key(s) extra"),
        ('[{"body": "a", "messageId": "x"}, {"body": "b", "messageId": "x"}]', "share a messageId"),
    ],
)
def test_bad_batch_files_are_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    batch = tmp_path / "batch.json"
    batch.write_text(content)
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        sqs.load_messages(batch)
    with pytest.raises(UserError, match="no such file"):
        sqs.load_messages(tmp_path / "missing.json")


def test_request_record_redacts_credentials() -> None:
    record = RequestRecord(
        "r", "a", "http", 200, 1.0, 0, 0, query="token=abc123&page=2&api_key=k1",
        request_headers={"authorization": "Bearer abc123", "cookie": "s=abc123", "accept": "*/*"},
        response_headers={"set-cookie": "s=abc123"},
    )  # fmt: skip
    text = json.dumps(record.to_json())
    assert "abc123" not in text and "k1" not in text
    assert record.to_json()["query"] == "token=(redacted)&page=2&api_key=(redacted)"
    assert record.to_json()["request_headers"]["accept"] == "*/*"
