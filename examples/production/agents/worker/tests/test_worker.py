"""Tests of the triage handler with a scripted model and recorded AWS calls: no AWS, no network."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from strands.models.model import Model

AGENT_DIR = Path(__file__).resolve().parents[1]
# The agent imports its own modules by plain names (app, tools), as Lambda does from the code root. In a
# monorepo every agent has modules with those names, so load this agent's own and pin them for each test.
AGENT_MODULES = ("app", "tools")


def load_agent() -> ModuleType:
    """This agent's app module, fresh (not another agent's module cached under the same name)."""
    for name in AGENT_MODULES:
        sys.modules.pop(name, None)
    sys.path.insert(0, str(AGENT_DIR))
    try:
        return importlib.import_module("app")
    finally:
        sys.path.remove(str(AGENT_DIR))


app = load_agent()


@pytest.fixture(autouse=True)
def this_agents_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(AGENT_DIR))
    monkeypatch.setitem(sys.modules, "app", app)
    monkeypatch.delitem(sys.modules, "tools", raising=False)


class ScriptedModel(Model):
    """A model that streams fixed replies in the Bedrock ConverseStream event shape."""

    def __init__(self, replies: list[str]) -> None:
        self.replies = list(replies)

    def update_config(self, **config: Any) -> None:
        pass

    def get_config(self) -> dict[str, Any]:
        return {}

    async def structured_output(self, *args: Any, **kwargs: Any):
        raise AssertionError("structured output is not used by this agent")
        yield

    async def stream(self, messages: Any, tool_specs: Any = None, system_prompt: Any = None, **kwargs: Any):
        yield {"messageStart": {"role": "assistant"}}
        yield {"contentBlockStart": {"start": {}}}
        yield {"contentBlockDelta": {"delta": {"text": self.replies.pop(0)}}}
        yield {"contentBlockStop": {}}
        yield {"messageStop": {"stopReason": "end_turn"}}


class RecordingClient:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def put_item(self, **kwargs: Any) -> None:
        self.calls.append(("put_item", kwargs))

    def publish(self, **kwargs: Any) -> None:
        self.calls.append(("publish", kwargs))


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> RecordingClient:
    recorder = RecordingClient()
    monkeypatch.setattr(app, "_clients", {"dynamodb": recorder, "sns": recorder})
    monkeypatch.setenv("TICKETS_TABLE", "tickets")
    monkeypatch.setenv("ESCALATIONS_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:escalations")
    return recorder


def record(message_id: str, body: Any) -> dict[str, Any]:
    return {"messageId": message_id, "body": body if isinstance(body, str) else json.dumps(body)}


def test_urgent_ticket_is_stored_and_escalated(aws: RecordingClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app, "_agent", app.build_agent(model=ScriptedModel(["Urgent."])))
    result = app.handler({"Records": [record("m1", {"ticket_id": "T-1", "text": "Site is down"})]}, None)
    assert result == {"batchItemFailures": []}
    assert [name for name, _ in aws.calls] == ["put_item", "publish"]
    assert aws.calls[0][1]["Item"]["label"] == {"S": "urgent"}


def test_normal_ticket_is_not_escalated(aws: RecordingClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app, "_agent", app.build_agent(model=ScriptedModel(["normal"])))
    app.handler({"Records": [record("m1", {"ticket_id": "T-2", "text": "How do I export?"})]}, None)
    assert [name for name, _ in aws.calls] == ["put_item"]


def test_bad_message_is_reported_alone(aws: RecordingClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app, "_agent", app.build_agent(model=ScriptedModel(["spam"])))
    event = {"Records": [record("bad", "{not json"), record("ok", {"ticket_id": "T-3", "text": "buy now"})]}
    assert app.handler(event, None) == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    assert aws.calls[0][1]["Item"]["label"] == {"S": "spam"}
