"""A Strands agent behind an HTTP API (API Gateway v2) or a direct Lambda invoke.

POST /chat {"prompt": "...", "session_id": "..."} -> {"reply": "...", "session_id": "..."}
GET /health -> {"status": "ok"}
"""

from __future__ import annotations

import base64
import json
import logging
import os
import time
import uuid
from typing import Any

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "info").upper())

SYSTEM_PROMPT = (
    "You are a concise, friendly assistant. Answer in plain language. "
    "Use the tools you have when they help; say so when you do not know."
)
MAX_PROMPT_CHARS = 8000

_agent: Any = None


def build_agent(model: Any = None) -> Any:
    """Create the Strands agent; `model` defaults to Bedrock with the model id from $STRANDS_MODEL_ID."""
    from strands import Agent
    from strands.models import BedrockModel
    from tools import current_time

    if model is None:
        model = BedrockModel(model_id=os.environ.get("STRANDS_MODEL_ID", "us.anthropic.claude-sonnet-4-20250514-v1:0"))
    return Agent(model=model, system_prompt=SYSTEM_PROMPT, tools=[current_time], callback_handler=None)


def get_agent() -> Any:
    """One agent per Lambda execution environment, created on first use (keeps cold starts short)."""
    global _agent
    if _agent is None:
        _agent = build_agent()
    return _agent


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def _request_body(event: dict[str, Any]) -> dict[str, Any]:
    if "body" not in event:  # direct invoke: the event is the request
        return event
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8")
    data = json.loads(raw) if raw else {}
    if not isinstance(data, dict):
        raise ValueError("the request body must be a JSON object")
    return data


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point."""
    route = event.get("routeKey", "POST /chat")
    if route == "GET /health":
        return _response(200, {"status": "ok"})
    try:
        body = _request_body(event)
    except (ValueError, UnicodeDecodeError) as exc:
        return _response(400, {"error": f"invalid JSON body: {exc}"})
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return _response(400, {"error": 'send {"prompt": "your question"}'})
    if len(prompt) > MAX_PROMPT_CHARS:
        return _response(413, {"error": f"prompt longer than {MAX_PROMPT_CHARS} characters"})
    session_id = str(body.get("session_id") or uuid.uuid4())
    started = time.monotonic()
    result = get_agent()(prompt)
    logger.info("answered session=%s in %.0f ms", session_id, (time.monotonic() - started) * 1000)
    return _response(200, {"reply": str(result).strip(), "session_id": session_id})
