"""Reader of Terraform state files, format version 4 (Terraform 0.12 and later, OpenTofu)."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strands_tf.errors import StateError
from strands_tf.inputfile import MAX_STATE_BYTES, InputFileError, JSONNestingError, loads_json, read_input
from strands_tf.terraform.plan import SENSITIVE, build_address

log = logging.getLogger(__name__)

SUPPORTED_VERSION = 4

PathStep = str | int
AttrPath = tuple[PathStep, ...]


class TfStateError(StateError):
    """A file that is not a readable version-4 tfstate."""


@dataclass(slots=True)
class TfInstance:
    """One object of a resource (one count index / for_each key, or a deposed object)."""

    index_key: str | int | None
    status: str | None  # "tainted" or None
    deposed: str | None
    schema_version: int | None
    attributes: dict[str, Any]
    sensitive_paths: list[AttrPath]
    dependencies: list[str]
    create_before_destroy: bool

    @property
    def tainted(self) -> bool:
        """True when Terraform will replace this object on the next apply."""
        return self.status == "tainted"

    def redacted_attributes(self) -> dict[str, Any]:
        """Attributes with every path in ``sensitive_attributes`` replaced by "(sensitive)"."""
        return redact_paths(self.attributes, self.sensitive_paths)


@dataclass(slots=True)
class TfResource:
    """One resource block's state (all its instances)."""

    module: str  # "" for the root module
    mode: str
    type: str
    name: str
    provider: str
    each: str | None  # "list" (count), "map" (for_each) or None
    instances: list[TfInstance]

    @property
    def address(self) -> str:
        """Resource address without an instance key."""
        return build_address(self.module, self.mode, self.type, self.name)

    def instance_address(self, inst: TfInstance) -> str:
        """Full instance address, e.g. ``module.m.aws_x.y["k"]``."""
        return build_address(self.module, self.mode, self.type, self.name, inst.index_key)

    @property
    def provider_name(self) -> str:
        """Provider source address, e.g. ``registry.terraform.io/hashicorp/aws`` (or ``aws`` for 0.12)."""
        m = re.search(r'provider\["([^"]+)"\]', self.provider)
        if m:
            return m.group(1)
        return self.provider.removeprefix("provider.").split(".", 1)[0]


@dataclass(slots=True)
class TfOutput:
    """A root module output."""

    name: str
    value: Any
    type: Any
    sensitive: bool

    def masked(self) -> Any:
        """The value, or "(sensitive)"."""
        return SENSITIVE if self.sensitive else self.value


@dataclass(slots=True)
class TfState:
    """A decoded tfstate."""

    version: int
    terraform_version: str | None
    serial: int
    lineage: str | None
    outputs: dict[str, TfOutput]
    resources: list[TfResource]
    source: str = "<tfstate>"

    def instances(self) -> list[tuple[TfResource, TfInstance, str]]:
        """Every (resource, instance, instance address), deposed objects included."""
        return [(r, i, r.instance_address(i)) for r in self.resources for i in r.instances]

    def find(self, address: str) -> tuple[TfResource, TfInstance] | None:
        """The current (non-deposed) instance at ``address``."""
        for r, i, addr in self.instances():
            if addr == address and i.deposed is None:
                return r, i
        return None


# ---------------------------------------------------------------------------------------------------
# Sensitive paths


_DOTTED_RE = re.compile(r'\.?([^.\[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]')


def _step(raw: Any) -> PathStep | None:
    if isinstance(raw, dict):
        kind = raw.get("type")
        value = raw.get("value")
        if isinstance(value, dict) and "value" in value:  # index step: {"value": 0, "type": "number"}
            value = value["value"]
        if kind == "get_attr" and isinstance(value, str):
            return value
        if kind == "index":
            if isinstance(value, bool):
                return None
            if isinstance(value, int | str):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
        return None
    if isinstance(raw, str | int) and not isinstance(raw, bool):
        return raw
    return None


def _parse_dotted(text: str) -> AttrPath:
    steps: list[PathStep] = []
    for m in _DOTTED_RE.finditer(text):
        if m.group(1) is not None:
            steps.append(m.group(1))
        elif m.group(2) is not None:
            steps.append(int(m.group(2)))
        else:
            steps.append(json.loads(f'"{m.group(3)}"'))
    return tuple(steps)


def _marker_paths(tree: Any, prefix: AttrPath, out: list[AttrPath]) -> None:
    if tree is True:
        out.append(prefix)
    elif isinstance(tree, dict):
        for k, v in tree.items():
            _marker_paths(v, (*prefix, k), out)
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            _marker_paths(v, (*prefix, i), out)


def normalize_sensitive_paths(raw: Any) -> list[AttrPath]:
    """Every shape of ``sensitive_attributes`` seen → a list of attribute paths.

    Accepted: a list of paths, each a list of cty steps (``[[{"type": "get_attr", "value": "ami"}]]``,
    index steps as ``{"type": "index", "value": {"value": 0, "type": "number"}}``); one path given as a
    flat list of steps; paths as plain step lists (``[["tags", "secret"]]``) or dotted strings
    (``"config[0].password"``); and a value-shaped marker tree like a plan's ``after_sensitive``.
    A step that cannot be read ends the path there, so the enclosing value is hidden rather than leaked.
    """
    if not raw:
        return []
    if isinstance(raw, dict):
        out: list[AttrPath] = []
        _marker_paths(raw, (), out)
        return out
    if not isinstance(raw, list):
        log.warning("unreadable sensitive_attributes %r; treating every attribute as sensitive", raw)
        return [()]
    if raw and all(isinstance(s, dict) and "type" in s for s in raw):
        raw = [raw]  # one path written as a flat list of steps
    paths: list[AttrPath] = []
    for entry in raw:
        if isinstance(entry, str):
            paths.append(_parse_dotted(entry))
            continue
        if isinstance(entry, dict) and "type" not in entry:
            _marker_paths(entry, (), paths)
            continue
        steps = entry if isinstance(entry, list) else [entry]
        path: list[PathStep] = []
        for s in steps:
            step = _step(s)
            if step is None:
                break
            path.append(step)
        paths.append(tuple(path))
    return paths


def _build_trie(paths: list[AttrPath]) -> dict[Any, Any] | bool:
    trie: dict[Any, Any] = {}
    for path in paths:
        if not path:
            return True
        node = trie
        for step in path[:-1]:
            nxt = node.get(step)
            if nxt is True:
                break
            if nxt is None:
                nxt = node[step] = {}
            node = nxt
        else:
            node[path[-1]] = True
    return trie


def _redact(value: Any, trie: Any) -> Any:
    if trie is True:
        return SENSITIVE
    if isinstance(value, dict):
        if not any(k in value for k in trie) and set(value) == {"value", "type"}:
            # Dynamically typed attributes (e.g. terraform_data.input) are stored as {value, type}.
            return {"value": _redact(value["value"], trie), "type": value["type"]}
        if any(k not in value for k in trie):
            # The path does not fit the value: hide the whole container rather than guess.
            return SENSITIVE
        return {k: (_redact(v, trie[k]) if k in trie else v) for k, v in value.items()}
    if isinstance(value, list):
        if any(not isinstance(k, int) or k >= len(value) for k in trie):
            return SENSITIVE
        return [(_redact(v, trie[i]) if i in trie else v) for i, v in enumerate(value)]
    if value is None:
        return None
    return SENSITIVE


def redact_paths(attributes: dict[str, Any], paths: list[AttrPath]) -> dict[str, Any]:
    """A copy of ``attributes`` with each path replaced by "(sensitive)" (the input is not modified)."""
    if not paths:
        return attributes
    trie = _build_trie(paths)
    if trie is True:
        return dict.fromkeys(attributes, SENSITIVE)
    out = _redact(attributes, trie)
    return out if isinstance(out, dict) else dict.fromkeys(attributes, SENSITIVE)


def sensitive_values(attributes: dict[str, Any], paths: list[AttrPath]) -> list[Any]:
    """The values found at ``paths`` (for scrubbing copies of a secret found elsewhere)."""
    found: list[Any] = []
    for path in paths:
        node: Any = attributes
        for step in path:
            if isinstance(node, dict) and step not in node and set(node) == {"value", "type"}:
                node = node["value"]
            in_dict = isinstance(node, dict) and step in node
            in_list = isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)
            if in_dict or in_list:
                node = node[step]
            else:
                node = None
                break
        if node is not None:
            found.append(node)
    return found


# strands marks every literal Lambda environment value sensitive, because it may be a secret. Short ones
# ("info", "1", "true") stay masked where they are, but are not searched for elsewhere: as whole strings they
# would match unrelated values all over a state file or a history record.
SEARCHED_SECRET_MIN = 8
_LAMBDA_ENVIRONMENT: AttrPath = ("environment", 0, "variables")


def _leaves(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _leaves(item, out)
    elif isinstance(value, list):
        for item in value:
            _leaves(item, out)


def searched_secrets(resource_type: str, attributes: dict[str, Any], paths: list[AttrPath]) -> set[str]:
    """The sensitive strings of one instance worth searching for in other values (see SEARCHED_SECRET_MIN)."""
    found: set[str] = set()
    for path in paths:
        leaves: list[str] = []
        for value in sensitive_values(attributes, [path]):
            _leaves(value, leaves)
        environment = resource_type == "aws_lambda_function" and path[: len(_LAMBDA_ENVIRONMENT)] in (
            _LAMBDA_ENVIRONMENT,
            _LAMBDA_ENVIRONMENT[: len(path)],
        )
        found.update(v for v in leaves if v and not (environment and len(v) < SEARCHED_SECRET_MIN))
    return found


# ---------------------------------------------------------------------------------------------------
# Parsing


def _fail(source: str, summary: str, hint: str | None = None, detail: str | None = None) -> TfStateError:
    return TfStateError(
        f"{source}: {summary}",
        detail=detail,
        hint=hint or "Pass a terraform.tfstate file (or the output of `terraform state pull`).",
        data={"file": source},
    )


def _instance(raw: Any, where: str, source: str) -> TfInstance:
    if not isinstance(raw, dict):
        raise _fail(source, f"{where} is not an object")
    attrs = raw.get("attributes")
    if attrs is None and "attributes_flat" in raw:
        raise _fail(
            source,
            f"{where} has only flat (0.11-style) attributes",
            hint="Run `terraform apply` or `terraform refresh` once with Terraform 0.12+ to upgrade it.",
        )
    if not isinstance(attrs, dict):
        attrs = {}
    deps = raw.get("dependencies") or raw.get("depends_on") or []
    return TfInstance(
        index_key=raw.get("index_key"),
        status=raw.get("status"),
        deposed=raw.get("deposed"),
        schema_version=raw.get("schema_version"),
        attributes=attrs,
        sensitive_paths=normalize_sensitive_paths(raw.get("sensitive_attributes")),
        dependencies=[d for d in deps if isinstance(d, str)],
        create_before_destroy=bool(raw.get("create_before_destroy", False)),
    )


def parse_tfstate_dict(doc: Any, source: str = "<tfstate>") -> TfState:
    """Model an already decoded tfstate document."""
    if not isinstance(doc, dict):
        raise _fail(source, "not a state file: the JSON document is not an object")
    version = doc.get("version")
    if version is None:
        if "format_version" in doc and ("resource_changes" in doc or "planned_values" in doc):
            raise _fail(source, "not a state file: this is a plan JSON (terraform show -json <planfile>)")
        if "format_version" in doc and "values" in doc:
            raise _fail(
                source,
                "not a state file: this is `terraform show -json` output",
                hint="Use the raw state: `terraform state pull > terraform.tfstate`.",
            )
        raise _fail(source, 'not a state file: no "version" field')
    if version == 3 or (isinstance(version, int) and version < SUPPORTED_VERSION):
        raise _fail(
            source,
            f"state format version {version} is from Terraform 0.11 or earlier: "
            "run terraform once with a newer version to upgrade it",
            hint="Run terraform once with a newer version (0.12 or later), e.g. `terraform refresh`, "
            "to upgrade the state to version 4.",
        )
    if version != SUPPORTED_VERSION:
        raise _fail(
            source,
            f"state format version {version!r} is not supported (this tool reads version 4)",
            hint="Upgrade strands-tf, or read the state with the Terraform version that wrote it.",
        )
    outputs: dict[str, TfOutput] = {}
    for name, out in (doc.get("outputs") or {}).items():
        if isinstance(out, dict):
            outputs[name] = TfOutput(name, out.get("value"), out.get("type"), bool(out.get("sensitive")))
    resources: list[TfResource] = []
    raw_resources = doc.get("resources")
    if raw_resources is None:
        raw_resources = []
    if not isinstance(raw_resources, list):
        raise _fail(source, "resources is not a list")
    for i, r in enumerate(raw_resources):
        where = f"resources[{i}]"
        if not isinstance(r, dict) or not isinstance(r.get("type"), str) or not isinstance(r.get("name"), str):
            raise _fail(source, f"{where} has no type and name")
        insts = r.get("instances")
        if insts is None:
            insts = []
        if not isinstance(insts, list):
            raise _fail(source, f"{where}.instances is not a list")
        resources.append(
            TfResource(
                module=r.get("module") or "",
                mode=r.get("mode", "managed"),
                type=r["type"],
                name=r["name"],
                provider=r.get("provider", ""),
                each=r.get("each"),
                instances=[_instance(x, f"{where}.instances[{j}]", source) for j, x in enumerate(insts)],
            )
        )
    serial = doc.get("serial", 0)
    return TfState(
        version=version,
        terraform_version=doc.get("terraform_version"),
        serial=serial if isinstance(serial, int) else 0,
        lineage=doc.get("lineage"),
        outputs=outputs,
        resources=resources,
        source=source,
    )


def parse_tfstate_bytes(data: bytes | str, source: str = "<tfstate>") -> TfState:
    """Decode and model a tfstate given as bytes or text."""
    if not data or not data.strip():
        raise _fail(source, "the state file is empty", hint="Nothing has been applied yet, or the file was cut.")
    try:
        doc = loads_json(data)
    except json.JSONDecodeError as exc:
        text = exc.doc if isinstance(exc.doc, str) else ""
        if exc.pos >= len(text.rstrip()):
            summary = f"truncated JSON: the state file ends early (line {exc.lineno}, column {exc.colno})"
        else:
            summary = f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        raise _fail(source, summary, detail=str(exc)) from None
    except UnicodeDecodeError as exc:
        raise _fail(source, f"not a text file: {exc.reason} at byte {exc.start}") from None
    except JSONNestingError as exc:
        raise _fail(source, f"invalid JSON: {exc}") from None
    return parse_tfstate_dict(doc, source)


def load_tfstate(path: str | Path) -> TfState:
    """Read a tfstate file (bounded, regular files only); every failure is a :class:`TfStateError` naming the file."""
    p = Path(path)
    try:
        data = read_input(p, MAX_STATE_BYTES)
    except InputFileError as exc:
        if exc.reason == "missing":
            raise _fail(str(p), "state file not found", hint="Has this stack been applied?") from None
        if exc.reason == "directory":
            raise _fail(str(p), "is a directory, expected a tfstate file") from None
        raise _fail(str(p), exc.problem) from None
    return parse_tfstate_bytes(data, str(p))
