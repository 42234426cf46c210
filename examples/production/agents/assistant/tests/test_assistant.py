"""Tests of the agent's handler with a scripted model: no AWS, no network."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import AsyncIterator
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
        self.prompts: list[Any] = []

    def update_config(self, **config: Any) -> None:
        pass

    def get_config(self) -> dict[str, Any]:
        return {}

    async def structured_output(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        raise AssertionError("structured output is not used by this agent")
        yield

    async def stream(self, messages: Any, tool_specs: Any = None, system_prompt: Any = None, **kwargs: Any):
        self.prompts.append(messages[-1])
        text = self.replies.pop(0)
        yield {"messageStart": {"role": "assistant"}}
        yield {"contentBlockStart": {"start": {}}}
        yield {"contentBlockDelta": {"delta": {"text": text}}}
        yield {"contentBlockStop": {}}
        yield {"messageStop": {"stopReason": "end_turn"}}


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> ScriptedModel:
    scripted = ScriptedModel(["Hello from the agent."])
    monkeypatch.setattr(app, "_agent", app.build_agent(model=scripted))
    return scripted


def test_chat_returns_the_agent_reply(model: ScriptedModel) -> None:
    event = {"routeKey": "POST /chat", "body": json.dumps({"prompt": "Hi!", "session_id": "s1"})}
    response = app.handler(event, None)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"reply": "Hello from the agent.", "session_id": "s1"}
    assert model.prompts[0]["content"][0]["text"] == "Hi!"


def test_direct_invoke(model: ScriptedModel) -> None:
    response = app.handler({"prompt": "Hi!"}, None)
    assert json.loads(response["body"])["reply"] == "Hello from the agent."


def test_missing_prompt_is_a_400(model: ScriptedModel) -> None:
    response = app.handler({"routeKey": "POST /chat", "body": "{}"}, None)
    assert response["statusCode"] == 400
    assert model.prompts == []


def test_invalid_json_is_a_400(model: ScriptedModel) -> None:
    response = app.handler({"routeKey": "POST /chat", "body": "{not json"}, None)
    assert response["statusCode"] == 400


def test_health_needs_no_model() -> None:
    assert app.handler({"routeKey": "GET /health"}, None)["statusCode"] == 200
