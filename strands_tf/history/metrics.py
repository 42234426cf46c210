"""Deployment metrics (opt-in, `history.metrics: true`): each deployment's duration, outcome and resource
counts as custom CloudWatch metrics, so teams can graph and alarm on their own deployments.

Namespace `StrandsTF/Deployments`, dimensions `Project` and `Environment` (and `Command` on the outcome),
published with the environment's credentials once the deployment's record is built. The identity that
deploys needs `cloudwatch:PutMetricData`. A failure to publish is a warning, never a failed deployment.
"""

from __future__ import annotations

import logging
from typing import Any

from strands_tf.history.models import RecordMetadata

log = logging.getLogger(__name__)

NAMESPACE = "StrandsTF/Deployments"


def metric_data(metadata: RecordMetadata) -> list[dict[str, Any]]:
    """The PutMetricData entries of one deployment record."""
    where = [{"Name": "Project", "Value": metadata.project}, {"Name": "Environment", "Value": metadata.environment}]
    with_command = [*where, {"Name": "Command", "Value": metadata.command}]
    succeeded = metadata.status == "succeeded"
    data: list[dict[str, Any]] = [
        {"MetricName": "DeploymentSucceeded", "Dimensions": with_command, "Value": 1 if succeeded else 0,
         "Unit": "Count"},
        {"MetricName": "DeploymentFailed", "Dimensions": with_command, "Value": 0 if succeeded else 1,
         "Unit": "Count"},
    ]  # fmt: skip
    if metadata.duration_seconds is not None:
        data.append(
            {"MetricName": "DeploymentDuration", "Dimensions": with_command, "Value": metadata.duration_seconds,
             "Unit": "Seconds"}
        )  # fmt: skip
    changes = metadata.changes
    for name, refs in (
        ("ResourcesCreated", changes.created),
        ("ResourcesUpdated", changes.updated),
        ("ResourcesReplaced", changes.replaced),
        ("ResourcesDeleted", changes.deleted),
    ):
        data.append({"MetricName": name, "Dimensions": where, "Value": len(refs), "Unit": "Count"})
    return data


def publish_deployment_metrics(
    metadata: RecordMetadata, resolved: Any, *, factory: Any = None, endpoint_url: str | None = None
) -> str | None:
    """Publish the record's metrics; returns a warning when they could not be published (None when they were)."""
    from strands_tf.aws.session import default_factory
    from strands_tf.aws.target import target_for_environment
    from strands_tf.errors import StrandsError

    emulator = resolved.environment.target == "emulator"
    if emulator and not endpoint_url:
        return "deployment metrics: the emulator is not running, nothing was published"
    try:
        target = target_for_environment(resolved, endpoint_url=endpoint_url if emulator else None)
        client = (factory or default_factory()).client("cloudwatch", target)
        client.put_metric_data(Namespace=NAMESPACE, MetricData=metric_data(metadata))
    except StrandsError as exc:
        return f"deployment metrics were not published: {exc.summary}"
    except Exception as exc:  # botocore's own errors: a warning, the deployment stands
        log.debug("publishing deployment metrics failed", exc_info=True)
        return f"deployment metrics were not published: {type(exc).__name__}: {exc}"
    return None
