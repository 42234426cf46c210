"""Resolve a project for one environment: defaults → agent → environment overrides, deep-merged."""

from __future__ import annotations

import dataclasses
import fnmatch
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from strands_tf.config import messages
from strands_tf.config.loader import LoadedProject, _Collector
from strands_tf.config.models import (
    AgentConfig,
    AgentNetwork,
    AgentSettings,
    ApiConfig,
    DeadLetterConfig,
    EmulatorConfig,
    EnvironmentAlarms,
    EnvironmentConfig,
    PermissionConfig,
    ProjectConfig,
    ResourceConfig,
    StateConfig,
    TracingSampling,
    TriggerConfig,
    VpcConfig,
)
from strands_tf.config.secrets import SecretRef
from strands_tf.errors import ConfigError, UserError

LOCAL_ENVIRONMENT = "local"
ENV_VAR = "STRANDS_ENV"

# What an agent gets when neither defaults, the agent nor an override says otherwise.
BUILTIN_AGENT_DEFAULTS: dict[str, Any] = {
    "runtime": "python3.12",
    "architecture": "arm64",
    "memory": 512,
    "timeout": 60,
    "ephemeral_storage": 512,
    "log_retention_days": 30,
    "tracing": True,
    "tracing_sampling": None,
    "reserved_concurrency": None,
    "model": None,
    "environment": {},
    "vpc": False,
    "dead_letter": None,
    "package_upload": "auto",
    "exclude": [],
    "alarms": {},
    "network": None,
}
# What an agent's alarms watch when neither defaults, the agent nor an override changes it (docs/operate.md).
ALARM_DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "errors": 1,
    "throttles": 1,
    "duration_p95": 0.8,
    "dead_letter_messages": 1,
    "dead_letter_age": 3600,
    "queue_age": 300,
    "period": 300,
    "evaluation_periods": 1,
}
# Settings whose lists add up (defaults → agent → environment override) instead of replacing each other.
ADDITIVE_AGENT_SETTINGS = ("exclude",)


# The resolved project is plain data built from models that are already validated: dataclasses, not
# pydantic models, so resolving costs no second validation and no validator builds at start-up.


@dataclass(frozen=True)
class ResolvedAgent:
    """One agent with every setting decided for one environment."""

    name: str
    path: str
    handler: str
    description: str
    requirements: str | None
    runtime: str
    architecture: str
    memory: int
    timeout: int
    ephemeral_storage: int
    log_retention_days: int
    tracing: bool
    reserved_concurrency: int | None
    model: str | None
    environment: dict[str, str]
    vpc: bool
    dead_letter: DeadLetterConfig | None
    package_upload: str
    exclude: tuple[str, ...]
    api: ApiConfig | None
    triggers: list[TriggerConfig]
    permissions: list[PermissionConfig]
    # name → where the function reads it at runtime (the value itself is never part of the configuration)
    secrets: dict[str, SecretRef] = field(default_factory=dict)
    # the agent's own tags (agent `tags`, then the environment override's); project/environment tags are shared
    tags: dict[str, str] = field(default_factory=dict)
    # alarm settings with every default filled in (ALARM_DEFAULTS, then defaults → agent → override)
    alarms: dict[str, Any] = field(default_factory=lambda: dict(ALARM_DEFAULTS))
    # {rate, reservoir, priority} of the agent's X-Ray sampling rule, None for X-Ray's default rule
    tracing_sampling: dict[str, Any] | None = None
    # the agent's own security group rules in the VPC ({egress: [...], ingress: [...]}), None for none
    network: AgentNetwork | None = None


@dataclass(frozen=True)
class ResolvedEnvironment:
    """The deployment target of a resolved project."""

    name: str
    target: str
    region: str
    account: str | None
    profile: str | None
    role_arn: str | None
    external_id: str | None
    vpc: VpcConfig | None
    builtin: bool = False
    alarms: EnvironmentAlarms = field(default_factory=EnvironmentAlarms)


@dataclass(frozen=True)
class ResolvedProject:
    """A project resolved for one environment: what the generator turns into Terraform."""

    project: str
    environment: ResolvedEnvironment
    tags: dict[str, str]
    iam: str
    stacks: str
    state: StateConfig
    agents: dict[str, ResolvedAgent]
    resources: dict[str, ResourceConfig]
    selected_agents: list[str]
    emulator: EmulatorConfig
    warnings: list[str] = field(default_factory=list)
    # the `usage:` block with the environment's `usage:` merged over it (only what was written; defaults are
    # the cost estimator's, see strands_tf/cost/usage.py)
    usage: dict[str, Any] = field(default_factory=dict)

    def to_json_dict(self, *, mask_environment: bool = False) -> dict[str, Any]:
        """JSON-ready dict (`strands config show --json`); `mask_environment` hides literal environment values."""
        doc = _jsonable(self)
        if mask_environment:
            from strands_tf.config.secrets import MASK

            for agent in doc["agents"].values():
                agent["environment"] = dict.fromkeys(agent["environment"], MASK)
        return doc


def _jsonable(value: Any) -> Any:
    """Dataclasses, pydantic models, dicts and lists as JSON-ready data, fields in declaration order."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


def _merge_settings(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Agent settings of `override` over `base`: deep-merged, except lists that add up (`exclude`)."""
    merged = _deep_merge(base, override)
    for key in ADDITIVE_AGENT_SETTINGS:
        if key in override:
            merged[key] = [*(base.get(key) or []), *override[key]]
    return merged


def _settings(model: AgentSettings | None) -> dict[str, Any]:
    if model is None:
        return {}
    # secrets are layered by name, not deep-merged: {ssm: ...} over {secretsmanager: ...} must replace it
    fields = set(AgentSettings.model_fields) - {"secrets"}
    dumped = model.model_dump(exclude_unset=True)
    return {k: v for k, v in dumped.items() if k in fields and v is not None}


def environment_names(config: ProjectConfig) -> list[str]:
    """Declared environments plus the built-in `local` emulator environment."""
    names = list(config.environments)
    if LOCAL_ENVIRONMENT not in names:
        names.append(LOCAL_ENVIRONMENT)
    return names


def choose_environment(config: ProjectConfig, requested: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The environment a command works on: -e, else $STRANDS_ENV, else `dev`, the only one, or `local`."""
    env_vars = os.environ if environ is None else environ
    name = requested or env_vars.get(ENV_VAR) or None
    names = environment_names(config)
    if name is None:
        if "dev" in config.environments:
            return "dev"
        declared = [n for n in config.environments if n != LOCAL_ENVIRONMENT]
        return declared[0] if len(declared) == 1 else LOCAL_ENVIRONMENT
    if name not in names:
        guess = messages.suggest(name, names)
        raise UserError(
            f"unknown environment '{name}'",
            detail=f"environments in this project: {', '.join(names)}",
            hint=f"did you mean '{guess}'? (-e {guess})" if guess else "add it under environments: in strands.yaml",
        )
    return name


def select_agents(names: Iterable[str], patterns: Iterable[str]) -> list[str]:
    """Agents matching any of the `--agent` patterns (names or globs); every pattern must match one."""
    all_names = list(names)
    patterns = list(patterns)
    if not patterns:
        return all_names
    chosen: list[str] = []
    for pattern in patterns:
        matched = [n for n in all_names if fnmatch.fnmatchcase(n, pattern)]
        if not matched:
            guess = messages.suggest(pattern, all_names)
            raise UserError(
                f"--agent {pattern} matches no agent",
                detail=f"agents in this project: {', '.join(all_names) or '(none)'}",
                hint=f"did you mean '{guess}'?" if guess else "names and shell-style globs (support-*) are accepted",
            )
        chosen.extend(n for n in matched if n not in chosen)
    return [n for n in all_names if n in chosen]


def _environment(config: ProjectConfig, name: str) -> tuple[EnvironmentConfig, bool]:
    if name in config.environments:
        return config.environments[name], False
    return EnvironmentConfig(target="emulator"), True


def environment_config(config: ProjectConfig, name: str) -> EnvironmentConfig:
    """The settings of environment `name` as written (the built-in `local` when it is not declared)."""
    return _environment(config, name)[0]


def state_config(config: ProjectConfig, name: str) -> StateConfig:
    """The state backend environment `name` uses (an emulator environment always keeps local state)."""
    return _state_for(config, environment_config(config, name))


def resolve(
    loaded: LoadedProject,
    environment: str | None = None,
    *,
    agents: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
) -> ResolvedProject:
    """Resolve `loaded` for an environment; checks that only hold per environment raise ConfigError."""
    config = loaded.config
    env_name = choose_environment(config, environment, environ)
    env, builtin = _environment(config, env_name)
    collector = _Collector(loaded.sources)
    defaults = _merge_settings(BUILTIN_AGENT_DEFAULTS, _settings(config.defaults))
    defaults = _merge_settings(defaults, _settings(env.overrides.defaults))
    default_secrets = {
        **(config.defaults.secrets or {}),
        **((env.overrides.defaults.secrets if env.overrides.defaults else None) or {}),
    }
    resolved_agents: dict[str, ResolvedAgent] = {}
    for name, agent in config.agents.items():
        resolved_agents[name] = _resolve_agent(name, agent, defaults, default_secrets, env)
    layers = _setting_layers(config, env_name if not builtin else None, env)
    resources = {
        name: type(res).model_validate(
            {**res.model_dump(exclude_unset=True), **env.overrides.resources[name], "type": res.type}
        )
        if name in env.overrides.resources
        else res
        for name, res in config.resources.items()
    }
    _check_environment(env_name, env, resolved_agents, resources, collector)
    _check_secrets(resolved_agents, layers, collector)
    _check_environment_size(env_name, resolved_agents, layers, collector)
    _check_alarm_windows(env_name, resolved_agents, layers, collector)
    _check_tag_counts(env_name, env, {**config.tags, **env.tags}, resolved_agents, resources, collector)
    usage = _deep_merge(
        config.usage.model_dump(exclude_none=True), env.usage.model_dump(exclude_none=True) if env.usage else {}
    )
    _check_usage_names(config, env_name, env, collector)
    if collector.issues:
        raise ConfigError(collector.issues)
    warnings: list[str] = _secret_looking_literals(resolved_agents, layers, loaded)
    for name, agent in resolved_agents.items():
        if agent.vpc and env.vpc is None and env.target != "emulator":
            # a VPC is an environment decision: dev often runs without one, prod inside one
            file, line, _col = loaded.sources.locate(("agents", name, "vpc"))
            warnings.append(
                f"{file}:{line} agent '{name}' asks for vpc: true but environment '{env_name}' defines no vpc; "
                "it runs outside a VPC there"
            )
    selected = select_agents(resolved_agents, agents)
    tags = {**config.tags, **env.tags}
    return ResolvedProject(
        project=config.project,
        environment=ResolvedEnvironment(
            name=env_name,
            target=env.target,
            region=env.region or config.region,
            account=env.account,
            profile=env.profile,
            role_arn=env.role_arn,
            external_id=env.external_id,
            vpc=env.vpc,
            builtin=builtin,
            alarms=env.alarms,
        ),
        tags=tags,
        iam=config.iam,
        stacks=config.stacks,
        state=_state_for(config, env),
        agents=resolved_agents,
        resources=resources,
        selected_agents=selected,
        emulator=config.emulator,
        warnings=warnings,
        usage=usage,
    )


def _state_for(config: ProjectConfig, env: EnvironmentConfig) -> StateConfig:
    if env.target == "emulator":
        return StateConfig(backend="local")  # never touch a real state bucket from the emulator
    return env.state or config.state


def _resolve_agent(
    name: str,
    agent: AgentConfig,
    defaults: dict[str, Any],
    default_secrets: Mapping[str, SecretRef],
    env: EnvironmentConfig,
) -> ResolvedAgent:
    merged = _merge_settings(defaults, _settings(agent))
    override = env.overrides.agents.get(name)
    merged = _merge_settings(merged, _settings(override))
    description = agent.description
    if override is not None and override.description is not None:
        description = override.description
    secrets = dict(default_secrets)
    for layer in (agent.secrets, override.secrets if override else None):
        secrets.update(layer or {})
    tags = dict(agent.tags)
    if override is not None and override.tags:
        tags.update(override.tags)
    dead_letter = merged.get("dead_letter")
    if isinstance(dead_letter, dict):
        dead_letter = DeadLetterConfig.model_validate(dead_letter)
        if not dead_letter.enabled:
            dead_letter = None
    return ResolvedAgent(
        name=name,
        path=agent.path,
        handler=agent.handler,
        description=description,
        requirements=agent.requirements,
        runtime=merged["runtime"],
        architecture=merged["architecture"],
        memory=merged["memory"],
        timeout=merged["timeout"],
        ephemeral_storage=merged["ephemeral_storage"],
        log_retention_days=merged["log_retention_days"],
        tracing=merged["tracing"],
        reserved_concurrency=merged["reserved_concurrency"],
        model=merged["model"],
        environment=dict(merged["environment"] or {}),
        vpc=merged["vpc"],
        dead_letter=dead_letter,
        package_upload=merged["package_upload"],
        exclude=tuple(merged["exclude"]),
        api=agent.api,
        triggers=list(agent.triggers),
        permissions=list(agent.permissions),
        secrets=dict(sorted(secrets.items())),
        tags=tags,
        alarms={**ALARM_DEFAULTS, **{k: v for k, v in (merged.get("alarms") or {}).items() if v is not None}},
        tracing_sampling=_sampling(merged.get("tracing_sampling")),
        network=AgentNetwork.model_validate(merged["network"]) if merged.get("network") else None,
    )


def _sampling(value: Any) -> dict[str, Any] | None:
    """The sampling rule with its defaults (a rule set in defaults and refined per agent is merged key by key)."""
    if not value:
        return None
    return TracingSampling.model_validate(value).model_dump()


# (document path of an AgentSettings mapping, the settings) in the order they apply; "*" = every agent
_Layer = tuple[tuple[str | int, ...], str, AgentSettings]


def _setting_layers(config: ProjectConfig, declared_env: str | None, env: EnvironmentConfig) -> list[_Layer]:
    """Where agent settings come from for one environment, lowest precedence first."""
    layers: list[_Layer] = [(("defaults",), "*", config.defaults)]
    if declared_env is not None and env.overrides.defaults is not None:
        layers.append((("environments", declared_env, "overrides", "defaults"), "*", env.overrides.defaults))
    for name, agent in config.agents.items():
        layers.append((("agents", name), name, agent))
        override = env.overrides.agents.get(name)
        if declared_env is not None and override is not None:
            layers.append((("environments", declared_env, "overrides", "agents", name), name, override))
    return layers


def _where_set(layers: list[_Layer], agent: str, setting: str, key: str) -> tuple[str | int, ...]:
    """Path of the layer that decided `setting.key` for `agent` (the last one that sets it)."""
    found: tuple[str | int, ...] = ("agents", agent, setting)
    for path, owner, settings in layers:
        values = getattr(settings, setting, None) or {}
        if owner in ("*", agent) and key in values:
            found = (*path, setting, key)
    return found


# Lambda refuses a function whose environment variables (names and values) take more than 4 KB together
LAMBDA_ENVIRONMENT_BYTES = 4096


def _check_environment_size(
    env_name: str, agents: Mapping[str, ResolvedAgent], layers: list[_Layer], collector: _Collector
) -> None:
    """The agent's own variables must leave room under Lambda's 4 KB (strands adds the resources' names too)."""
    for name, agent in agents.items():
        sizes = {key: len(key.encode()) + len(value.encode()) for key, value in agent.environment.items()}
        total = sum(sizes.values())
        if total <= LAMBDA_ENVIRONMENT_BYTES:
            continue
        largest = max(sizes, key=lambda key: sizes[key])
        collector.add(
            _where_set(layers, name, "environment", largest),
            f"the environment variables of agent '{name}' take {total} bytes in environment '{env_name}'; Lambda "
            f"allows {LAMBDA_ENVIRONMENT_BYTES} bytes for all of them (names and values), so AWS would refuse the "
            f"function ({largest} alone takes {sizes[largest]})",
            "keep large values in a file of the agent's code, S3 or SSM Parameter Store (secrets:) and read them "
            "at start-up",
            key=True,
        )


# CloudWatch refuses an alarm whose period x evaluation periods exceeds one day (seven with hour-long periods)
ALARM_WINDOW_SECONDS = 86400
ALARM_WINDOW_SECONDS_HOURLY = 604800


def _alarm_set_at(layers: list[_Layer], agent: str, key: str) -> tuple[str | int, ...]:
    """Path of the layer whose `alarms:` decided `key` for `agent` (the last one that sets it)."""
    found: tuple[str | int, ...] = ("agents", agent, "alarms")
    for path, owner, settings in layers:
        alarms = getattr(settings, "alarms", None)
        if owner in ("*", agent) and alarms is not None and getattr(alarms, key, None) is not None:
            found = (*path, "alarms", key)
    return found


def _check_alarm_windows(
    env_name: str, agents: Mapping[str, ResolvedAgent], layers: list[_Layer], collector: _Collector
) -> None:
    """An agent's alarms must evaluate within what CloudWatch allows, or AWS refuses every one of them."""
    for name, agent in agents.items():
        alarms = agent.alarms
        if not alarms.get("enabled", True):
            continue
        period, periods = int(alarms["period"]), int(alarms["evaluation_periods"])
        limit = ALARM_WINDOW_SECONDS_HOURLY if period >= 3600 else ALARM_WINDOW_SECONDS
        if period * periods <= limit:
            continue
        collector.add(
            _alarm_set_at(layers, name, "evaluation_periods"),
            f"the alarms of agent '{name}' would evaluate {periods} periods of {period} s ({period * periods} s) in "
            f"environment '{env_name}'; CloudWatch allows at most {limit} s "
            f"({'7 days with hour-long periods' if limit == ALARM_WINDOW_SECONDS_HOURLY else 'one day'}), so AWS "
            "would refuse them",
            f"set alarms.evaluation_periods to at most {limit // period}"
            + (", or alarms.period to 3600" if limit == ALARM_WINDOW_SECONDS else ""),
        )


def _check_secrets(agents: Mapping[str, ResolvedAgent], layers: list[_Layer], collector: _Collector) -> None:
    from strands_tf.config.secrets import SECRETS_ENV_VAR

    for name, agent in agents.items():
        for key in agent.secrets:
            if key in agent.environment:
                collector.add(
                    _where_set(layers, name, "secrets", key),
                    f"agent '{name}' sets {key} both in environment and in secrets",
                    f"keep it only under secrets (the function reads it from there at runtime), and remove "
                    f"environment.{key}",
                    key=True,
                )
        if agent.secrets and SECRETS_ENV_VAR in agent.environment:
            collector.add(
                _where_set(layers, name, "environment", SECRETS_ENV_VAR),
                f"{SECRETS_ENV_VAR} is reserved for agents with secrets: it tells the function where to read them",
                f"rename environment.{SECRETS_ENV_VAR}",
                key=True,
            )


def _secret_looking_literals(
    agents: Mapping[str, ResolvedAgent], layers: list[_Layer], loaded: LoadedProject
) -> list[str]:
    """One warning per literal `environment` value (where it is written) that looks like a secret."""
    from strands_tf.config.secrets import secret_reason

    found: dict[tuple[str | int, ...], str] = {}
    for name, agent in agents.items():
        for key, value in agent.environment.items():
            reason = secret_reason(key, value)
            if reason is None:
                continue
            path = _where_set(layers, name, "environment", key)
            found.setdefault(path, reason)
    warnings = []
    for path, what in sorted(found.items(), key=lambda item: [str(p) for p in item[0]]):
        file, line, _col = loaded.sources.locate(path)
        key = str(path[-1])
        warnings.append(
            f"{file}:{line} {'.'.join(str(p) for p in path)}: {what}. Its value is stored in clear in the function's "
            f"configuration and the Terraform state: move it to secrets, e.g. secrets: {{{key}: {{ssm: "
            f"/your/parameter}}}} (docs/secrets.md)"
        )
    return warnings


def _check_environment(
    env_name: str,
    env: EnvironmentConfig,
    agents: Mapping[str, ResolvedAgent],
    resources: Mapping[str, Any],
    collector: _Collector,
) -> None:
    for name, agent in agents.items():
        for i, trigger in enumerate(agent.triggers):
            queue = resources.get(trigger.queue)
            if queue is not None and queue.type == "sqs" and queue.visibility_timeout < agent.timeout:
                collector.add(
                    ("agents", name, "triggers", i, "queue"),
                    f"queue '{trigger.queue}' has visibility_timeout {queue.visibility_timeout} s, less than the "
                    f"timeout {agent.timeout} s of agent '{name}' in environment '{env_name}'; AWS rejects the "
                    "trigger",
                    f"set resources.{trigger.queue}.visibility_timeout to at least {agent.timeout} "
                    f"(AWS recommends {min(agent.timeout * 6, 43200)})",
                )


def _check_usage_names(config: ProjectConfig, env_name: str, env: EnvironmentConfig, collector: _Collector) -> None:
    """Usage given for an agent or resource the project does not have is a typo: say so, with a guess."""
    blocks: list[tuple[tuple[str | int, ...], Any]] = [(("usage",), config.usage)]
    if env.usage is not None:
        blocks.append((("environments", env_name, "usage"), env.usage))
    for prefix, usage in blocks:
        for section, known in (("agents", list(config.agents)), ("resources", list(config.resources))):
            for name in getattr(usage, section):
                if name in known:
                    continue
                guess = messages.suggest(name, known)
                collector.add(
                    (*prefix, section, name),
                    f"usage is given for {section[:-1]} '{name}', which this project does not have",
                    f"did you mean '{guess}'?"
                    if guess
                    else f"{section} of this project: {', '.join(known) or '(none)'}",
                    key=True,
                )


def _check_tag_counts(
    env_name: str,
    env: EnvironmentConfig,
    shared: Mapping[str, str],
    agents: Mapping[str, ResolvedAgent],
    resources: Mapping[str, Any],
    collector: _Collector,
) -> None:
    """AWS takes at most 50 tags per resource: the tool's, the project's, the environment's and the element's."""
    from strands_tf.cost.tags import MAX_TAGS_PER_RESOURCE, over_limit, user_tag_budget

    hint = (
        f"keep at most {user_tag_budget()} keys in tags:, environments.{env_name}.tags and the element's tags: together"
    )
    shared_count = over_limit(shared, {})
    if shared_count is not None:
        loc: tuple[str, ...] = ("environments", env_name, "tags") if env.tags else ("tags",)
        collector.add(
            loc,
            f"every resource would carry {shared_count} tags in environment '{env_name}' (the project's, the "
            f"environment's and strands-tf's); AWS allows {MAX_TAGS_PER_RESOURCE} per resource",
            hint,
        )
        return
    own_tags = [("agents", n, a.tags) for n, a in agents.items()] + [
        ("resources", n, r.tags) for n, r in resources.items()
    ]
    for section, name, own in own_tags:
        count = over_limit(shared, own)
        if count is not None:
            collector.add(
                (section, name, "tags"),
                f"{section[:-1]} '{name}' would carry {count} tags in environment '{env_name}' (the project's, the "
                f"environment's, its own and strands-tf's); AWS allows {MAX_TAGS_PER_RESOURCE} per resource",
                hint,
            )


def resolve_all(loaded: LoadedProject, *, environ: Mapping[str, str] | None = None) -> dict[str, ResolvedProject]:
    """Resolve every environment; problems from all of them are reported together."""
    issues = []
    out: dict[str, ResolvedProject] = {}
    for name in environment_names(loaded.config):
        try:
            out[name] = resolve(loaded, name, environ=environ)
        except ConfigError as exc:
            issues.extend(exc.issues)
    issues.extend(_shared_bucket_names(loaded, out))
    if issues:
        unique = list({(i.file, i.line, i.column, i.message): i for i in issues}.values())
        raise ConfigError(unique)
    return out


def _shared_bucket_names(loaded: LoadedProject, resolved: Mapping[str, ResolvedProject]) -> list[Any]:
    """An exact `bucket_name` used twice on AWS: bucket names are global, so the second create always fails.

    Emulator environments are left out (each runs its own S3).
    """
    uses: dict[str, list[tuple[str, str]]] = {}
    for env_name, project in resolved.items():
        if project.environment.target == "emulator":
            continue
        for resource_name, resource in project.resources.items():
            bucket = getattr(resource, "bucket_name", None)
            if resource.type == "s3" and bucket:
                uses.setdefault(bucket, []).append((env_name, resource_name))
    collector = _Collector(loaded.sources)
    for bucket, where in uses.items():
        if len(where) < 2:
            continue
        places = ", ".join(f"resource '{r}' in environment '{e}'" for e, r in where)
        env_name, resource = where[-1]
        declared = loaded.config.environments.get(env_name)
        overridden = declared is not None and "bucket_name" in declared.overrides.resources.get(resource, {})
        collector.add(
            ("environments", env_name, "overrides", "resources", resource, "bucket_name")
            if overridden
            else ("resources", resource, "bucket_name"),
            f"bucket name '{bucket}' is used by {places}; S3 bucket names are global, so only the first can be created",
            f"give each environment its own name: environments.<env>.overrides.resources.{resource}.bucket_name, "
            "or leave bucket_name out (the derived name includes the environment and account)",
        )
    return collector.issues


def project_path(loaded: LoadedProject, relative: str) -> Path:
    """Absolute path of a path written relative to strands.yaml."""
    return (loaded.root / relative).resolve()
