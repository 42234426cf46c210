"""Build the InfraGraph of a resolved project: modules for agents, resources, roles and the HTTP API."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from strands_tf.config.models import DynamoDbResource, S3Resource, SnsResource, SqsResource
from strands_tf.config.resolve import ResolvedAgent, ResolvedProject
from strands_tf.config.secrets import SECRETS_ENV_VAR
from strands_tf.cost.tags import TagManager
from strands_tf.errors import ConfigError, ConfigIssue
from strands_tf.model import artifacts, iam, network, observability
from strands_tf.model.graph import InfraGraph, Node, Output, Owner
from strands_tf.model.naming import aws_name, env_var_prefix, template_literal

PARTITION = "${data.aws_partition.partition.partition}"
DNS_SUFFIX = "${data.aws_partition.partition.dns_suffix}"
REGION = "${data.aws_region.region.region}"
ACCOUNT = "${data.aws_caller_identity.caller.account_id}"

# module output that holds a resource's ARN and the env var suffix + output giving its name
_RESOURCE_MODULES: dict[str, tuple[str, str, str, str]] = {
    # kind: (module, id prefix, arn output, (env suffix, output))
    "dynamodb": ("dynamodb-table", "table", "table_arn", "TABLE"),
    "s3": ("s3-bucket", "bucket", "bucket_arn", "BUCKET"),
    "sqs": ("sqs-queue", "queue", "queue_arn", "QUEUE_URL"),
    "sns": ("sns-topic", "topic", "topic_arn", "TOPIC_ARN"),
}
_ENV_VALUE_OUTPUT = {"dynamodb": "table_name", "s3": "bucket_name", "sqs": "queue_url", "sns": "topic_arn"}


@dataclass(frozen=True)
class AgentCode:
    """Where an agent's deployment artifacts are, relative to the stack directory."""

    filename: str
    source_code_hash: str
    layer_filename: str | None = None
    layer_source_code_hash: str | None = None
    # deploy through the artifacts bucket (a zip over Lambda's direct-upload limit, or package_upload: s3)
    store_on_s3: bool = False


@dataclass
class BuildOptions:
    """Inputs the graph needs besides the resolved configuration."""

    code: Mapping[str, AgentCode] = field(default_factory=dict)
    tool_version: str = "0.0.0"
    # which strands.yaml element each agent/resource came from, for error messages (kind, name) -> "file:line"
    locations: Mapping[tuple[str, str], tuple[str, int | None, int | None]] = field(default_factory=dict)


def module_id(kind: str, name: str) -> str:
    """Construct id of the module that realises a resource or agent (`table_tickets`, `agent_support`)."""
    prefix = _RESOURCE_MODULES[kind][1] if kind in _RESOURCE_MODULES else kind
    return f"{prefix}_{name}"


def function_name(project: ResolvedProject, agent: str) -> str:
    """The Lambda function name of an agent: `<project>-<env>-<agent>`."""
    return aws_name("lambda", project.project, project.environment.name, agent)


def function_arn(project: ResolvedProject, agent: str) -> str:
    """The function's ARN built from its name (no dependency on the agent's stack)."""
    return f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{function_name(project, agent)}"


def build_graph(project: ResolvedProject, options: BuildOptions | None = None) -> InfraGraph:
    """Translate a resolved project into modules, data sources and outputs (one environment)."""
    opts = options or BuildOptions()
    graph = InfraGraph(project.project, project.environment.name)
    issues: list[ConfigIssue] = []
    for data_id, tf_type in (
        ("caller", "aws_caller_identity"),
        ("partition", "aws_partition"),
        ("region", "aws_region"),
    ):
        graph.add(Node(data_id, "data", {}, Owner("project", project.project), tf_type=tf_type))
    for name, resource in project.resources.items():
        _add_resource(graph, project, name, resource)
    for agent in project.agents.values():
        _add_agent(graph, project, agent, opts, issues)
    network.add_network(graph, project, opts.locations, issues)
    uploading = artifacts.agents_uploading_to_s3(project, {n: c.store_on_s3 for n, c in opts.code.items()})
    artifacts.add_artifacts(graph, project, uploading, ACCOUNT, opts.locations, issues)
    _add_api(graph, project)
    observability.add_observability(graph, project, {name: function_name(project, name) for name in project.agents})
    if issues:
        raise ConfigError(issues)
    return graph


def _where(opts: BuildOptions, kind: str, name: str) -> tuple[str, int | None, int | None]:
    return opts.locations.get((kind, name), ("strands.yaml", None, None))


def _add_resource(
    graph: InfraGraph,
    project: ResolvedProject,
    name: str,
    resource: Any,
) -> None:
    env = project.environment.name
    owner = Owner("resource", name)
    tags = TagManager.resource_tags(name, {k: template_literal(v) for k, v in resource.tags.items()})
    node_id = module_id(resource.type, name)
    body: dict[str, Any]
    if isinstance(resource, DynamoDbResource):
        table = aws_name("dynamodb", project.project, env, name)
        body = {
            "name": table,
            "hash_key": template_literal(resource.hash_key),
            "hash_key_type": resource.hash_key_type,
            "billing_mode": "PROVISIONED" if resource.billing_mode == "provisioned" else "PAY_PER_REQUEST",
            "point_in_time_recovery": resource.point_in_time_recovery,
            "deletion_protection": resource.deletion_protection,
            "tags": tags,
        }
        if resource.range_key:
            body["range_key"] = template_literal(resource.range_key)
            body["range_key_type"] = resource.range_key_type
        if resource.billing_mode == "provisioned":
            body["read_capacity"] = resource.read_capacity
            body["write_capacity"] = resource.write_capacity
        if resource.ttl_attribute:
            body["ttl_attribute"] = template_literal(resource.ttl_attribute)
        if resource.stream:
            body["stream_view_type"] = resource.stream.upper()
        if resource.kms_key:
            body["kms_key_arn"] = resource.kms_key
        if resource.indexes:
            body["global_secondary_indexes"] = [
                {
                    "name": template_literal(idx.name),
                    "hash_key": template_literal(idx.hash_key),
                    "hash_key_type": idx.hash_key_type,
                    "range_key": template_literal(idx.range_key) if idx.range_key else None,
                    "range_key_type": idx.range_key_type,
                    "projection_type": idx.projection,
                }
                for idx in resource.indexes
            ]
        graph.add(Node(node_id, "module", body, owner, module="dynamodb-table"))
        _resource_outputs(graph, name, node_id, owner, [("table_name", "name"), ("table_arn", "ARN")])
    elif isinstance(resource, S3Resource):
        # bucket names are global: the account id keeps two accounts deploying one project apart. The
        # prefix is fitted to 50 characters first so "-<12-digit account id>" keeps the name within 63;
        # the interpolation itself must not go through the name sanitiser.
        bucket = resource.bucket_name or f"{aws_name('s3_prefix', project.project, env, name)}-{ACCOUNT}"
        body = {
            "bucket": bucket,
            "versioning": resource.versioning,
            "force_destroy": resource.force_destroy,
            "noncurrent_version_expiration_days": resource.noncurrent_expire_days,
            "tags": tags,
        }
        if resource.expire_days:
            body["lifecycle_expiration_days"] = resource.expire_days
        if resource.kms_key:
            body["kms_key_arn"] = resource.kms_key
        graph.add(Node(node_id, "module", body, owner, module="s3-bucket"))
        _resource_outputs(graph, name, node_id, owner, [("bucket_name", "name"), ("bucket_arn", "ARN")])
    elif isinstance(resource, SqsResource):
        queue = aws_name("sqs", project.project, env, name)
        body = {
            "name": queue,
            "fifo": resource.fifo,
            "visibility_timeout_seconds": resource.visibility_timeout,
            "message_retention_seconds": resource.message_retention,
            "delay_seconds": resource.delay_seconds,
            "receive_wait_time_seconds": resource.receive_wait_time,
            "create_dead_letter_queue": resource.dead_letter,
            "tags": tags,
        }
        if resource.dead_letter:
            body["max_receive_count"] = resource.max_receive_count
        if resource.kms_key:
            body["kms_master_key_id"] = resource.kms_key
        graph.add(Node(node_id, "module", body, owner, module="sqs-queue"))
        _resource_outputs(graph, name, node_id, owner, [("queue_url", "URL"), ("queue_arn", "ARN")])
    elif isinstance(resource, SnsResource):
        topic = aws_name("sns", project.project, env, name)
        body = {"name": topic, "fifo": resource.fifo, "kms_master_key_id": resource.kms_key, "tags": tags}
        graph.add(Node(node_id, "module", body, owner, module="sns-topic"))
        _resource_outputs(graph, name, node_id, owner, [("topic_arn", "ARN"), ("topic_name", "name")])
    else:  # pragma: no cover - the config model admits only the types above
        raise TypeError(f"unsupported resource type {type(resource).__name__}")


def _resource_outputs(graph: InfraGraph, name: str, node_id: str, owner: Owner, outputs: list[tuple[str, str]]) -> None:
    for module_output, label in outputs:
        graph.add_output(
            Output(
                f"{node_id}_{module_output.split('_', 1)[1]}",
                f"${{module.{node_id}.{module_output}}}",
                f"{label} of {owner.kind} {name}",
                owner,
            )
        )


def _log_group_arn(project: ResolvedProject, agent: str) -> str:
    return f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{function_name(project, agent)}:*"


def agent_policy(project: ResolvedProject, agent: ResolvedAgent) -> iam.PolicyBuilder:
    """Least-privilege statements for one agent: logs, tracing, triggers, DLQ, model and its permissions."""
    policy = iam.PolicyBuilder()
    policy.add("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], [_log_group_arn(project, agent.name)])
    if agent.tracing:
        # X-Ray has no resource-level permissions: "*" is the only resource these two actions accept
        policy.add("Tracing", ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], ["*"])
    if agent.dead_letter is not None:
        policy.add("DeadLetter", ["sqs:SendMessage"], [f"${{module.dlq_{agent.name}.queue_arn}}"])
    for trigger in agent.triggers:
        policy.add(
            f"Trigger {trigger.queue}",
            list(iam.ACTIONS[("sqs", "consume")]),
            [f"${{module.{module_id('sqs', trigger.queue)}.queue_arn}}"],
        )
        _kms_for(project, trigger.queue, "read", policy)
    if agent.model:
        arns, _kind = iam.model_resources(agent.model, partition=PARTITION, region=REGION, account=ACCOUNT)
        policy.add("Model", list(iam.BEDROCK_ACTIONS), arns)
    for perm in agent.permissions:
        target = project.resources.get(perm.resource)
        kind = target.type if target is not None else "agent"
        arn = (
            function_arn(project, perm.resource)
            if kind == "agent"
            else f"${{module.{module_id(kind, perm.resource)}.{_RESOURCE_MODULES[kind][2]}}}"
        )
        if perm.actions is not None:
            actions = tuple(perm.actions)
            if any(a == "*" or a.endswith(":*") for a in actions):
                policy.warnings.append(
                    f"agent '{agent.name}' is granted wildcard actions {', '.join(a for a in actions if '*' in a)} "
                    f"on '{perm.resource}'; prefer an access template (read, write, ...)"
                )
        else:
            actions = iam.ACTIONS[(kind, perm.access or "")]
        policy.add(f"{perm.access or 'actions'} {perm.resource}", actions, iam.resource_arns_for(kind, arn, actions))
        if target is not None:
            _kms_for(project, perm.resource, perm.access or "read_write", policy)
    if agent.secrets:
        grants = [
            iam.secret_grant(ref, partition=PARTITION, region=REGION, account=ACCOUNT, dns_suffix=DNS_SUFFIX)
            for ref in agent.secrets.values()
        ]
        iam.add_secret_statements(policy, grants)
    network.add_agent_statements(project, agent, policy)
    return policy


def _kms_for(project: ResolvedProject, resource: str, access: str, policy: iam.PolicyBuilder) -> None:
    """Customer managed keys need explicit KMS grants; AWS managed keys (alias/aws/*) do not."""
    target = project.resources.get(resource)
    key = getattr(target, "kms_key", None)
    if not key or key.startswith("alias/aws/"):
        return
    actions = ["kms:Decrypt"] if access in ("read", "consume") else ["kms:Decrypt", "kms:GenerateDataKey"]
    if key.startswith("arn:") and ":key/" in key:
        policy.add(f"Kms {resource}", actions, [key])
    else:
        policy.warnings.append(
            f"resource '{resource}' uses KMS key '{key}', given as an alias or id: grant the agents' roles "
            f"{' and '.join(actions)} in the key policy, or give the key's full ARN so strands can scope it"
        )


def _add_agent(
    graph: InfraGraph,
    project: ResolvedProject,
    agent: ResolvedAgent,
    opts: BuildOptions,
    issues: list[ConfigIssue],
) -> None:
    name = agent.name
    owner = Owner("agent", name)
    fn_name = function_name(project, name)
    tags = TagManager.agent_tags(name, {k: template_literal(v) for k, v in agent.tags.items()})
    if agent.dead_letter is not None:
        graph.add(
            Node(
                f"dlq_{name}",
                "module",
                {
                    "name": aws_name("sqs", project.project, project.environment.name, name, "dlq"),
                    "message_retention_seconds": agent.dead_letter.retention_days * 86400,
                    "tags": tags,
                },
                owner,
                module="sqs-queue",
                group=name,
            )
        )
    environment, literal = _agent_environment(project, agent, graph, opts, issues)
    code = opts.code.get(name)
    body: dict[str, Any] = {
        "name": fn_name,
        "description": template_literal(agent.description),
        "handler": agent.handler,
        "runtime": agent.runtime,
        "architecture": agent.architecture,
        "memory_size": agent.memory,
        "ephemeral_storage": agent.ephemeral_storage,
        "timeout": agent.timeout,
        "role_arn": f"${{module.role_{name}.role_arn}}",
        "environment_variables": environment,
        "log_retention_days": agent.log_retention_days,
        "tracing": agent.tracing,
        "tags": tags,
    }
    if literal:
        # what the user wrote may be a secret: Terraform masks these values (the module marks them sensitive)
        body["sensitive_environment_variables"] = literal
    if code is not None:
        body["filename"] = code.filename
        body["source_code_hash"] = code.source_code_hash
        if code.layer_filename:
            body["layer_filename"] = code.layer_filename
            body["layer_source_code_hash"] = code.layer_source_code_hash
    if agent.reserved_concurrency is not None:
        body["reserved_concurrency"] = agent.reserved_concurrency
    if agent.tracing_sampling is not None:
        if agent.tracing:
            sampling = agent.tracing_sampling
            body["xray_sampling"] = {
                "rule_name": aws_name("xray_rule", project.project, project.environment.name, name),
                "fixed_rate": sampling["rate"],
                "reservoir_size": sampling["reservoir"],
                "priority": sampling["priority"],
            }
        else:
            graph.warnings.append(f"agent '{name}' sets tracing_sampling but tracing is off: no sampling rule is made")
    if agent.dead_letter is not None:
        body["dead_letter_target_arn"] = f"${{module.dlq_{name}.queue_arn}}"
    if agent.triggers:
        body["sqs_triggers"] = [
            {
                "queue_arn": f"${{module.{module_id('sqs', t.queue)}.queue_arn}}",
                "batch_size": t.batch_size,
                "maximum_batching_window_in_seconds": t.maximum_batching_window,
                "enabled": t.enabled,
            }
            for t in agent.triggers
        ]
    graph.add(Node(f"agent_{name}", "module", body, owner, module="strands-agent", group=name))
    policy = agent_policy(project, agent)
    graph.warnings.extend(policy.warnings)
    graph.add(
        Node(
            f"role_{name}",
            "module",
            {
                "name": aws_name("iam_role", project.project, project.environment.name, name),
                "policy_statements": [s.to_dict() for s in policy.statements],
                "tags": tags,
            },
            Owner("role", name),
            module="execution-role",
            group=name,
        )
    )
    prefix = f"agent_{name}"
    graph.add_output(
        Output(f"{prefix}_function_name", f"${{module.{prefix}.function_name}}", f"Lambda function of {name}", owner)
    )
    graph.add_output(
        Output(f"{prefix}_function_arn", f"${{module.{prefix}.function_arn}}", f"ARN of agent {name}", owner)
    )
    graph.add_output(
        Output(f"{prefix}_log_group", f"${{module.{prefix}.log_group_name}}", f"CloudWatch log group of {name}", owner)
    )


def _agent_environment(
    project: ResolvedProject,
    agent: ResolvedAgent,
    graph: InfraGraph,
    opts: BuildOptions,
    issues: list[ConfigIssue],
) -> tuple[dict[str, str], dict[str, str]]:
    """(generated, literal) environment variables of an agent.

    Generated ones name what the agent uses (tables, queues, the model, where its secrets are), so its code
    needs no hard-coded names; literal ones are the user's `environment` (they win on clashes) and are
    passed apart so Terraform can mask them.
    """
    env: dict[str, str] = {
        "STRANDS_PROJECT": project.project,
        "STRANDS_ENVIRONMENT": project.environment.name,
    }
    if agent.model:
        env["STRANDS_MODEL_ID"] = agent.model
    named_by: dict[str, str] = {}  # generated variable -> the resource or agent it names
    for index, perm in enumerate(agent.permissions):
        target = project.resources.get(perm.resource)
        stem = env_var_prefix(perm.resource)
        if target is None:
            key, value = f"{stem}_FUNCTION_NAME", function_name(project, perm.resource)
        else:
            key = f"{stem}_{_RESOURCE_MODULES[target.type][3]}"
            value = f"${{module.{module_id(target.type, perm.resource)}.{_ENV_VALUE_OUTPUT[target.type]}}}"
        other = named_by.setdefault(key, perm.resource)
        if other != perm.resource:
            # `my-queue` and `my_queue` both become MY_QUEUE_...: the agent could not tell them apart
            file, line, col = _where(opts, "agent", agent.name)
            issues.append(
                ConfigIssue(
                    file,
                    line,
                    col,
                    f"agents.{agent.name}.permissions[{index}].resource",
                    f"'{other}' and '{perm.resource}' both give agent '{agent.name}' the environment variable {key}",
                    f"rename one of them so they differ after '-' and '_' are folded (e.g. '{perm.resource}2')",
                )
            )
        env[key] = value
    for trigger in agent.triggers:
        env.setdefault(
            f"{env_var_prefix(trigger.queue)}_QUEUE_URL", f"${{module.{module_id('sqs', trigger.queue)}.queue_url}}"
        )
    if agent.secrets:
        # where each secret is, never its value: strands_secrets.py (packaged with the agent) reads them
        refs = {name: ref.runtime_entry() for name, ref in agent.secrets.items()}
        env[SECRETS_ENV_VAR] = template_literal(json.dumps(refs, sort_keys=True, separators=(",", ":")))
    literal: dict[str, str] = {}
    for key, text in agent.environment.items():
        value = template_literal(text)
        if key in env and env[key] != value:
            graph.warnings.append(
                f"agent '{agent.name}': environment variable {key} set in strands.yaml replaces the generated one"
            )
        env.pop(key, None)
        literal[key] = value
    return dict(sorted(env.items())), dict(sorted(literal.items()))


def _merge_cors(agents: list[ResolvedAgent], graph: InfraGraph) -> dict[str, Any] | None:
    configs = [a.api.cors for a in agents if a.api and a.api.cors]
    if not configs:
        return None
    if any(c != configs[0] for c in configs[1:]):
        graph.warnings.append("agents declare different CORS settings; the HTTP API uses their union")

    def union(attr: str) -> list[str]:
        return sorted({v for c in configs for v in getattr(c, attr)})

    return {
        "allow_origins": union("allow_origins"),
        "allow_methods": union("allow_methods"),
        "allow_headers": union("allow_headers"),
        "expose_headers": union("expose_headers"),
        "max_age": min(c.max_age for c in configs),
        "allow_credentials": any(c.allow_credentials for c in configs),
    }


_AUTH_TYPES = {"iam": "AWS_IAM", "jwt": "JWT", "none": "NONE"}


def _api_auth(agents: list[ResolvedAgent], graph: InfraGraph) -> dict[str, Any]:
    """One authorization for the shared API; when agents disagree, the strictest wins (iam, then jwt)."""
    configs = [a.api for a in agents if a.api is not None]
    kinds = {c.auth for c in configs}
    chosen = next(k for k in ("iam", "jwt", "none") if k in kinds)
    if len(kinds) > 1:
        graph.warnings.append(
            f"agents declare different api.auth ({', '.join(sorted(kinds))}); the HTTP API uses '{chosen}' for "
            "every route"
        )
    out: dict[str, Any] = {"authorization_type": _AUTH_TYPES[chosen]}
    if chosen == "jwt":
        jwt = next(c.jwt for c in configs if c.auth == "jwt" and c.jwt is not None)
        out["jwt_authorizer"] = {"issuer": jwt.issuer, "audience": list(jwt.audience)}
    return out


def _add_api(graph: InfraGraph, project: ResolvedProject) -> None:
    agents = [a for a in project.agents.values() if a.api]
    if not agents:
        return
    routes = {
        route: {
            "function_name": f"${{module.agent_{a.name}.function_name}}",
            "invoke_arn": f"${{module.agent_{a.name}.invoke_arn}}",
        }
        for a in agents
        for route in a.api.routes  # type: ignore[union-attr]
    }
    body: dict[str, Any] = {
        "name": aws_name("api", project.project, project.environment.name),
        "routes": dict(sorted(routes.items())),
        "log_retention_days": max(a.log_retention_days for a in agents),
        "throttling_burst_limit": min(a.api.throttling_burst_limit for a in agents),  # type: ignore[union-attr]
        "throttling_rate_limit": min(a.api.throttling_rate_limit for a in agents),  # type: ignore[union-attr]
        "tags": {},
    }
    cors = _merge_cors(agents, graph)
    if cors is not None:
        body["cors"] = cors
    body.update(_api_auth(agents, graph))
    owner = Owner("api", "api")
    graph.add(Node("api", "module", body, owner, module="http-api", group="api"))
    graph.add_output(Output("api_endpoint", "${module.api.stage_invoke_url}", "Base URL of the HTTP API", owner))
    graph.add_output(Output("api_id", "${module.api.api_id}", "Id of the HTTP API", owner))
