"""IAM actions of a service for the canvas's custom-permission picker, from botocore's service models on disk."""

from __future__ import annotations

import functools
from typing import Any

from strands_tf.errors import UserError
from strands_tf.model import iam

# canvas target kind -> (botocore service name, IAM action prefix)
SERVICES: dict[str, tuple[str, str]] = {
    "s3": ("s3", "s3"),
    "dynamodb": ("dynamodb", "dynamodb"),
    "sqs": ("sqs", "sqs"),
    "sns": ("sns", "sns"),
    "agent": ("lambda", "lambda"),
}

# API operations whose IAM action has another name (the IAM Service Authorization Reference)
_ACTION_OF_OPERATION: dict[str, dict[str, tuple[str, ...]]] = {
    "s3": {
        "ListObjects": ("ListBucket",),
        "ListObjectsV2": ("ListBucket",),
        "HeadBucket": ("ListBucket",),
        "HeadObject": ("GetObject",),
        "ListObjectVersions": ("ListBucketVersions",),
        "ListMultipartUploads": ("ListBucketMultipartUploads",),
        "CreateMultipartUpload": ("PutObject",),
        "UploadPart": ("PutObject",),
        "UploadPartCopy": ("PutObject", "GetObject"),
        "CompleteMultipartUpload": ("PutObject",),
        "CopyObject": ("PutObject", "GetObject"),
        "DeleteObjects": ("DeleteObject",),
        "ListParts": ("ListMultipartUploadParts",),
    },
    "lambda": {
        "Invoke": ("InvokeFunction",),
        "InvokeAsync": ("InvokeFunction",),
        "InvokeWithResponseStream": ("InvokeFunction",),
    },
}

_READ_PREFIXES = ("Get", "List", "Describe", "Query", "Scan", "BatchGet", "Head", "Receive", "Select")


@functools.lru_cache(maxsize=8)
def _operations(service: str) -> tuple[str, ...]:
    import botocore.session

    session = botocore.session.get_session()
    return tuple(session.get_service_model(service).operation_names)


def actions_for(kind: str) -> dict[str, Any]:
    """Every IAM action of the service behind a target kind, with the access templates that include it."""
    if kind not in SERVICES:
        raise UserError(f"no IAM actions for '{kind}'", hint=f"one of: {', '.join(SERVICES)}")
    service, prefix = SERVICES[kind]
    names: dict[str, set[str]] = {}
    for operation in _operations(service):
        for action in _ACTION_OF_OPERATION.get(service, {}).get(operation, (operation,)):
            names.setdefault(f"{prefix}:{action}", set()).add(operation)
    templates: dict[str, list[str]] = {}
    for (template_kind, access), actions in iam.ACTIONS.items():
        if template_kind != kind:
            continue
        templates[access] = list(actions)
        for action in actions:
            names.setdefault(action, set())
    rows = []
    for action in sorted(names):
        verb = action.split(":", 1)[1]
        rows.append(
            {
                "action": action,
                "operations": sorted(names[action]),
                "level": "read" if verb.startswith(_READ_PREFIXES) else "write",
                "templates": sorted(a for a, acts in templates.items() if action in acts),
            }
        )
    return {"kind": kind, "service": service, "prefix": prefix, "actions": rows, "templates": templates}
