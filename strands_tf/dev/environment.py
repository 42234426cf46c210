"""What a locally run agent gets: the deployed function's variables, Lambda's own, and AWS credentials.

The function's variables are the ones build.py gives the deployed function (one owner), with each
`${module.X.Y}` reference replaced by the value of the stack output that exposes it in the environment's
state file. AWS credentials come from the environment's profile or role (or the agent's own execution
role with --as-role); on the emulator, its endpoint and test keys.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from strands_tf.config.loader import LoadedProject
from strands_tf.config.resolve import ResolvedAgent, ResolvedProject
from strands_tf.errors import UserError
from strands_tf.model.build import function_name, module_id
from strands_tf.model.naming import env_var_prefix

_REFERENCE = re.compile(r"\$\{(module\.[A-Za-z0-9_-]+\.[A-Za-z0-9_]+)\}")
# the module output each resource kind's variable names, and the output with its ARN
_ARN_OUTPUT = {"dynamodb": "arn", "s3": "arn", "sqs": "arn", "sns": "arn"}
_EMULATOR_ACCOUNT = "123456789012"


@dataclass(frozen=True)
class InjectedResource:
    """A resource the agent uses, as its code will see it."""

    resource: str
    kind: str  # dynamodb, s3, sqs, sns, agent
    variable: str
    value: str | None  # None: not deployed in this environment (no state output)
    arn: str | None = None


@dataclass
class AgentEnvironment:
    """The environment of one agent run locally."""

    agent: ResolvedAgent
    function_variables: dict[str, str]
    unresolved: dict[str, str]  # variable -> the reference no state output answers
    resources: list[InjectedResource]
    function_name: str
    function_arn: str
    log_group: str
    role_arn: str | None
    credentials: dict[str, str] = field(default_factory=dict)
    remove: frozenset[str] = frozenset()
    credentials_source: str = ""
    credentials_expire: datetime | None = None

    def process_env(self, code_dir: Path, base: dict[str, str] | None = None) -> dict[str, str]:
        """The complete environment of the worker process: the caller's, credentials, Lambda's, the function's."""
        env = dict(os.environ if base is None else base)
        for name in self.remove:
            env.pop(name, None)
        env.update(self.credentials)
        env.update(self.lambda_variables(code_dir))
        env.update(self.function_variables)
        return env

    def lambda_variables(self, code_dir: Path) -> dict[str, str]:
        """The reserved variables the Lambda runtime sets for every function."""
        agent = self.agent
        return {
            "AWS_LAMBDA_FUNCTION_NAME": self.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(agent.memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": self.log_group,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{agent.runtime}",
            "LAMBDA_TASK_ROOT": str(code_dir),
            "_HANDLER": agent.handler,
            "TZ": ":UTC",
        }


def _unescape(text: str) -> str:
    """A Terraform string literal back to the text it means (template_literal's inverse)."""
    return text.replace("$${", "${").replace("%%{", "%{")


def stack_outputs(root: Path, environment: str) -> dict[str, Any]:
    """Every stack's outputs of the environment's state file in one mapping."""
    from strands_tf.state.manager import StateManager

    merged: dict[str, Any] = {}
    for values in StateManager(root, environment).outputs().values():
        merged.update(values)
    return merged


def _deployed_role(root: Path, environment: str, agent: str) -> str | None:
    from strands_tf.state.manager import StateManager

    address = f"module.agent_{agent}.aws_lambda_function.this"
    for view in StateManager(root, environment).list_resources(type="aws_lambda_function"):
        if view.record.tf_address == address:
            role = view.record.attributes.get("role")
            return role if isinstance(role, str) else None
    return None


def agent_environments(loaded: LoadedProject, resolved: ResolvedProject) -> dict[str, AgentEnvironment]:
    """The environment of every selected agent, resolved against the environment's state file."""
    from strands_tf.model.build import build_graph

    graph = build_graph(resolved)
    by_expression = {output.value: output.id for output in graph.outputs.values()}
    outputs = stack_outputs(loaded.root, resolved.environment.name)
    env_name = resolved.environment.name
    account = _EMULATOR_ACCOUNT if resolved.environment.target == "emulator" else resolved.environment.account
    result: dict[str, AgentEnvironment] = {}
    for name in resolved.selected_agents:
        agent = resolved.agents[name]
        node = graph.nodes[f"agent_{name}"]
        variables: dict[str, str] = {}
        unresolved: dict[str, str] = {}
        # generated names and ARNs, then what the user wrote (deployed apart so Terraform masks it)
        body = node.body
        declared = {**body.get("environment_variables", {}), **body.get("sensitive_environment_variables", {})}
        for key, raw in declared.items():
            missing: list[str] = []

            def substitute(match: re.Match[str], missing: list[str] = missing) -> str:
                output_id = by_expression.get(match.group(0))
                value = outputs.get(output_id) if output_id else None
                if value is None:
                    missing.append(match.group(1))
                    return ""
                return str(value)

            value = _REFERENCE.sub(substitute, raw)
            if missing:
                unresolved[key] = missing[0]
            else:
                variables[key] = _unescape(value)
        fn = outputs.get(f"agent_{name}_function_name") or function_name(resolved, name)
        arn = outputs.get(f"agent_{name}_function_arn") or (
            f"arn:aws:lambda:{resolved.environment.region}:{account or '000000000000'}:function:{fn}"
        )
        result[name] = AgentEnvironment(
            agent=agent,
            function_variables=variables,
            unresolved=unresolved,
            resources=_resources(resolved, agent, variables, outputs),
            function_name=str(fn),
            function_arn=str(arn),
            log_group=str(outputs.get(f"agent_{name}_log_group") or f"/aws/lambda/{fn}"),
            role_arn=_deployed_role(loaded.root, env_name, name),
        )
    return result


def _resources(
    resolved: ResolvedProject, agent: ResolvedAgent, variables: dict[str, str], outputs: dict[str, Any]
) -> list[InjectedResource]:
    suffix = {"dynamodb": "TABLE", "s3": "BUCKET", "sqs": "QUEUE_URL", "sns": "TOPIC_ARN"}
    used: list[tuple[str, str]] = [(p.resource, "permission") for p in agent.permissions]
    used += [(t.queue, "trigger") for t in agent.triggers]
    seen: set[str] = set()
    found: list[InjectedResource] = []
    for name, _why in used:
        if name in seen:
            continue
        seen.add(name)
        config = resolved.resources.get(name)
        if config is None:  # another agent: invoked by function name
            variable = f"{env_var_prefix(name)}_FUNCTION_NAME"
            found.append(InjectedResource(name, "agent", variable, variables.get(variable)))
            continue
        variable = f"{env_var_prefix(name)}_{suffix[config.type]}"
        arn = outputs.get(f"{module_id(config.type, name)}_{_ARN_OUTPUT[config.type]}")
        found.append(InjectedResource(name, config.type, variable, variables.get(variable), arn))
    return found


def attach_credentials(
    environments: dict[str, AgentEnvironment],
    resolved: ResolvedProject,
    *,
    endpoint_url: str | None,
    as_role: bool = False,
) -> dict[str, Any]:
    """Give every agent the AWS identity it runs with; returns the AwsTarget per agent (for checks)."""
    from strands_tf.aws.target import target_for_environment
    from strands_tf.aws.terraform_env import terraform_aws_env

    base = target_for_environment(resolved, endpoint_url=endpoint_url)
    targets: dict[str, Any] = {}
    for name, env in environments.items():
        target = base
        if as_role:
            if base.emulator:
                raise UserError(
                    "--as-role needs an AWS environment: the emulator does not enforce IAM policies",
                    hint="run `strands dev -e <aws environment> --as-role`, or drop --as-role",
                )
            if env.role_arn is None:
                raise UserError(
                    f"agent '{name}' is not deployed in '{resolved.environment.name}': --as-role assumes its "
                    "execution role, which does not exist yet",
                    hint=f"run `strands apply -e {resolved.environment.name}` first",
                )
            target = dataclasses.replace(
                base,
                role_arn=env.role_arn,
                external_id=None,
                session_name=f"strands-dev-{name}"[:64],
            )
        aws_env = terraform_aws_env(target)
        env.credentials = dict(aws_env.variables)
        env.remove = aws_env.remove
        env.credentials_source = aws_env.source
        env.credentials_expire = aws_env.expires_at
        targets[name] = target
    return targets
