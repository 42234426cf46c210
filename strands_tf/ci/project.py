"""From a loaded project to what pipeline templates need: environments, their stacks, export paths."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from strands_tf.ci.pipelines import PIPELINE_FILES, PipelineEnvironment, PipelineProject, PipelineStack, render_pipeline
from strands_tf.config.loader import LoadedProject
from strands_tf.config.resolve import environment_names, resolve
from strands_tf.errors import UserError
from strands_tf.fsutil import atomic_write_text

DEFAULT_EXPORT_ROOT = "infra"


@dataclass
class CiInitResult:
    """What `strands ci init` wrote (or would overwrite) and what the user does next."""

    provider: str
    repository_root: Path
    files: list[str]
    unchanged: list[str]
    next_steps: list[str]
    warnings: list[str] = field(default_factory=list)


def repository_root(start: Path) -> Path:
    """The git work tree holding `start` (the nearest directory with .git), else `start` itself."""
    current = start.resolve()
    for candidate in (current, *current.parents):
        if (candidate / ".git").exists():
            return candidate
    return current


def pipeline_project(
    loaded: LoadedProject,
    environments: list[str] | None,
    *,
    export_root: str = DEFAULT_EXPORT_ROOT,
    default_branch: str = "main",
    requirement: str | None = None,
    repo_root: Path | None = None,
) -> tuple[PipelineProject, list[str]]:
    """The pipeline view of `loaded` for `environments` (default: every AWS environment), plus warnings."""
    from strands_tf.generators.stacks import partition
    from strands_tf.generators.synth import infra_graph

    root = repo_root or repository_root(loaded.root)
    project_dir = Path(os.path.relpath(loaded.root.resolve(), root)).as_posix()
    if project_dir.startswith(".."):
        raise UserError(f"the project {loaded.root} is outside the repository {root}")
    known = environment_names(loaded.config)
    if environments:
        unknown = [e for e in environments if e not in known]
        if unknown:
            raise UserError(
                f"unknown environment(s) {', '.join(unknown)}; strands.yaml declares {', '.join(known)}",
                hint="give names from environments: in strands.yaml (comma-separated, in promotion order)",
            )
        chosen = environments
    else:
        chosen = [name for name in loaded.config.environments if loaded.config.environments[name].target == "aws"]
        if not chosen:
            raise UserError(
                "strands.yaml declares no AWS environment for a pipeline to deploy",
                hint="add one under environments: (e.g. dev: {account: '123456789012'}), or pass --environments",
            )
    warnings: list[str] = []
    envs: list[PipelineEnvironment] = []
    for name in chosen:
        resolved = resolve(loaded, name, agents=[])
        if resolved.state.backend == "local" and resolved.environment.target != "emulator":
            warnings.append(
                f"environment {name} keeps Terraform state locally: every pipeline run starts from empty state; "
                f"set state: {{backend: s3, ...}} or {{backend: cloud, ...}} for environments.{name}"
            )
        stacks = partition(infra_graph(loaded, resolved), resolved.stacks)
        export_dir = (Path(project_dir) / export_root / name).as_posix()
        if project_dir == ".":
            export_dir = (Path(export_root) / name).as_posix()
        envs.append(
            PipelineEnvironment(
                name=name,
                region=resolved.environment.region,
                export_dir=export_dir,
                stacks=[
                    PipelineStack(
                        s.name,
                        export_dir if len(stacks) == 1 else f"{export_dir}/{s.name}",
                        list(s.dependencies),
                    )
                    for s in stacks
                ],
                backend=resolved.state.backend,
                hcp_hostname=resolved.state.hostname if resolved.state.backend == "cloud" else None,
                target=resolved.environment.target,
            )
        )
    watched = [(Path(project_dir) / "strands.yaml").as_posix()]
    for agent in loaded.config.agents.values():
        watched.append((Path(project_dir) / agent.path).as_posix().rstrip("/") + "/**")
    watched = [w.removeprefix("./") for w in watched]
    project = PipelineProject(
        project=loaded.config.project,
        project_dir=project_dir,
        environments=envs,
        watched=sorted(set(watched)),
        default_branch=default_branch,
        **({"strands_requirement": requirement} if requirement else {}),
    )
    return project, warnings


def init_pipeline(
    loaded: LoadedProject,
    provider: str,
    environments: list[str] | None,
    *,
    export_root: str = DEFAULT_EXPORT_ROOT,
    default_branch: str = "main",
    requirement: str | None = None,
    force: bool = False,
    repo_root: Path | None = None,
) -> CiInitResult:
    """Write `provider`'s pipeline file at the repository root; refuse to overwrite a different file without force."""
    if provider not in PIPELINE_FILES:
        raise UserError(f"unknown pipeline provider {provider!r}", hint=f"use one of {', '.join(PIPELINE_FILES)}")
    root = repo_root or repository_root(loaded.root)
    project, warnings = pipeline_project(
        loaded,
        environments,
        export_root=export_root,
        default_branch=default_branch,
        requirement=requirement,
        repo_root=root,
    )
    emulated = [e.name for e in project.environments if e.emulator]
    if emulated and provider in ("atlantis", "hcp"):
        raise UserError(
            f"environment(s) {', '.join(emulated)} run on the offline emulator, which {provider} cannot reach",
            hint="leave them out of --environments (GitHub and GitLab pipelines can plan them)",
        )
    if provider == "hcp":
        local = [e.name for e in project.environments if e.backend != "cloud"]
        if local:
            raise UserError(
                f"environment(s) {', '.join(local)} do not use HCP Terraform (state: backend: cloud)",
                hint="set state: {backend: cloud, organization: ...} for them, or pass --environments",
            )
    rel, text = render_pipeline(provider, project)
    target = root / rel
    files: list[str] = []
    unchanged: list[str] = []
    if target.is_file() and target.read_text("utf-8") == text:
        unchanged.append(rel)
    else:
        if target.exists() and not force:
            raise UserError(
                f"{rel} exists and differs from what `strands ci init {provider}` writes",
                hint="review it, then run again with --force to replace it",
            )
        atomic_write_text(target, text)
        files.append(rel)
    project_flag = "" if project.project_dir == "." else f" -C {project.project_dir}"
    steps = [
        f"strands{project_flag} synth -e {e.name} --hcl {e.export_dir}   # from the repository root"
        for e in project.environments
    ]
    steps.append("commit the exports (with their .terraform.lock.hcl after a first `terraform init`) and " + rel)
    return CiInitResult(provider, root, files, unchanged, steps, warnings)
