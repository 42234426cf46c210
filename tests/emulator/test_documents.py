"""JSON documents in attributes compared as hashicorp/aws compares them (policies vs plain JSON).

Each case is a pair a real AWS API hands back for what was sent (or a change that must stay a change).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from strands_tf.emulator.provider.documents import json_equivalent, policies_equivalent
from strands_tf.emulator.provider.planning import plan_resource
from strands_tf.emulator.provider.resources.base import ResourceHandler
from strands_tf.emulator.provider.schema import conform_block

ARN = "arn:aws:sqs:us-east-1:123456789012:q"


def _policy(*statements: dict[str, Any], **top: Any) -> str:
    return json.dumps({"Version": "2012-10-17", **top, "Statement": list(statements)})


def _stmt(**kw: Any) -> dict[str, Any]:
    return {"Sid": "S", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": ARN, **kw}


EQUIVALENT = {
    "whitespace and key order": (_policy(_stmt()), json.dumps(json.loads(_policy(_stmt())), indent=2, sort_keys=True)),
    "one action as a list": (_policy(_stmt()), _policy(_stmt(Action=["sqs:SendMessage"]))),
    "actions in another order": (
        _policy(_stmt(Action=["sqs:A", "sqs:B"])),
        _policy(_stmt(Action=["sqs:B", "sqs:A"])),
    ),
    "statements in another order": (
        _policy(_stmt(Sid="A"), _stmt(Sid="B")),
        _policy(_stmt(Sid="B"), _stmt(Sid="A")),
    ),
    "a single statement object": (
        _policy(_stmt()),
        json.dumps({"Version": "2012-10-17", "Statement": _stmt()}),
    ),
    "effect case": (_policy(_stmt(Effect="Allow")), _policy(_stmt(Effect="allow"))),
    "account id as its root ARN": (
        _policy(_stmt(Principal={"AWS": "123456789012"})),
        _policy(_stmt(Principal={"AWS": "arn:aws:iam::123456789012:root"})),
    ),
    "condition value as text": (
        _policy(_stmt(Condition={"Bool": {"aws:SecureTransport": False}})),
        _policy(_stmt(Condition={"Bool": {"aws:SecureTransport": ["false"]}})),
    ),
    "empty and {}": ("", "{}"),
}

DIFFERENT = {
    "another action": (_policy(_stmt()), _policy(_stmt(Action="sqs:DeleteMessage"))),
    "another version": (_policy(_stmt()), _policy(_stmt()).replace("2012-10-17", "2008-10-17")),
    "an Id added": (_policy(_stmt()), _policy(_stmt(), Id="x")),
    "another Sid": (_policy(_stmt()), _policy(_stmt(Sid="T"))),
    "a statement more": (_policy(_stmt()), _policy(_stmt(), _stmt(Sid="T"))),
    "a duplicated statement is still one more": (_policy(_stmt(), _stmt()), _policy(_stmt())),
    "another account": (
        _policy(_stmt(Principal={"AWS": "123456789012"})),
        _policy(_stmt(Principal={"AWS": "arn:aws:iam::210987654321:root"})),
    ),
    "a wildcard principal string vs map": (_policy(_stmt(Principal="*")), _policy(_stmt(Principal={"AWS": "*"}))),
    "two different string principals": (
        _policy(_stmt(Principal="*")),
        _policy(_stmt(Principal="arn:aws:iam::123456789012:root")),
    ),
    "a condition dropped": (_policy(_stmt(Condition={"Bool": {"aws:SecureTransport": "false"}})), _policy(_stmt())),
    "not JSON": (_policy(_stmt()), "not json"),
}


@pytest.mark.parametrize("pair", EQUIVALENT.values(), ids=list(EQUIVALENT))
def test_equivalent_policies(pair: tuple[str, str]) -> None:
    assert policies_equivalent(*pair) and policies_equivalent(*reversed(pair))


@pytest.mark.parametrize("pair", DIFFERENT.values(), ids=list(DIFFERENT))
def test_different_policies(pair: tuple[str, str]) -> None:
    assert not policies_equivalent(*pair) and not policies_equivalent(*reversed(pair))


def test_plain_json_ignores_layout_but_keeps_order_and_types() -> None:
    assert json_equivalent('{"a": 1, "b": [1, 2]}', '{\n  "b": [1, 2],\n  "a": 1\n}')
    assert not json_equivalent('{"b": [1, 2]}', '{"b": [2, 1]}')  # list order is meaningful in plain JSON
    assert not json_equivalent('{"b": [1]}', '{"b": 1}')  # only policies treat one-element lists as scalars
    assert not json_equivalent('{"b": true}', '{"b": 1}')
    assert json_equivalent("not json", "not json") and not json_equivalent("x", "y")
    assert json_equivalent(None, None) and not json_equivalent(None, "{}")


_BLOCK: dict[str, Any] = {
    "attributes": {
        "id": {"type": "string", "computed": True},
        "name": {"type": "string", "required": True},
        "policy": {"type": "string", "optional": True, "computed": True},
        "redrive_policy": {"type": "string", "optional": True, "computed": True},
    },
    "block_types": {},
}


class _Queue(ResourceHandler):
    type_name = "aws_queue_like"
    policy_attrs = frozenset({"policy"})
    json_attrs = frozenset({"redrive_policy"})

    def create(self, planned: Any, config: Any) -> Any:
        raise AssertionError("planning only")

    def read(self, state: Any) -> Any:
        raise AssertionError("planning only")

    def update(self, prior: Any, planned: Any, config: Any) -> Any:
        raise AssertionError("planning only")

    def delete(self, state: Any) -> None:
        raise AssertionError("planning only")


def _plan(prior: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    from strands_tf.emulator.provider.aws import AwsContext

    prior_state, cfg = conform_block(_BLOCK, prior), conform_block(_BLOCK, config)
    proposed = {**prior_state, **{k: v for k, v in cfg.items() if v is not None}}
    planned = plan_resource(_Queue(AwsContext.from_config({"region": "us-east-1"})), _BLOCK, prior_state, proposed, cfg)
    assert planned.planned is not None
    return planned.planned


def test_an_equivalent_policy_keeps_the_prior_string_and_plans_no_change() -> None:
    """Regression: AWS hands back an account id principal as its root ARN; that is no change (real provider)."""
    stored = _policy(_stmt(Principal={"AWS": "arn:aws:iam::123456789012:root"}, Effect="allow"))
    written = _policy(_stmt(Principal={"AWS": "123456789012"}))
    planned = _plan({"id": "q", "name": "q", "policy": stored}, {"name": "q", "policy": written})
    assert planned["policy"] == stored


def test_a_reordered_plain_json_list_is_a_change() -> None:
    """Regression: non-policy JSON was compared like a policy (list order ignored), hiding a real change."""
    prior = '{"deadLetterTargetArns": ["a", "b"]}'
    wanted = '{"deadLetterTargetArns": ["b", "a"]}'
    planned = _plan({"id": "q", "name": "q", "redrive_policy": prior}, {"name": "q", "redrive_policy": wanted})
    assert planned["redrive_policy"] == wanted
