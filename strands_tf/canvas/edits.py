"""Canvas edit operations → changes to strands.yaml and agents/*/agent.yaml, references kept consistent.

The API speaks in operations on the merged document (`set agents.support.memory`, `rename resource
tickets`); this module turns them into line-minimal edits of the file that holds each part
(strands_tf/canvas/yamledit.py), new fragment files, and the agent code a new agent needs to validate.
Nothing is written here: `plan_edits` returns the new texts, the caller writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from strands_tf.canvas.project_files import NAME_RE, ProjectText, merge_files
from strands_tf.canvas.yamledit import (
    AppendItem,
    DeleteValue,
    Edit,
    EditError,
    RenameKey,
    SetValue,
    detect_style,
    edit_text,
    render_document,
)
from strands_tf.config.loader import CONFIG_FILENAME

MAX_OPS = 200
PathPart = Annotated[str, Field(max_length=200)] | Annotated[int, Field(ge=0, le=100_000)]
DocPath = Annotated[list[PathPart], Field(min_length=1, max_length=16)]
Name = Annotated[str, Field(pattern=NAME_RE.pattern, max_length=64)]
ResourceType = Literal["s3", "dynamodb", "sqs", "sns"]
AgentKind = Literal["http", "queue"]


class _Op(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SetOp(_Op):
    """Set a value (a field of the properties panel, an edge's access template)."""

    op: Literal["set"]
    path: DocPath
    value: Any


class DeleteOp(_Op):
    """Remove a key or a list item (a field reset to its default, a permission edge)."""

    op: Literal["delete"]
    path: DocPath


class AppendOp(_Op):
    """Append to a list (a new permission, trigger or route)."""

    op: Literal["append"]
    path: DocPath
    value: Any


class AddAgentOp(_Op):
    """A new agent from the palette: its YAML and, when its directory is missing, runnable code."""

    op: Literal["add_agent"]
    name: Name
    kind: AgentKind = "http"
    settings: dict[str, Any] = Field(default_factory=dict)


class AddResourceOp(_Op):
    """A new resource from the palette, with the fields its type requires."""

    op: Literal["add_resource"]
    name: Name
    type: ResourceType
    settings: dict[str, Any] = Field(default_factory=dict)


class RenameOp(_Op):
    """Rename an agent, resource or environment; permissions, triggers and overrides follow."""

    op: Literal["rename"]
    kind: Literal["agent", "resource", "environment"]
    name: Name
    new_name: Name


class RemoveOp(_Op):
    """Delete an agent, resource or environment and every reference to it."""

    op: Literal["remove"]
    kind: Literal["agent", "resource", "environment"]
    name: Name


Operation = Annotated[
    SetOp | DeleteOp | AppendOp | AddAgentOp | AddResourceOp | RenameOp | RemoveOp, Field(discriminator="op")
]


class EditRequest(BaseModel):
    """POST /api/edit: operations applied together on the revision the canvas last saw."""

    model_config = ConfigDict(extra="forbid")

    base: str = Field(max_length=64)
    ops: list[Operation] = Field(min_length=1, max_length=MAX_OPS)


# the fields a resource type requires, so a resource dropped from the palette validates at once
RESOURCE_DEFAULTS: dict[str, dict[str, Any]] = {
    "s3": {"type": "s3"},
    "dynamodb": {"type": "dynamodb", "hash_key": "id"},
    "sqs": {"type": "sqs"},
    "sns": {"type": "sns"},
}


@dataclass
class EditPlan:
    """What a batch of operations changes: new file texts (None deletes), agent code to create, renames."""

    files: dict[str, str | None] = field(default_factory=dict)
    code: dict[str, str] = field(default_factory=dict)  # agent name -> template kind, for missing directories
    renamed_nodes: dict[str, str] = field(default_factory=dict)  # canvas node id -> new id
    removed_nodes: list[str] = field(default_factory=list)


class _Texts:
    """The files as the batch changes them, with the merged document recomputed after each operation."""

    def __init__(self, project: ProjectText) -> None:
        self.root = project.root
        self.texts: dict[str, str | None] = dict(project.files)
        self._project: ProjectText | None = project

    @property
    def project(self) -> ProjectText:
        """The merged document of the texts as they are now (recomputed only when an operation needs it)."""
        if self._project is None:
            self._project = merge_files(self.root, {k: v for k, v in self.texts.items() if v is not None})
        return self._project

    def refresh(self) -> None:
        self._project = None

    def edit(self, rel: str, edit: Edit) -> None:
        text = self.texts.get(rel)
        if text is None:
            if rel != CONFIG_FILENAME:
                raise EditError(f"{rel} does not exist")
            text = ""
        self.texts[rel] = edit_text(text, edit)

    def edit_path(self, edit: Edit) -> None:
        path = edit.path
        if len(path) == 2 and path[0] == "agents" and isinstance(path[1], str) and self.project.fragment_of(path[1]):
            raise EditError(f"agent '{path[1]}' lives in {self.project.fragment_of(path[1])}: change it field by field")
        rel, inner = self.project.route(path)
        if not inner:
            raise EditError("a fragment agent is changed field by field")
        self.edit(rel, _with_path(edit, inner))
        self.refresh()


def _with_path(edit: Edit, path: tuple[str | int, ...]) -> Edit:
    if isinstance(edit, SetValue):
        return SetValue(path, edit.value)
    if isinstance(edit, AppendItem):
        return AppendItem(path, edit.value)
    if isinstance(edit, RenameKey):
        return RenameKey(path, edit.new_key)
    return DeleteValue(path)


def _section(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _uses_fragments(project: ProjectText) -> bool:
    """A monorepo keeps its agents in agents/*/agent.yaml: new agents go there too."""
    in_main = [name for name, origin in project.origins.items() if origin == CONFIG_FILENAME]
    return not in_main and any(origin != CONFIG_FILENAME for origin in project.origins.values())


def _ensure_header(texts: _Texts) -> None:
    # a file with only comments is the user's (never replaced by a template): the first element added to it
    # brings the two settings every project needs, so the result validates
    data = texts.project.data
    if "version" not in data:
        texts.edit_path(SetValue(("version",), 1))
    if "project" not in data:
        from strands_tf.scaffold import project_name_for

        texts.edit_path(SetValue(("project",), project_name_for(texts.root)))


def _add_agent(texts: _Texts, op: AddAgentOp, plan: EditPlan) -> None:
    _ensure_header(texts)
    project = texts.project
    if op.name in _section(project.data, "agents"):
        raise EditError(f"agent '{op.name}' already exists", hint="choose another name")
    if op.name in _section(project.data, "resources"):
        raise EditError(f"'{op.name}' is already the name of a resource", hint="choose another name")
    body: dict[str, Any] = {"path": f"agents/{op.name}", "handler": "app.handler", **op.settings}
    if _uses_fragments(project):
        rel = f"agents/{op.name}/agent.yaml"
        if texts.texts.get(rel) is not None:
            raise EditError(f"{rel} already exists")
        fragment = {k: v for k, v in body.items() if k != "path"}
        texts.texts[rel] = render_document(fragment, detect_style(texts.texts.get(CONFIG_FILENAME) or ""))
        texts.refresh()
    else:
        texts.edit_path(SetValue(("agents", op.name), body))
    plan.code[op.name] = op.kind


def _add_resource(texts: _Texts, op: AddResourceOp) -> None:
    _ensure_header(texts)
    data = texts.project.data
    if op.name in _section(data, "resources"):
        raise EditError(f"resource '{op.name}' already exists", hint="choose another name")
    if op.name in _section(data, "agents"):
        raise EditError(f"'{op.name}' is already the name of an agent", hint="choose another name")
    texts.edit_path(SetValue(("resources", op.name), {**RESOURCE_DEFAULTS[op.type], **op.settings}))


def _references(data: dict[str, Any], name: str, kind: str) -> list[tuple[str, str, int]]:
    """(agent, list key, index) of every permission or trigger naming `name`."""
    out: list[tuple[str, str, int]] = []
    for agent, body in _section(data, "agents").items():
        if not isinstance(body, dict):
            continue
        for key, field_name in (("permissions", "resource"), ("triggers", "queue")):
            if kind == "agent" and key == "triggers":
                continue
            items = body.get(key)
            if not isinstance(items, list):
                continue
            for index, item in enumerate(items):
                if isinstance(item, dict) and item.get(field_name) == name:
                    out.append((agent, key, index))
    return out


def _overrides(data: dict[str, Any], section: str, name: str) -> list[str]:
    """Environments whose overrides mention an agent or resource."""
    out = []
    for env, body in _section(data, "environments").items():
        overrides = body.get("overrides") if isinstance(body, dict) else None
        if isinstance(overrides, dict) and isinstance(overrides.get(section), dict) and name in overrides[section]:
            out.append(env)
    return out


def _rename(texts: _Texts, op: RenameOp, plan: EditPlan) -> None:
    data = texts.project.data
    if op.new_name == op.name:
        return
    section = {"agent": "agents", "resource": "resources", "environment": "environments"}[op.kind]
    if op.name not in _section(data, section):
        raise EditError(f"{op.kind} '{op.name}' does not exist")
    taken = set(_section(data, "agents")) | set(_section(data, "resources"))
    if op.kind == "environment":
        taken = set(_section(data, "environments"))
    if op.new_name in taken:
        raise EditError(f"'{op.new_name}' is already taken", hint="choose another name")
    if op.kind == "environment":
        texts.edit_path(RenameKey(("environments", op.name), op.new_name))
        plan.renamed_nodes[f"vpc:{op.name}"] = f"vpc:{op.new_name}"
        return
    for agent, key, index in _references(data, op.name, op.kind):
        field_name = "resource" if key == "permissions" else "queue"
        texts.edit_path(SetValue(("agents", agent, key, index, field_name), op.new_name))
    for env in _overrides(texts.project.data, section, op.name):
        texts.edit_path(RenameKey(("environments", env, "overrides", section, op.name), op.new_name))
    if op.kind == "agent" and texts.project.fragment_of(op.name):
        rel = texts.project.fragment_of(op.name)
        assert rel is not None
        texts.edit(rel, SetValue(("name",), op.new_name))
        texts.refresh()
    else:
        texts.edit_path(RenameKey((section, op.name), op.new_name))
    plan.renamed_nodes[f"{op.kind}:{op.name}"] = f"{op.kind}:{op.new_name}"


def _remove(texts: _Texts, op: RemoveOp, plan: EditPlan) -> None:
    data = texts.project.data
    section = {"agent": "agents", "resource": "resources", "environment": "environments"}[op.kind]
    if op.name not in _section(data, section):
        raise EditError(f"{op.kind} '{op.name}' does not exist")
    if op.kind != "environment":
        # highest index first, so the indexes still to delete stay valid
        for agent, key, index in sorted(_references(data, op.name, op.kind), key=lambda r: (r[0], r[1], -r[2])):
            texts.edit_path(DeleteValue(("agents", agent, key, index)))
        for env in _overrides(texts.project.data, section, op.name):
            texts.edit_path(DeleteValue(("environments", env, "overrides", section, op.name)))
    fragment = texts.project.fragment_of(op.name) if op.kind == "agent" else None
    if fragment is not None:
        texts.texts[fragment] = None  # the agent's code directory is kept
        texts.refresh()
    else:
        texts.edit_path(DeleteValue((section, op.name)))
    plan.removed_nodes.append(f"{op.kind}:{op.name}" if op.kind != "environment" else f"vpc:{op.name}")


_ENTRY_KINDS = {"agents": "agent", "resources": "resource", "environments": "environment"}


def _entry_exists(texts: _Texts, path: list[Any]) -> None:
    """A change inside an agent, resource or environment needs that entry: one renamed or removed in the file
    since the page read it (a form field kept through a conflict) must not come back as a half-made stub."""
    if len(path) < 3 or path[0] not in _ENTRY_KINDS or texts.project.parse_errors:
        return  # a file that does not parse is refused by the edit itself, with its own reason
    if path[1] not in _section(texts.project.data, path[0]):
        kind = _ENTRY_KINDS[path[0]]
        raise EditError(
            f"{kind} '{path[1]}' no longer exists (renamed or removed in the file)",
            hint=f"make the change on the {kind} as it is now named",
        )


def plan_edits(project: ProjectText, ops: list[Any]) -> EditPlan:
    """New texts of every file the operations change (EditError when one does not apply)."""
    texts = _Texts(project)
    plan = EditPlan()
    for op in ops:
        if isinstance(op, SetOp | DeleteOp | AppendOp):
            _entry_exists(texts, op.path)
        if isinstance(op, SetOp):
            texts.edit_path(SetValue(tuple(op.path), op.value))
        elif isinstance(op, DeleteOp):
            texts.edit_path(DeleteValue(tuple(op.path)))
        elif isinstance(op, AppendOp):
            texts.edit_path(AppendItem(tuple(op.path), op.value))
        elif isinstance(op, AddAgentOp):
            _add_agent(texts, op, plan)
        elif isinstance(op, AddResourceOp):
            _add_resource(texts, op)
        elif isinstance(op, RenameOp):
            _rename(texts, op, plan)
        elif isinstance(op, RemoveOp):
            _remove(texts, op, plan)
    for rel, text in texts.texts.items():
        if project.files.get(rel) != text:
            plan.files[rel] = text
    return plan
