"""Project templates for `strands init`: a strands.yaml plus real, tested Strands agents."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from strands_tf.errors import UserError
from strands_tf.fsutil import SymlinkInTheWay, write_files_inside


@dataclass(frozen=True)
class Template:
    """What one template writes: its strands.yaml and which agent kind goes in which directory."""

    description: str
    config: str
    agents: dict[str, str]
    fragments: dict[str, str] = field(default_factory=dict)


TEMPLATES: dict[str, Template] = {
    "simple": Template("one agent behind an HTTP API, with a DynamoDB table", "simple.yaml", {"assistant": "http"}),
    "event-driven": Template(
        "an agent triggered by an SQS queue, writing to DynamoDB and publishing to SNS",
        "event-driven.yaml",
        {"triage": "queue"},
    ),
    "production": Template(
        "staging and prod with VPCs, S3 state with locking, dead-letter queues and an alerts topic",
        "production.yaml",
        {"assistant": "http"},
    ),
    "monorepo": Template(
        "two agents, each with its own agents/<name>/agent.yaml",
        "monorepo.yaml",
        {"assistant": "http", "triage": "queue"},
        {"assistant": "monorepo-assistant.agent.yaml", "triage": "monorepo-triage.agent.yaml"},
    ),
}

GITIGNORE = """.strands/
cdktf.out/
.terraform/
*.tfstate
*.tfstate.backup
__pycache__/
.venv/
"""
DEV_REQUIREMENTS = (
    "# run the agents' tests: pip install -r requirements-dev.txt && pytest agents\nstrands-agents>=1.0\npytest>=8\n"
)


def project_name_for(directory: Path) -> str:
    """A valid project name derived from a directory name (`My Agents` -> `my-agents`)."""
    name = re.sub(r"[^a-z0-9]+", "-", directory.resolve().name.lower()).strip("-")
    if not name or not name[0].isalpha():
        name = f"agents-{name}".strip("-")
    return name[:30].rstrip("-") or "agents"


def _files(root: Traversable, prefix: str = "") -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__" or entry.name.endswith(".pyc"):
            continue
        rel = f"{prefix}{entry.name}"
        if entry.is_dir():
            out.extend(_files(entry, rel + "/"))
        else:
            out.append((rel, entry.read_bytes()))
    return out


AGENT_KINDS = ("http", "queue")


def agent_files(agent: str, kind: str) -> dict[str, bytes]:
    """The runnable code of one agent (http: behind the API, queue: triggered by SQS), relative to its directory."""
    if kind not in AGENT_KINDS:
        raise UserError(f"unknown agent kind '{kind}'", hint=f"choose one of: {', '.join(AGENT_KINDS)}")
    files: dict[str, bytes] = {}
    for rel, content in _files(resources.files("strands_tf") / "templates" / "agents" / kind):
        if rel == "tests/test_app.py":
            # one basename per agent: pytest cannot collect two test modules named test_app in one run
            rel = f"tests/test_{agent.replace('-', '_')}.py"
        files[rel] = content
    return files


def render_template(template: str, project: str) -> dict[str, bytes]:
    """Every file of a template (relative path -> content) for a project name."""
    spec = TEMPLATES.get(template)
    if spec is None:
        raise UserError(f"unknown template '{template}'", hint=f"choose one of: {', '.join(TEMPLATES)}")
    base = resources.files("strands_tf") / "templates"
    config = (base / "projects" / spec.config).read_text("utf-8").replace("__PROJECT__", project)
    files: dict[str, bytes] = {"strands.yaml": config.encode(), ".gitignore": GITIGNORE.encode()}
    files["requirements-dev.txt"] = DEV_REQUIREMENTS.encode()
    for agent, kind in spec.agents.items():
        for rel, content in agent_files(agent, kind).items():
            files[f"agents/{agent}/{rel}"] = content
    for agent, fragment in spec.fragments.items():
        files[f"agents/{agent}/agent.yaml"] = (base / "projects" / fragment).read_bytes()
    return files


def scaffold(directory: Path, template: str = "simple", *, name: str | None = None, force: bool = False) -> list[str]:
    """Write a template into `directory`; refuses to overwrite anything unless `force`. Returns paths written."""
    project = name or project_name_for(directory)
    if not re.match(r"^[a-z][a-z0-9-]*[a-z0-9]$", project) or len(project) > 30:
        raise UserError(
            f"'{project}' is not a valid project name",
            hint="use 2-30 lowercase letters, digits and '-', starting with a letter (--name my-project)",
        )
    files = render_template(template, project)
    links = _symlinks_in_the_way(directory, list(files))
    if links:
        raise _symlink_refusal(directory, links)
    if directory.exists() and not directory.is_dir():
        raise UserError(f"{directory} exists and is not a directory")
    # lexists: a symlink (even a dangling one) is a file that would be replaced
    existing = sorted(rel for rel in files if os.path.lexists(directory / rel))
    if existing and not force:
        shown = ", ".join(existing[:5]) + (" ..." if len(existing) > 5 else "")
        raise UserError(
            f"{directory} already has files this template would overwrite: {shown}",
            hint="choose an empty directory, or pass --force to overwrite them",
        )
    try:
        # never through a symlink, also one that appears while this runs
        write_files_inside(directory, files)
    except SymlinkInTheWay as exc:
        raise _symlink_refusal(directory, [str(exc)]) from None
    except OSError as exc:
        raise UserError(f"cannot write the project into {directory}: {exc.strerror or exc}") from None
    return sorted(files)


def _symlinks_in_the_way(directory: Path, rels: list[str]) -> list[str]:
    """`agents is a symlink (to /elsewhere)` for the target and every directory the files would go through."""
    if directory.is_symlink():
        return [f"{directory} is a symlink (to {os.readlink(directory)})"]
    found: list[str] = []
    dirs = sorted({"/".join(rel.split("/")[:i]) for rel in rels for i in range(1, rel.count("/") + 1)})
    for rel in dirs:
        if any(rel.startswith(f"{link}/") for link in found):
            continue  # below a link already named: that is the outside world
        path = directory / rel
        if path.is_symlink():
            found.append(rel)
    return [f"{rel} is a symlink (to {os.readlink(directory / rel)})" for rel in found]


def _symlink_refusal(directory: Path, links: list[str]) -> UserError:
    return UserError(
        f"refusing to write through a symlink: {links[0]}",
        detail="\n".join(links) if len(links) > 1 else None,
        hint=f"strands init writes only inside {directory}: remove the link, or run init in the directory it points to",
    )
