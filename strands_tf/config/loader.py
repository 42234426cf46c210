"""Load strands.yaml (and agents/*/agent.yaml fragments) into a validated ProjectConfig.

Every problem is collected and reported in one ConfigError with file, line, column and YAML path.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from strands_tf.config import messages
from strands_tf.config.models import (
    ACCESS_BY_KIND,
    AgentConfig,
    ApiConfig,
    PermissionConfig,
    ProjectConfig,
    ResourceConfig,
    TriggerConfig,
)
from strands_tf.config.yaml_source import SourceMap, read_yaml_file
from strands_tf.errors import ConfigError, ConfigIssue

if TYPE_CHECKING:
    from pydantic import TypeAdapter

logger = logging.getLogger(__name__)

CONFIG_FILENAME = "strands.yaml"
FRAGMENT_GLOB = "agents/*/agent.yaml"
Loc = tuple[str | int, ...]
_RESOURCE_ADAPTER: TypeAdapter[Any] | None = None


def _resource_adapter() -> TypeAdapter[Any]:
    # built on first use: only a config with errors needs it, and building it costs startup time
    global _RESOURCE_ADAPTER
    if _RESOURCE_ADAPTER is None:
        from pydantic import TypeAdapter

        _RESOURCE_ADAPTER = TypeAdapter(ResourceConfig)
    return _RESOURCE_ADAPTER


@dataclass
class Sources:
    """Which file (and which place in it) each part of the merged document came from."""

    root: SourceMap
    # document path prefix -> (source map of the file holding it, path of that part inside the file)
    mounts: dict[Loc, tuple[SourceMap, Loc]] = field(default_factory=dict)

    def locate(self, loc: Loc, *, key: bool = False) -> tuple[str, int | None, int | None]:
        """File, line and column for a path in the merged document."""
        for size in range(len(loc), 0, -1):
            mount = self.mounts.get(loc[:size])
            if mount is not None:
                source, inner = mount
                line, col = source.position((*inner, *loc[size:]), key=key)
                return source.file, line, col
        line, col = self.root.position(loc, key=key)
        return self.root.file, line, col

    def file_of(self, loc: Loc) -> str:
        """Display name of the file a path came from."""
        return self.locate(loc)[0]

    def inner(self, loc: Loc) -> tuple[SourceMap, Loc]:
        """The source map of the file a path came from, and the path inside that file."""
        return self._inner(loc)

    def _inner(self, loc: Loc) -> tuple[SourceMap, Loc]:
        for size in range(len(loc), 0, -1):
            mount = self.mounts.get(loc[:size])
            if mount is not None:
                return mount[0], (*mount[1], *loc[size:])
        return self.root, loc

    def already_reported(self, loc: Loc) -> bool:
        """True when the YAML reader already reported the value at `loc` or an enclosing one."""
        source, inner = self._inner(loc)
        return any(inner[:size] in source.broken for size in range(len(inner), -1, -1))

    def number_text(self, loc: Loc) -> str | None:
        """How a value YAML read as a number was written in the file (`011111111111`), if it was."""
        source, inner = self._inner(loc)
        return source.numbers.get(inner)


@dataclass
class LoadedProject:
    """A validated project: its model, its directory and where every value came from."""

    config: ProjectConfig
    root: Path
    config_file: Path
    sources: Sources
    raw: dict[str, Any]
    fragment_files: dict[str, Path] = field(default_factory=dict)
    # loaded with lenient_env: values left out because a ${env:NAME} they use is unset (see require_resolved)
    unresolved: dict[Loc, ConfigIssue] = field(default_factory=dict)


def require_resolved(loaded: LoadedProject, needed: Sequence[Loc], *, ignore: Sequence[Loc] = ()) -> None:
    """Raise the "environment variable ... is not set" issues of values under `needed` (not under `ignore`)."""

    def under(loc: Loc, prefixes: Sequence[Loc]) -> bool:
        return any(loc[: len(prefix)] == prefix for prefix in prefixes)

    issues = [issue for loc, issue in loaded.unresolved.items() if under(loc, needed) and not under(loc, ignore)]
    if issues:
        raise ConfigError(issues)


def display_path(loc: Loc) -> str:
    """`agents.support.permissions[0].resource` for a path tuple."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Collector:
    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        self.issues: list[ConfigIssue] = []
        # lenient_env: values left out for an unset variable; reported only when validation needs them
        self.unresolved: dict[Loc, ConfigIssue] = {}

    def report_unresolved(self, loc: Loc) -> bool:
        """Report the unset variable behind a failed value at or above `loc` (lenient loading); True if one was."""
        for size in range(len(loc), 0, -1):
            issue = self.unresolved.get(loc[:size])
            if issue is not None:
                if issue not in self.issues:
                    self.issues.append(issue)
                return True
        return False

    def add(self, loc: Loc, message: str, hint: str | None = None, *, key: bool = False) -> None:
        file, line, col = self.sources.locate(loc, key=key)
        self.issues.append(ConfigIssue(file, line, col, display_path(loc), message, hint))


def _normalise_loc(loc: tuple[Any, ...]) -> tuple[Loc, bool]:
    """Drop pydantic's union-branch labels; report whether the error is about a mapping key."""
    is_key = "[key]" in loc
    parts: list[str | int] = [p for p in loc if p != "[key]"]
    # resources.<name>.<type tag>.field: the tag is pydantic's branch label, not a YAML key
    if len(parts) >= 3 and parts[0] == "resources" and parts[2] in ("s3", "dynamodb", "sqs", "sns"):
        del parts[2]
    return tuple(parts), is_key


def _validation_issues(exc: ValidationError, collector: _Collector, prefix: Loc = ()) -> None:
    for error in exc.errors(include_url=False):
        loc, is_key = _normalise_loc(tuple(error["loc"]))
        full = (*prefix, *loc)
        if collector.report_unresolved(full) or collector.sources.already_reported(full):
            continue  # e.g. an unset ${env:NAME}: its empty stand-in value would only add noise
        # the raw loc keeps pydantic's union branch label (resources.x.dynamodb.field): it picks the model
        # whose fields feed "did you mean"
        raw = tuple(part for part in error["loc"] if part != "[key]")
        message, hint = messages.render(error, ProjectConfig, raw)
        if error["type"] == "region" and isinstance(error.get("input"), str):
            from strands_tf.config.regions import region_hint

            hint = region_hint(error["input"], escape=False)
        if error["type"] == "account_not_quoted":
            message, hint = _account_message(error, collector.sources.number_text(full))
        if error["type"] == "missing":
            file, line, col = collector.sources.locate(full[:-1])
            collector.issues.append(ConfigIssue(file, line, col, display_path(full), message, hint))
        else:
            collector.add(full, message, hint, key=is_key or error["type"] == "extra_forbidden")


def _account_message(error: dict[str, Any], written: str | None) -> tuple[str, str | None]:
    """Unquoted account id: say what YAML made of it and what to write instead, from the text as written."""
    value = error.get("input")
    text = written if written is not None else str(value).zfill(12)
    if written is not None and written.lstrip("+").lstrip("0") != str(value):
        how = f"as the number {value} (a leading 0 makes it octal)"
    elif written is not None and written != str(value):
        how = f"as the number {value}, dropping the leading zeros"
    else:
        how = "as a number"
    if not (text.isdigit() and len(text) == 12):
        return f"{text} is not an AWS account id: expected 12 digits, quoted", 'write account: "123456789012"'
    return f"account ids must be quoted strings: YAML reads {text} {how}", f'write account: "{text}"'


def _discover_fragments(
    root: Path,
    data: dict[str, Any],
    sources: Sources,
    collector: _Collector,
    env: Mapping[str, str],
    *,
    lenient_env: bool = False,
) -> dict[str, Path]:
    """Merge agents/*/agent.yaml into `data['agents']`; a name defined twice is an error naming both files."""
    found: dict[str, Path] = {}
    agents = data.setdefault("agents", {}) if isinstance(data.get("agents", {}), dict) else None
    if agents is None:
        return found
    for fragment in sorted(root.glob(FRAGMENT_GLOB)):
        rel = fragment.relative_to(root).as_posix()
        doc = read_yaml_file(fragment, rel, env, lenient_env=lenient_env)
        collector.issues.extend(doc.issues)
        if doc.data is None:
            continue
        if not isinstance(doc.data, dict):
            collector.issues.append(ConfigIssue(rel, 1, 1, "", "an agent fragment must be a mapping of agent settings"))
            continue
        body = dict(doc.data)
        name = body.pop("name", None) or fragment.parent.name
        if not isinstance(name, str):
            collector.issues.append(ConfigIssue(rel, *doc.source.position(("name",)), "name", "expected a string"))
            continue
        if name in agents:
            first = sources.file_of(("agents", name))
            other = found.get(name)
            first_file = other.relative_to(root).as_posix() if other else first
            line, col = doc.source.position(("name",) if "name" in doc.data else ())
            collector.issues.append(
                ConfigIssue(
                    rel,
                    line,
                    col,
                    f"agents.{name}",
                    f"agent '{name}' is defined twice: in {first_file} and in {rel}",
                    "rename one of them (a fragment's name is its `name:` or its directory name)",
                )
            )
            continue
        body.setdefault("path", fragment.parent.relative_to(root).as_posix())
        agents[name] = body
        found[name] = fragment
        sources.mounts[("agents", name)] = (doc.source, ())
        for loc, issue in doc.unresolved.items():
            collector.unresolved[("agents", name, *loc)] = issue
    return found


@dataclass
class _AgentRefs:
    """The parts of one agent that refer to files, resources, queues and routes, each kept if it validates."""

    path: str | None = None
    handler: str = "app.handler"
    requirements: str | None = None
    routes: list[tuple[int, str]] = field(default_factory=list)
    triggers: list[tuple[int, TriggerConfig]] = field(default_factory=list)
    permissions: list[tuple[int, PermissionConfig]] = field(default_factory=list)

    @classmethod
    def of(cls, agent: AgentConfig) -> _AgentRefs:
        """Every reference of a valid agent."""
        return cls(
            path=agent.path,
            handler=agent.handler,
            requirements=agent.requirements,
            routes=list(enumerate(agent.api.routes)) if agent.api else [],
            triggers=list(enumerate(agent.triggers)),
            permissions=list(enumerate(agent.permissions)),
        )

    @classmethod
    def partial(cls, body: Any) -> _AgentRefs:
        """The references of an agent that failed validation: whichever parts are valid on their own."""
        refs = cls()
        if not isinstance(body, dict):
            return refs
        files = {k: body[k] for k in ("path", "handler", "requirements") if k in body}
        try:
            valid = AgentConfig.model_validate(files)
            refs.path, refs.handler, refs.requirements = valid.path, valid.handler, valid.requirements
        except ValidationError:
            pass
        api = body.get("api")
        if isinstance(api, dict):
            with contextlib.suppress(ValidationError):
                refs.routes = list(enumerate(ApiConfig.model_validate({"routes": api.get("routes")}).routes))
        for attr, model in (("triggers", TriggerConfig), ("permissions", PermissionConfig)):
            items = body.get(attr)
            if not isinstance(items, list):
                continue
            for i, item in enumerate(items):
                try:
                    getattr(refs, attr).append((i, model.model_validate(item)))
                except ValidationError:
                    continue
        return refs


def _valid_parts(data: dict[str, Any]) -> tuple[dict[str, _AgentRefs], dict[str, Any]]:
    """References of every agent and the resources that validate, so references are checked even when others fail."""
    agents: dict[str, _AgentRefs] = {}
    resources: dict[str, Any] = {}
    raw_agents = data.get("agents")
    if isinstance(raw_agents, dict):
        for name, body in raw_agents.items():
            try:
                agents[name] = _AgentRefs.of(AgentConfig.model_validate(body))
            except ValidationError:
                agents[name] = _AgentRefs.partial(body)
    raw_resources = data.get("resources")
    if isinstance(raw_resources, dict):
        for name, body in raw_resources.items():
            try:
                resources[name] = _resource_adapter().validate_python(body)
            except ValidationError:
                continue
    return agents, resources


def _check_references(
    agents: Mapping[str, _AgentRefs],
    resources: Mapping[str, Any],
    root: Path,
    collector: _Collector,
    also_known: set[str] | None = None,
) -> None:
    unchecked = (also_known or set()) - set(resources)
    routes: dict[str, str] = {}
    real_root = os.path.realpath(root)
    for name, agent in agents.items():
        base: Loc = ("agents", name)
        for i, perm in agent.permissions:
            loc = (*base, "permissions", i, "resource")
            target_kind: str | None = None
            if perm.resource in unchecked:
                continue
            if perm.resource in resources:
                target_kind = resources[perm.resource].type
            elif perm.resource in agents:
                target_kind = "agent"
                if perm.resource == name:
                    collector.add(loc, f"agent '{name}' cannot be given permissions on itself")
                    continue
            else:
                known = sorted([*resources, *agents, *unchecked])
                guess = messages.suggest(perm.resource, known)
                collector.add(
                    loc,
                    f"'{perm.resource}' is not a resource or agent of this project",
                    f"did you mean '{guess}'?"
                    if guess
                    else f"define it under resources: (known: {', '.join(known)})"
                    if known
                    else "define it under resources:",
                )
                continue
            if perm.access is not None and perm.access not in ACCESS_BY_KIND[target_kind]:
                allowed = ", ".join(ACCESS_BY_KIND[target_kind])
                collector.add(
                    (*base, "permissions", i, "access"),
                    f"access '{perm.access}' does not apply to {target_kind} '{perm.resource}'; "
                    f"expected one of: {allowed}",
                )
        for i, trigger in agent.triggers:
            loc = (*base, "triggers", i, "queue")
            target = resources.get(trigger.queue)
            if trigger.queue in unchecked:
                continue
            if target is None:
                guess = messages.suggest(trigger.queue, [n for n, r in resources.items() if r.type == "sqs"])
                collector.add(
                    loc,
                    f"'{trigger.queue}' is not a resource of this project",
                    f"did you mean '{guess}'?" if guess else "define it: {type: sqs}",
                )
            elif target.type != "sqs":
                article = "a" if target.type == "dynamodb" else "an"
                collector.add(loc, f"'{trigger.queue}' is {article} {target.type} resource; triggers need an sqs queue")
            elif target.fifo and trigger.batch_size > 10:
                collector.add(
                    (*base, "triggers", i, "batch_size"), f"{trigger.batch_size} is above the FIFO queue maximum 10"
                )
        if agent.path is not None:
            _check_agent_files(name, agent, real_root, collector)
        for j, route in agent.routes:
            if route in routes:
                collector.add(
                    (*base, "api", "routes", j),
                    f"route '{route}' is already served by agent '{routes[route]}'",
                    "each route key goes to one agent; change the path or the method",
                )
            else:
                routes[route] = name


def _check_agent_files(name: str, agent: _AgentRefs, root: str, collector: _Collector) -> None:
    # os.path rather than pathlib: this runs for every agent of a monorepo on every command
    base: Loc = ("agents", name)
    assert agent.path is not None
    if "\x00" in agent.path or (agent.requirements and "\x00" in agent.requirements):
        collector.add((*base, "path"), "paths cannot contain NUL characters")
        return
    agent_dir = os.path.realpath(os.path.join(root, agent.path))
    if agent_dir != root and not agent_dir.startswith(root.rstrip(os.sep) + os.sep):
        collector.add((*base, "path"), f"'{agent.path}' points outside the project directory")
        return
    if not os.path.isdir(agent_dir):
        collector.add(
            (*base, "path"),
            f"directory '{agent.path}' does not exist",
            "create it, or run `strands init` to scaffold an agent",
        )
        return
    module, _, _function = agent.handler.rpartition(".")
    module_path = module.replace(".", "/")
    if not os.path.isfile(os.path.join(agent_dir, module_path + ".py")) and not os.path.isfile(
        os.path.join(agent_dir, module_path, "__init__.py")
    ):
        rel = (PurePosixPath(agent.path) / (module_path + ".py")).as_posix()
        collector.add(
            (*base, "handler"),
            f"handler module '{module}' not found: {rel} does not exist",
            f"create {rel} with a function {_function}(event, context)",
        )
    if agent.requirements is not None:
        requirements = os.path.realpath(os.path.join(agent_dir, agent.requirements))
        if not requirements.startswith(root.rstrip(os.sep) + os.sep):
            collector.add((*base, "requirements"), f"'{agent.requirements}' points outside the project directory")
        elif not os.path.isfile(requirements):
            rel = (PurePosixPath(agent.path) / agent.requirements).as_posix()
            collector.add((*base, "requirements"), f"requirements file {rel} does not exist")


def _region_fields(data: dict[str, Any]) -> list[tuple[Loc, bool]]:
    """Every region value's path in the raw document, with whether allow_unknown_region covers it."""
    project_allows = data.get("allow_unknown_region") is True
    out: list[tuple[Loc, bool]] = [(("region",), project_allows), (("state", "region"), project_allows)]
    environments = data.get("environments")
    for name, env in environments.items() if isinstance(environments, dict) else ():
        if isinstance(env, dict):
            allows = project_allows or env.get("allow_unknown_region") is True
            out += [(("environments", name, "region"), allows), (("environments", name, "state", "region"), allows)]
    return out


def _value_at(data: Any, loc: Loc) -> Any:
    for part in loc:
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _check_regions(data: dict[str, Any], collector: _Collector) -> None:
    """Regions must be ones botocore knows (offline data), unless allow_unknown_region says a new one is meant.

    Runs on the raw document, so an unknown region is reported in the same run as every other problem.
    Values that are not region-shaped are left to the model's own message.
    """
    from strands_tf.config import regions
    from strands_tf.config.types import is_region_shaped

    for loc, allowed in _region_fields(data):
        value = _value_at(data, loc)
        if allowed or not isinstance(value, str) or not is_region_shaped(value):
            continue
        if collector.sources.already_reported(loc) or regions.is_known_region(value):
            continue
        if not regions.known_regions():
            return  # botocore's data is missing: nothing to check against
        collector.add(loc, f"'{value}' is not a known AWS region", regions.region_hint(value))


def _model_value_at(data: Any, loc: Loc) -> Any:
    """The validated value at a document path (through models, mappings and lists), or None."""
    for part in loc:
        if isinstance(data, BaseModel):
            data = getattr(data, str(part), None) if str(part) in type(data).model_fields else None
        elif isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _check_numbers_read_as_strings(config: ProjectConfig, collector: _Collector) -> None:
    """A plain number in a string field (an environment variable, a tag) must keep the text written.

    YAML reads `02134` as the octal number 1116, `1:30` as 90, `0x1F` as 31 and `1.10` as 1.1; the string
    fields take numbers (`cost-center: 4411`), so such a value would silently become a different text.
    """
    sources = collector.sources
    written = [((), path, text) for path, text in sources.root.numbers.items()]
    for mount, (source, inner) in sources.mounts.items():
        written += [
            (mount, path[len(inner) :], text) for path, text in source.numbers.items() if path[: len(inner)] == inner
        ]
    for mount, path, text in written:
        loc = (*mount, *path)
        value = _model_value_at(config, loc)
        if isinstance(value, str) and value != text:
            collector.add(
                loc,
                f"YAML reads {text} as the number {value}, so the value would be '{value}'",
                f"quote it to keep it as written: '{text}'",
            )


def _check_local_environment(config: ProjectConfig, collector: _Collector) -> None:
    """A declared `local` (to give the emulator a VPC, tags, overrides) stays the emulator unless `target:` says.

    It became an AWS environment (the field's default), so `-e local` used the machine's AWS credentials and
    deployed to that account. With an AWS account's settings and no `target:`, what is meant is unclear: ask.
    """
    local = config.environments.get("local")
    if local is None or "target" in local.model_fields_set:
        return
    aws_settings = [name for name in ("account", "profile", "role_arn", "external_id") if getattr(local, name)]
    if aws_settings:
        collector.add(
            ("environments", "local"),
            f"'local' is the offline emulator, but it sets {', '.join(aws_settings)} of an AWS account",
            "to deploy to AWS, give that environment another name (or write target: aws); for the emulator, "
            "remove them",
            key=True,
        )
        return
    local.target = "emulator"


def _check_overrides(config: ProjectConfig, collector: _Collector) -> None:
    for env_name, env in config.environments.items():
        base: Loc = ("environments", env_name, "overrides")
        for agent_name in env.overrides.agents:
            if agent_name not in config.agents:
                guess = messages.suggest(agent_name, list(config.agents))
                collector.add(
                    (*base, "agents", agent_name),
                    f"override for unknown agent '{agent_name}'",
                    f"did you mean '{guess}'?" if guess else None,
                    key=True,
                )
        for res_name, changes in env.overrides.resources.items():
            loc = (*base, "resources", res_name)
            resource = config.resources.get(res_name)
            if resource is None:
                guess = messages.suggest(res_name, list(config.resources))
                collector.add(
                    loc,
                    f"override for unknown resource '{res_name}'",
                    f"did you mean '{guess}'?" if guess else None,
                    key=True,
                )
                continue
            if not isinstance(changes, dict):
                collector.add(loc, f"expected a mapping of {resource.type} settings")
                continue
            if "type" in changes and changes["type"] != resource.type:
                collector.add((*loc, "type"), "an override cannot change a resource's type")
                continue
            merged = {**resource.model_dump(exclude_unset=True), **changes, "type": resource.type}
            try:
                type(resource).model_validate(merged)
            except ValidationError as exc:
                for error in exc.errors(include_url=False):
                    inner, is_key = _normalise_loc(tuple(error["loc"]))
                    message, hint = messages.render(
                        error, ProjectConfig, ("resources", res_name, resource.type, *inner)
                    )
                    collector.add((*loc, *inner), message, hint, key=is_key or error["type"] == "extra_forbidden")


def find_config(start: Path) -> Path:
    """The strands.yaml in `start` (a directory or a file path)."""
    return start if start.suffix in (".yaml", ".yml") and not start.is_dir() else start / CONFIG_FILENAME


def load_project(
    project_dir: Path | str = ".",
    *,
    config_file: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    lenient_env: bool = False,
) -> LoadedProject:
    """Read, validate and cross-check a project; raise ConfigError listing every problem found.

    ``lenient_env`` (read-only commands): a value using an unset ``${env:NAME}`` is left out (defaults
    apply) and listed in ``LoadedProject.unresolved``; call :func:`require_resolved` for what you need.
    """
    environ = os.environ if env is None else env
    root = Path(project_dir)
    path = Path(config_file) if config_file else find_config(root)
    if config_file:
        root = path.parent
    display = path.name if path.parent == root else str(path)
    if not root.is_dir():
        raise ConfigError(
            [ConfigIssue(str(root), None, None, "", "the project directory does not exist", "check the -C DIR value")]
        )
    doc = read_yaml_file(path, display, environ, lenient_env=lenient_env)
    sources = Sources(doc.source)
    collector = _Collector(sources)
    collector.issues.extend(doc.issues)
    collector.unresolved.update(doc.unresolved)
    if doc.data is None:
        raise ConfigError(collector.issues or [ConfigIssue(display, 1, 1, "", "the file is empty")])
    if not isinstance(doc.data, dict):
        collector.issues.append(
            ConfigIssue(
                display,
                1,
                1,
                "",
                f"expected a mapping at the top of the file, got {messages.describe(doc.data)}",
                "start with `version: 1`",
            )
        )
        raise ConfigError(collector.issues)
    data: dict[str, Any] = dict(doc.data)
    fragments = _discover_fragments(root, data, sources, collector, environ, lenient_env=lenient_env)
    _check_regions(data, collector)
    try:
        config = ProjectConfig.model_validate(data)
    except ValidationError as exc:
        _validation_issues(exc, collector)
        agents, resources = _valid_parts(data)
        raw_resources = data.get("resources") if isinstance(data.get("resources"), dict) else {}
        # a resource that failed validation still exists: don't also call references to it dangling
        _check_references(agents, resources, root, collector, also_known=set(raw_resources or {}))
        raise ConfigError(collector.issues) from None
    _check_references(
        {name: _AgentRefs.of(agent) for name, agent in config.agents.items()}, config.resources, root, collector
    )
    _check_overrides(config, collector)
    _check_local_environment(config, collector)
    _check_numbers_read_as_strings(config, collector)
    if collector.issues:
        raise ConfigError(collector.issues)
    logger.debug(
        "loaded %s",
        display,
        extra={"agents": len(config.agents), "resources": len(config.resources), "fragments": len(fragments)},
    )
    return LoadedProject(config, root, path, sources, data, fragments, dict(collector.unresolved))
