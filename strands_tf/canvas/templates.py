"""Project templates on the canvas: the built-in ones of `strands init`, and custom ones saved or imported.

A template file (what export writes and import reads) is one YAML document:

    strands_template: 1
    name: my-setup
    description: what it sets up
    files:
      strands.yaml: |
        version: 1
        ...
      agents/triage/agent.yaml: |      # fragments of a monorepo, if any
        ...

Custom templates are kept per user in $STRANDS_TEMPLATES_DIR, else $XDG_CONFIG_HOME/strands-tf/templates
(~/.config/strands-tf/templates). Applying one writes its files and runnable code for each agent.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from strands_tf.canvas.project_files import is_project_file, merge_files
from strands_tf.canvas.yamledit import SetValue, edit_text, load_plain, render_document
from strands_tf.config.loader import CONFIG_FILENAME
from strands_tf.errors import ConflictError, NotFoundError, UserError
from strands_tf.fsutil import atomic_write_text

TEMPLATE_FORMAT = 1
MAX_TEMPLATE_BYTES = 1024 * 1024
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
SUFFIX = ".strands-template.yaml"

# the built-in templates as the canvas names them, in the order it offers them
BUILTIN: dict[str, str] = {
    "simple": "Simple Agent",
    "event-driven": "Event-Driven Agent",
    "production": "Production Setup",
    "monorepo": "Monorepo",
}


def templates_dir() -> Path:
    """Where custom templates are kept."""
    explicit = os.environ.get("STRANDS_TEMPLATES_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return (Path(xdg) if xdg else Path.home() / ".config") / "strands-tf" / "templates"


def _custom_path(name: str) -> Path:
    if not SLUG_RE.match(name):
        raise UserError(
            f"'{name}' is not a template name", hint="use lowercase letters, digits and '-' (at most 63 characters)"
        )
    return templates_dir() / f"{name}{SUFFIX}"


def list_templates() -> list[dict[str, Any]]:
    """Built-in templates first, then the custom ones."""
    from strands_tf.scaffold import TEMPLATES

    out = [
        {"id": f"builtin:{key}", "name": key, "title": title, "description": TEMPLATES[key].description,
         "builtin": True}
        for key, title in BUILTIN.items()
    ]  # fmt: skip
    directory = templates_dir()
    if directory.is_dir():
        for path in sorted(directory.glob(f"*{SUFFIX}")):
            try:
                doc = parse_template(path.read_bytes())
            except (UserError, OSError):
                continue
            out.append(
                {"id": f"custom:{doc['name']}", "name": doc["name"], "title": doc["name"],
                 "description": doc.get("description", ""), "builtin": False}
            )  # fmt: skip
    return out


def parse_template(raw: bytes) -> dict[str, Any]:
    """A template file, checked: its format, name and only strands.yaml / agents/<name>/agent.yaml files."""
    if len(raw) > MAX_TEMPLATE_BYTES:
        raise UserError(f"the template file is larger than {MAX_TEMPLATE_BYTES // 1024} KiB")
    try:
        doc = load_plain(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError, UserError) as exc:
        raise UserError(f"not a template file: {exc}") from None
    if not isinstance(doc, dict) or doc.get("strands_template") != TEMPLATE_FORMAT:
        raise UserError("not a template file: expected `strands_template: 1` at the top")
    name = doc.get("name")
    if not isinstance(name, str) or not SLUG_RE.match(name):
        raise UserError("the template's name must be lowercase letters, digits and '-'")
    description = doc.get("description", "")
    if not isinstance(description, str) or len(description) > 500:
        raise UserError("the template's description must be text of at most 500 characters")
    files = doc.get("files")
    if not isinstance(files, dict) or CONFIG_FILENAME not in files:
        raise UserError("the template has no files.strands.yaml")
    for rel, text in files.items():
        if not isinstance(rel, str) or not is_project_file(rel):
            raise UserError(f"the template names a file '{rel}'; only strands.yaml and agents/<name>/agent.yaml")
        if not isinstance(text, str):
            raise UserError(f"files.{rel} must be the file's text")
        try:
            body = load_plain(text)
        except (yaml.YAMLError, UserError) as exc:
            raise UserError(f"files.{rel} is not valid YAML: {exc}") from None
        if not isinstance(body, dict):
            raise UserError(f"files.{rel} must be a YAML mapping")
    return {"name": name, "description": description, "files": dict(files)}


def render_template_file(name: str, description: str, files: dict[str, str]) -> str:
    """The text of a template file (files as block literals: readable, and byte-exact when read back)."""
    from ruamel.yaml.scalarstring import LiteralScalarString

    if not SLUG_RE.match(name):
        raise UserError(f"'{name}' is not a template name", hint="use lowercase letters, digits and '-'")
    files_doc = {rel: LiteralScalarString(body) for rel, body in sorted(files.items())}
    return render_document(
        {"strands_template": TEMPLATE_FORMAT, "name": name, "description": description, "files": files_doc}
    )


def export_project(root: Path, name: str, description: str = "") -> str:
    """The current project as a template file."""
    from strands_tf.canvas.project_files import read_project

    project = read_project(root)
    if CONFIG_FILENAME not in project.files:
        raise NotFoundError("this directory has no strands.yaml to save as a template")
    return render_template_file(name, description, project.files)


def save_custom(text: str, *, overwrite: bool = False) -> dict[str, Any]:
    """Keep a template file among the custom templates (import, or save the current project)."""
    doc = parse_template(text.encode("utf-8"))
    path = _custom_path(doc["name"])
    if path.exists() and not overwrite:
        raise ConflictError(f"a template named '{doc['name']}' exists", hint="choose another name or overwrite it")
    atomic_write_text(path, text)
    return {"id": f"custom:{doc['name']}", "name": doc["name"], "description": doc["description"]}


def read_custom(name: str) -> str:
    """The text of a custom template file."""
    path = _custom_path(name)
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        raise NotFoundError(f"no custom template named '{name}'") from None


AgentCode = dict[str, tuple[str, str]]  # agent -> (code kind, directory relative to the project)


def template_files(template_id: str, project: str) -> tuple[dict[str, bytes], AgentCode]:
    """The files of a template for a project name, and the agents whose code to create (built-ins carry theirs)."""
    from strands_tf.scaffold import TEMPLATES, render_template

    kind, _, name = template_id.partition(":")
    if kind == "builtin" and name in TEMPLATES:
        return render_template(name, project), {}
    if kind != "custom":
        raise NotFoundError(f"no template '{template_id}'")
    doc = parse_template(read_custom(name).encode("utf-8"))
    files = dict(doc["files"])
    files[CONFIG_FILENAME] = edit_text(files[CONFIG_FILENAME], SetValue(("project",), project))
    agents = merge_files(Path("."), files).data.get("agents")
    code: AgentCode = {}
    for agent, body in (agents if isinstance(agents, dict) else {}).items():
        body = body if isinstance(body, dict) else {}
        path = body.get("path") if isinstance(body.get("path"), str) else f"agents/{agent}"
        code[agent] = ("queue" if body.get("triggers") else "http", path)
    return {rel: text.encode("utf-8") for rel, text in files.items()}, code


def apply_template(root: Path, template_id: str, project: str) -> list[str]:
    """Start a project from a template in `root` (refused when it already has a strands.yaml)."""
    from strands_tf.canvas.project_files import config_started
    from strands_tf.canvas.service import ensure_within
    from strands_tf.fsutil import atomic_write_bytes
    from strands_tf.scaffold import agent_files

    config = root / CONFIG_FILENAME
    if config.exists() and config_started(config.read_text("utf-8", errors="replace")):
        raise ConflictError(
            "this directory already has a strands.yaml", hint="templates start new projects; open an empty directory"
        )
    if not re.match(r"^[a-z][a-z0-9-]*[a-z0-9]$", project) or len(project) > 30:
        raise UserError(f"'{project}' is not a valid project name", hint="2-30 lowercase letters, digits and '-'")
    files, code = template_files(template_id, project)
    written = []
    for agent, (kind, rel_dir) in code.items():
        directory = ensure_within(root, rel_dir)
        if directory.exists():
            continue  # code already there is never overwritten
        for rel, content in agent_files(agent, kind).items():
            atomic_write_bytes(directory / rel, content)
            written.append(f"{rel_dir}/{rel}")
    # strands.yaml last: a watcher never sees a project whose agent code is not there yet
    for rel, content in sorted(files.items(), key=lambda item: item[0] == CONFIG_FILENAME):
        target = ensure_within(root, rel)
        if target.exists() and rel != CONFIG_FILENAME:
            continue
        atomic_write_bytes(target, content)
        written.append(rel)
    return sorted(written)
