"""SQS batch events as Lambda's event source mapping sends them, and what Lambda makes of the answer.

With ReportBatchItemFailures, Lambda deletes the messages the function did not list in `batchItemFailures`
and makes the listed ones visible again; an exception, or a response it cannot read, fails the whole batch
("Handling errors for an SQS event source in Lambda", "Implementing partial batch responses").
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strands_tf.errors import UserError
from strands_tf.inputfile import MAX_EVENT_BYTES, InputFileError, json_input_error, loads_json, read_input


@dataclass(frozen=True)
class SqsMessage:
    """One message of a batch file."""

    body: str
    message_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    message_attributes: dict[str, Any] = field(default_factory=dict)
    group_id: str | None = None


def load_messages(path: Path) -> list[SqsMessage]:
    """Messages from a file: a JSON array, or JSON Lines (one message per line).

    Each item is a message body (a string is sent as it is, anything else as its JSON), or an object with
    `body` and optionally `messageId`, `messageAttributes` and `messageGroupId` (FIFO queues).
    """
    try:
        text = read_input(path, MAX_EVENT_BYTES).decode("utf-8")
    except InputFileError as exc:
        if exc.reason == "missing":
            raise UserError(f"{path}: no such file", hint="pass a JSON array or JSON Lines file of messages") from None
        raise UserError(exc.summary, hint=exc.hint) from None
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: cannot be read: {exc}") from None
    stripped = text.strip()
    if not stripped:
        raise UserError(f"{path}: the file is empty", hint='write messages as a JSON array, e.g. [{"text": "hi"}]')
    items: list[Any]
    if stripped.startswith("["):
        try:
            items = loads_json(stripped)
        except ValueError as exc:
            hint = "fix the JSON array of messages (or write one JSON value per line)"
            raise UserError(json_input_error(path, exc).summary, hint=hint) from None
    else:
        items = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append(loads_json(line))
            except ValueError as exc:
                problem = json_input_error(path, exc)
                where = f"{path}:{number}:{problem.column}" if problem.column is not None else f"{path}:{number}"
                raise UserError(
                    f"{where}: {problem.problem}", hint="each line of a JSON Lines file is one message (a JSON value)"
                ) from None
    messages = [_message(item, path, index) for index, item in enumerate(items)]
    if not messages:
        raise UserError(f"{path}: no messages", hint="an SQS batch has at least one message")
    if len(messages) > 10_000:
        raise UserError(f"{path}: {len(messages)} messages; an SQS batch holds at most 10000")
    ids = [m.message_id for m in messages]
    if len(set(ids)) != len(ids):
        raise UserError(f"{path}: two messages share a messageId", hint="give every message its own messageId")
    return messages


def _message(item: Any, path: Path, index: int) -> SqsMessage:
    if isinstance(item, dict) and "body" in item:
        unknown = set(item) - {"body", "messageId", "messageAttributes", "messageGroupId"}
        if unknown:
            raise UserError(
                f"{path}: message {index}: unknown key(s) {', '.join(sorted(unknown))}",
                hint="a message object has body and optionally messageId, messageAttributes, messageGroupId",
            )
        body = item["body"]
        attributes = item.get("messageAttributes") or {}
        if not isinstance(attributes, dict):
            raise UserError(f"{path}: message {index}: messageAttributes must be an object")
        return SqsMessage(
            body if isinstance(body, str) else json.dumps(body),
            str(item.get("messageId") or uuid.uuid4()),
            attributes,
            item.get("messageGroupId"),
        )
    return SqsMessage(item if isinstance(item, str) else json.dumps(item))


def build_event(
    messages: Sequence[SqsMessage], *, queue_arn: str, region: str, fifo: bool = False, now: float | None = None
) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping delivers for one batch."""
    millis = str(int((time.time() if now is None else now) * 1000))
    account = queue_arn.split(":")[4] if queue_arn.count(":") >= 5 else "123456789012"
    records = []
    for position, message in enumerate(messages):
        attributes = {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": millis,
            "SenderId": account,
            "ApproximateFirstReceiveTimestamp": millis,
        }
        if fifo:
            attributes["SequenceNumber"] = f"{position + 1:020d}"
            attributes["MessageGroupId"] = message.group_id or "default"
            attributes["MessageDeduplicationId"] = hashlib.sha256(message.body.encode()).hexdigest()
        records.append(
            {
                "messageId": message.message_id,
                "receiptHandle": f"dev-{message.message_id}",
                "body": message.body,
                "attributes": attributes,
                "messageAttributes": message.message_attributes,
                "md5OfBody": hashlib.md5(message.body.encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


@dataclass(frozen=True)
class BatchOutcome:
    """Which messages Lambda would delete and which it would return to the queue, and why."""

    succeeded: list[str]
    failed: list[str]
    whole_batch_failed: bool = False
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "succeeded": self.succeeded,
            "failed": self.failed,
            "whole_batch_failed": self.whole_batch_failed,
            "reason": self.reason,
        }


def batch_outcome(message_ids: Sequence[str], result: Any, *, error: str | None = None) -> BatchOutcome:
    """Lambda's reading of a function's answer to a batch (ReportBatchItemFailures on)."""
    ids = list(message_ids)
    if error is not None:
        return BatchOutcome([], ids, True, f"the function failed: {error}")
    if result is None or result == {} or result == "":
        return BatchOutcome(ids, [])
    if not isinstance(result, dict):
        return BatchOutcome(ids, [])  # a response without batchItemFailures counts as full success
    failures = result.get("batchItemFailures")
    if failures is None:
        return BatchOutcome(ids, [])
    if not isinstance(failures, list):
        return BatchOutcome([], ids, True, "batchItemFailures is not a list: Lambda fails the whole batch")
    failed: list[str] = []
    for entry in failures:
        identifier = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not isinstance(identifier, str) or identifier not in ids:
            return BatchOutcome(
                [],
                ids,
                True,
                f"batchItemFailures names {identifier!r}, not a messageId of the batch: Lambda fails the whole batch",
            )
        if identifier not in failed:
            failed.append(identifier)
    return BatchOutcome([i for i in ids if i not in failed], failed)
