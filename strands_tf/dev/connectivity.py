"""Before serving: one cheap call per injected resource with the agent's credentials, and the fix when it fails."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from strands_tf.dev.environment import AgentEnvironment, InjectedResource

# kind -> (service, operation label)
_CALLS: dict[str, tuple[str, str]] = {
    "dynamodb": ("dynamodb", "dynamodb:DescribeTable"),
    "s3": ("s3", "s3:HeadBucket"),
    "sqs": ("sqs", "sqs:GetQueueAttributes"),
    "sns": ("sns", "sns:GetTopicAttributes"),
    "agent": ("lambda", "lambda:GetFunctionConfiguration"),
    "model": ("bedrock", "bedrock:GetFoundationModel"),
}
# cross-region inference profile ids start with a geography (us.anthropic..., eu...., global....)
_PROFILE_PREFIXES = ("us.", "eu.", "apac.", "us-gov.", "global.", "jp.", "au.", "ca.")


@dataclass(frozen=True)
class Check:
    """One row of the connectivity table."""

    agent: str
    resource: str
    kind: str
    value: str | None
    call: str
    ok: bool
    detail: str
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "resource": self.resource,
            "kind": self.kind,
            "value": self.value,
            "call": self.call,
            "ok": self.ok,
            "detail": self.detail,
            "fix": self.fix,
        }


def _call(kind: str, client: Any, value: str) -> None:
    if kind == "dynamodb":
        client.describe_table(TableName=value)
    elif kind == "s3":
        client.head_bucket(Bucket=value)
    elif kind == "sqs":
        client.get_queue_attributes(QueueUrl=value, AttributeNames=["QueueArn"])
    elif kind == "sns":
        client.get_topic_attributes(TopicArn=value)
    elif kind == "agent":
        client.get_function_configuration(FunctionName=value)
    elif kind == "model":
        if value.startswith(_PROFILE_PREFIXES):
            client.get_inference_profile(inferenceProfileIdentifier=value)
        else:
            client.get_foundation_model(modelIdentifier=value)


def check_resource(
    agent: str,
    resource: InjectedResource,
    client_for: Callable[[str], Any],
    *,
    environment: str,
    as_role: bool,
) -> Check:
    """Call the resource once and explain a failure."""
    service, call = _CALLS[resource.kind]
    if resource.kind == "model" and resource.value and resource.value.startswith(_PROFILE_PREFIXES):
        call = "bedrock:GetInferenceProfile"
    if resource.value is None:
        return Check(
            agent, resource.resource, resource.kind, None, call, False,
            f"{resource.variable} is not set: '{resource.resource}' has no output in the state file of '{environment}'",
            f"deploy it: strands apply -e {environment}",
        )  # fmt: skip
    try:
        _call(resource.kind, client_for(service), resource.value)
    except Exception as exc:  # every failure becomes a row of the table, with its fix
        return _failed(agent, resource, call, exc, environment=environment, as_role=as_role)
    return Check(agent, resource.resource, resource.kind, resource.value, call, True, "reachable")


def _failed(
    agent: str, resource: InjectedResource, call: str, exc: Exception, *, environment: str, as_role: bool
) -> Check:
    from botocore import exceptions as bx

    from strands_tf.aws.errors import convert_aws_error, family

    code, status = "", None
    if isinstance(exc, bx.ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    kind = family(code, status) if code or status else ""
    converted = convert_aws_error(exc, operation=call)
    detail = f"{code}: {converted.summary}" if code else converted.summary
    if resource.kind == "model":
        fix = (
            f"request access to {resource.value} in the Bedrock console of this region, or use another model; "
            "offline: strands dev --model scripted"
        )
        if kind == "permissions":
            fix = f"allow {call} to your identity, or run with --model scripted"
    elif kind == "not_found":
        fix = f"'{resource.resource}' does not exist (any more) in '{environment}': strands apply -e {environment}"
    elif kind == "permissions":
        fix = (
            f"the agent's role may not call {call} on it: add {{resource: {resource.resource}, access: ...}} to "
            f"agents.{agent}.permissions and strands apply"
            if as_role
            else f"your identity may not call {call}: use a profile or role with access (strands doctor shows which)"
        )
    else:
        fix = converted.hint
    return Check(agent, resource.resource, resource.kind, resource.value, call, False, detail, fix)


def check_agents(
    environments: dict[str, AgentEnvironment],
    clients: Callable[[str, str], Any],
    *,
    environment: str,
    as_role: bool = False,
    model_check: bool = False,
) -> list[Check]:
    """Every agent's resources (and its Bedrock model when `model_check`), checked concurrently."""
    jobs: list[tuple[str, InjectedResource]] = []
    for name, env in environments.items():
        jobs.extend((name, resource) for resource in env.resources)
        if model_check and env.agent.model:
            jobs.append((name, InjectedResource("model", "model", "STRANDS_MODEL_ID", env.agent.model)))
    if not jobs:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(jobs))) as pool:
        futures = [
            pool.submit(
                check_resource,
                agent,
                resource,
                lambda service, agent=agent: clients(agent, service),
                environment=environment,
                as_role=as_role,
            )
            for agent, resource in jobs
        ]
        return [future.result() for future in futures]
