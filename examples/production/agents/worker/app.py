"""A Strands agent that triages messages from an SQS queue.

Each message body is JSON {"ticket_id": "...", "text": "..."}. The agent classifies it; the result is
written to the DynamoDB table named by $TICKETS_TABLE and urgent tickets are published to the SNS topic
in $ESCALATIONS_TOPIC_ARN. Failed messages are reported back to SQS one by one (partial batch response),
so one bad message does not send the whole batch back to the queue.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "info").upper())

SYSTEM_PROMPT = (
    "You triage support tickets. Reply with exactly one word: urgent, normal or spam. "
    "Urgent means an outage, a security problem or a customer who cannot work."
)
LABELS = ("urgent", "normal", "spam")

_agent: Any = None
_clients: dict[str, Any] = {}


def build_agent(model: Any = None) -> Any:
    """Create the Strands agent; `model` defaults to Bedrock with the model id from $STRANDS_MODEL_ID."""
    from strands import Agent
    from strands.models import BedrockModel

    if model is None:
        model = BedrockModel(model_id=os.environ.get("STRANDS_MODEL_ID", "us.anthropic.claude-sonnet-4-20250514-v1:0"))
    return Agent(model=model, system_prompt=SYSTEM_PROMPT, callback_handler=None)


def get_agent() -> Any:
    """One agent per Lambda execution environment, created on first use."""
    global _agent
    if _agent is None:
        _agent = build_agent()
    return _agent


def client(service: str) -> Any:
    """A cached boto3 client (created on first use so tests can run without AWS)."""
    if service not in _clients:
        import boto3

        _clients[service] = boto3.client(service)
    return _clients[service]


def classify(text: str) -> str:
    """Ask the agent for a label; anything unexpected counts as normal."""
    answer = str(get_agent()(f"Ticket:\n{text}")).strip().lower()
    return next((label for label in LABELS if label in answer), "normal")


def process(record: dict[str, Any]) -> str:
    """Triage one SQS record and store the result; returns the label."""
    ticket = json.loads(record["body"])
    ticket_id, text = str(ticket["ticket_id"]), str(ticket["text"])
    label = classify(text)
    table = os.environ.get("TICKETS_TABLE")
    if table:
        client("dynamodb").put_item(
            TableName=table,
            Item={
                "ticket_id": {"S": ticket_id},
                "created_at": {"N": str(int(time.time()))},
                "label": {"S": label},
            },
        )
    topic = os.environ.get("ESCALATIONS_TOPIC_ARN")
    if label == "urgent" and topic:
        client("sns").publish(TopicArn=topic, Subject="Urgent ticket", Message=json.dumps(ticket))
    return label


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point for an SQS event source mapping with ReportBatchItemFailures."""
    failures = []
    for record in event.get("Records", []):
        try:
            label = process(record)
            logger.info("ticket message=%s label=%s", record.get("messageId"), label)
        except Exception:
            logger.exception("failed message=%s", record.get("messageId"))
            failures.append({"itemIdentifier": record.get("messageId")})
    return {"batchItemFailures": failures}
