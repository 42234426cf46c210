"""Synthesis: resolved project → packaged agents → graph → stacks → CDKTF layout on disk (all or nothing)."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from strands_tf import __version__
from strands_tf.config.loader import LoadedProject
from strands_tf.config.resolve import ResolvedProject
from strands_tf.errors import ConflictError
from strands_tf.fsutil import atomic_write_text, make_tree_private, private_mkdir
from strands_tf.generators import cdktf
from strands_tf.generators.export import ExportDiff
from strands_tf.generators.stacks import Stack, partition, unresolved_references
from strands_tf.model.build import AgentCode, BuildOptions, build_graph
from strands_tf.model.graph import InfraGraph, Owner
from strands_tf.model.naming import aws_name
from strands_tf.model.optimize import optimize, owner_locator

logger = logging.getLogger(__name__)

DEFAULT_OUT = "cdktf.out"
LOCK_FILE = ".terraform.lock.hcl"


@dataclass
class SynthResult:
    """What a synth produced: where, which stacks, every file written, and warnings for the user."""

    out_dir: Path
    stacks: list[Stack]
    files: list[str]
    graph: InfraGraph
    warnings: list[str] = field(default_factory=list)


def modules_root() -> Path:
    """Directory holding the reusable HCL modules (inside the package when installed, else the repo)."""
    packaged = Path(__file__).resolve().parents[1] / "_modules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "modules"


def element_locations(loaded: LoadedProject) -> dict[tuple[str, str], tuple[str, int | None, int | None]]:
    """(kind, name) -> (file, line, column) of every agent and resource, for errors and plan summaries."""
    out: dict[tuple[str, str], tuple[str, int | None, int | None]] = {}
    for name in loaded.config.agents:
        out[("agent", name)] = loaded.sources.locate(("agents", name), key=True)
        out[("role", name)] = out[("agent", name)]
    for name in loaded.config.resources:
        out[("resource", name)] = loaded.sources.locate(("resources", name), key=True)
    for name, environment in loaded.config.environments.items():
        # what the generator checks per environment is its vpc; point there when it is written
        path = ("environments", name, "vpc") if environment.vpc is not None else ("environments", name)
        out[("environment", name)] = loaded.sources.locate(path, key=True)
        alarms = (
            ("environments", name, "alarms") if "alarms" in environment.model_fields_set else ("environments", name)
        )
        out[("alarms", name)] = loaded.sources.locate(alarms, key=True)
    return out


def local_state_dir(project_root: Path, stack_dir: Path, environment: str) -> str:
    """Path from a stack's working directory to where local state lives (relative: no machine paths)."""
    target = project_root / ".strands" / "tfstate" / environment
    return Path(os.path.relpath(target, stack_dir)).as_posix()


Packager = Callable[[ResolvedProject, LoadedProject, Path], dict[str, AgentCode]]


def package_agents(resolved: ResolvedProject, loaded: LoadedProject, assets_dir: Path) -> dict[str, AgentCode]:
    """Build every agent's code zip and layer into `assets_dir` (deterministic, layer cached)."""
    from strands_tf.packaging import PackageSpec, build_agent_artifacts
    from strands_tf.packaging.limits import human
    from strands_tf.runtime import SECRETS_HELPER, secrets_helper_path

    cache_dir = loaded.root / ".strands" / "cache" / "packaging"
    out: dict[str, AgentCode] = {}
    for name, agent in resolved.agents.items():
        source = (loaded.root / agent.path).resolve()
        requirements: Path | None = None
        if agent.requirements is not None:
            requirements = source / agent.requirements
        elif (source / "requirements.txt").is_file():
            requirements = source / "requirements.txt"
        # a synth interrupted mid-way leaves staging directories next to its output: never package them
        # an agent with secrets gets the helper that reads them at runtime (docs/secrets.md)
        extra = ((SECRETS_HELPER, secrets_helper_path()),) if agent.secrets else ()
        spec = PackageSpec(
            name,
            source,
            agent.runtime,
            agent.architecture,
            requirements,
            exclude=(".*.staging-*", ".*.old-*", *agent.exclude),
            project_root=loaded.root,
            extra_files=extra,
        )
        artifacts = build_agent_artifacts(spec, assets_dir, cache_dir)
        store_on_s3 = agent.package_upload == "s3" or artifacts.needs_s3_upload
        if artifacts.needs_s3_upload and agent.package_upload != "s3":
            # a decision the user should know about: it adds a bucket and changes how the agent deploys
            big = artifacts.code if artifacts.code.needs_s3_upload else artifacts.layer
            logger.info(
                "agent %s: its %s zip is %s, over Lambda's 50 MB direct-upload limit; it deploys through the "
                "artifacts bucket",
                name,
                "code" if big is artifacts.code else "layer",
                human(big.size) if big else "?",
            )
        rel = Path("assets")
        out[name] = AgentCode(
            filename=(rel / artifacts.code.path.name).as_posix(),
            source_code_hash=artifacts.code.source_code_hash,
            layer_filename=(rel / artifacts.layer.path.name).as_posix() if artifacts.layer else None,
            layer_source_code_hash=artifacts.layer.source_code_hash if artifacts.layer else None,
            store_on_s3=store_on_s3,
        )
    return out


def synthesize(
    loaded: LoadedProject,
    resolved: ResolvedProject,
    out_dir: Path | None = None,
    *,
    packager: Packager | None = package_agents,
    tool_version: str = __version__,
    stack_filter: list[str] | Callable[[list[Stack]], list[str]] | None = None,
    hcl_dir: Path | None = None,
    private: bool = False,
    write_cdktf_json: bool = True,
    keep_stale_stacks: bool = False,
) -> SynthResult:
    """Write the CDKTF layout for one environment into `out_dir`; on any error `out_dir` is left untouched.

    `private` (the build directory under `.strands/`) makes every written file 0600 and directory 0700: the
    stacks hold the configuration's values, environment variables included.
    `keep_stale_stacks`: leave the folders of stacks that are gone in place (the `cdktn` CLI removes them
    itself after running the app, and fails when they have already vanished).
    """
    out = (out_dir or loaded.root / DEFAULT_OUT).resolve()
    staging = out.parent / f".{out.name}.staging-{secrets.token_hex(4)}"
    if private:
        private_mkdir(staging)
    else:
        staging.mkdir(parents=True)
    try:
        assets_tmp = staging / ".assets"
        code = packager(resolved, loaded, assets_tmp) if packager else {}
        graph = infra_graph(loaded, resolved, code, tool_version=tool_version)
        stacks = partition(graph, resolved.stacks)
        for stack in stacks:
            missing = unresolved_references(stack)
            if missing:  # a generator bug, never a user error: say exactly what
                raise RuntimeError(f"stack {stack.name} has dangling references: {', '.join(missing)}")
        if stack_filter is not None:
            # a callable chooses from the partitioned stacks (deploy.selection decides what --agent means)
            names = stack_filter(stacks) if callable(stack_filter) else stack_filter
            stacks = _with_dependencies(stacks, names)
        files = _write_layout(loaded, resolved, stacks, staging, out, code, tool_version)
        if hcl_dir is not None:
            export_hcl(resolved, stacks, staging, hcl_dir.resolve(), tool_version)
        shutil.rmtree(assets_tmp, ignore_errors=True)
        _preserve_lock_files(out, staging, stacks)
        if keep_stale_stacks:
            _keep_stale_stacks(out, staging, stacks)
        if private:
            # staging is not visible under its final name yet: nothing could read it before this
            make_tree_private(staging)
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if write_cdktf_json:
        cdktf_json = loaded.root / "cdktf.json"
        text = cdktf.to_json(cdktf.render_cdktf_json(resolved.project, resolved.environment.name))
        if not cdktf_json.is_file() or cdktf_json.read_text("utf-8") != text:
            atomic_write_text(cdktf_json, text)
    return SynthResult(out, stacks, files, graph, sorted(set(graph.warnings)) + list(resolved.warnings))


def infra_graph(
    loaded: LoadedProject,
    resolved: ResolvedProject,
    code: dict[str, AgentCode] | None = None,
    *,
    tool_version: str = __version__,
) -> InfraGraph:
    """The optimized graph synth turns into stacks, in memory.

    Without `code` (no packaging) the module ids are the same: the canvas shows its roles and `strands show`
    maps plan addresses to strands.yaml with it.
    """
    locations = element_locations(loaded)
    graph = build_graph(resolved, BuildOptions(code=code or {}, tool_version=tool_version, locations=locations))
    graph = optimize(
        graph,
        iam_mode=resolved.iam if resolved.stacks == "single" else "per_agent",
        role_name=lambda suffix: aws_name("iam_role", resolved.project, resolved.environment.name, suffix),
        locate=owner_locator(locations),
    )
    _order_agents_after_roles(graph)
    return graph


def _with_dependencies(stacks: list[Stack], names: list[str]) -> list[Stack]:
    """The named stacks plus every stack they depend on (transitively), in dependency order.

    A manifest must never name a dependency it does not contain: CDKTF tooling and our own deploy
    waves would look for a stack that is not there.
    """
    by_name = {s.name: s for s in stacks}
    wanted = {n for n in names if n in by_name}
    pending = list(wanted)
    while pending:
        for dep in by_name[pending.pop()].dependencies:
            if dep not in wanted:
                wanted.add(dep)
                pending.append(dep)
    return [s for s in stacks if s.name in wanted]


def _order_agents_after_roles(graph: InfraGraph) -> None:
    """Lambda checks its role's permissions (DLQ, SQS triggers) at creation: wait for the whole role module."""
    for node in graph.nodes.values():
        if node.module != "strands-agent":
            continue
        role_ref = str(node.body.get("role_arn", ""))
        role_id = role_ref.removeprefix("${module.").split(".", 1)[0]
        if role_id in graph.nodes and role_id not in node.depends_on:
            node.depends_on.append(role_id)


def _write_layout(
    loaded: LoadedProject,
    resolved: ResolvedProject,
    stacks: list[Stack],
    staging: Path,
    final_out: Path,
    code: dict[str, AgentCode],
    tool_version: str,
) -> list[str]:
    files: list[str] = []
    modules = modules_root()
    for stack in stacks:
        stack_dir = staging / "stacks" / stack.name
        final_stack_dir = final_out / "stacks" / stack.name
        ctx = cdktf.RenderContext(
            resolved, tool_version, local_state_dir(loaded.root.resolve(), final_stack_dir, resolved.environment.name)
        )
        doc = cdktf.render_stack(ctx, stack)
        stack_dir.mkdir(parents=True)
        (stack_dir / "cdk.tf.json").write_text(cdktf.to_json(doc), encoding="utf-8")
        (stack_dir / "metadata.json").write_text(cdktf.to_json(cdktf.render_stack_metadata(doc)), encoding="utf-8")
        files += [f"stacks/{stack.name}/cdk.tf.json", f"stacks/{stack.name}/metadata.json"]
        for module in stack.modules:
            source = modules / module
            if not source.is_dir():
                raise RuntimeError(f"module {module} is missing from {modules}")
            shutil.copytree(source, stack_dir / "modules" / module, ignore=shutil.ignore_patterns("README.md"))
            files += sorted(
                f"stacks/{stack.name}/modules/{module}/{p.name}" for p in (stack_dir / "modules" / module).iterdir()
            )
        agents_here = [n.owner.name for n in stack.nodes.values() if n.module == "strands-agent"]
        for agent in agents_here:
            agent_code = code.get(agent)
            if agent_code is None:
                continue
            for rel in (agent_code.filename, agent_code.layer_filename):
                if rel:
                    target = stack_dir / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(staging / ".assets" / Path(rel).name, target)
                    files.append(f"stacks/{stack.name}/{rel}")
    manifest = cdktf.render_manifest(stacks)
    (staging / "manifest.json").write_text(cdktf.to_json(manifest), encoding="utf-8")
    files.append("manifest.json")
    return sorted(files)


def _preserve_lock_files(out: Path, staging: Path, stacks: list[Stack]) -> None:
    """What Terraform made in a stack folder (lock file for review, .terraform/, local state, saved plans)
    survives a re-synth: tools such as `cdktn diff` run Terraform right there."""
    from strands_tf.generators.export import ASSETS_DIR, LOCAL_ENTRIES, keep_local_entries

    entries = tuple(e for e in LOCAL_ENTRIES if e != ASSETS_DIR)  # the zips are generated into the layout
    keep_local_entries(out, staging, [Path("stacks") / s.name for s in stacks], entries=entries)


def _keep_stale_stacks(out: Path, staging: Path, stacks: list[Stack]) -> None:
    from strands_tf.generators.export import link_tree

    current = {s.name for s in stacks}
    old = out / "stacks"
    for folder in sorted(old.iterdir()) if old.is_dir() else []:
        if folder.is_dir() and folder.name not in current:
            link_tree(folder, staging / "stacks" / folder.name)


SWAP_ATTEMPTS = 50


def _swap_into_place(staging: Path, out: Path) -> None:
    """Put `staging` where `out` is, as two renames; with concurrent synths into one directory the last wins.

    Another synth can rename its own output into `out` between our two renames: then ours is renamed
    over it on the next round instead of failing (both outputs are complete, the later one is kept).
    """
    for _ in range(SWAP_ATTEMPTS):
        old = out.parent / f".{out.name}.old-{secrets.token_hex(4)}"
        with contextlib.suppress(FileNotFoundError):
            os.replace(out, old)
        try:
            os.replace(staging, out)
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                if old.exists():
                    with contextlib.suppress(OSError):
                        os.replace(old, out)
                raise
            shutil.rmtree(old, ignore_errors=True)
            continue
        except BaseException:
            if old.exists():
                with contextlib.suppress(OSError):
                    os.replace(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
        return
    raise ConflictError(
        f"could not replace {out.name}: other processes kept writing it",
        hint="run one `strands synth` at a time per output directory",
    )


def owner_of_address(graph: InfraGraph) -> Callable[[str], Owner | None]:
    """Map a Terraform address (module.agent_support.aws_lambda_function.this) to its strands.yaml element."""

    def owner(address: str) -> Owner | None:
        parts = address.split(".")
        if len(parts) >= 2 and parts[0] == "module":
            node = graph.nodes.get(parts[1].split("[")[0])
            return node.owner if node else None
        if len(parts) >= 3 and parts[0] == "data":
            node = graph.nodes.get(parts[2].split("[")[0])
            return node.owner if node else None
        return None

    return owner


def export_hcl(
    resolved: ResolvedProject,
    stacks: list[Stack],
    synthesized: Path,
    hcl_dir: Path,
    tool_version: str,
) -> list[str]:
    """Write the committable HCL export of `stacks` (see generators/export.py), all or nothing."""
    from strands_tf.generators.export import write_export

    return write_export(resolved, stacks, synthesized, hcl_dir, tool_version, _swap_into_place)


@dataclass
class ExportCheck:
    """`strands synth --hcl DIR --check`: how the committed export differs from a fresh one."""

    diff: ExportDiff
    details: dict[str, list[str]]  # path -> first lines of its unified diff
    result: SynthResult


def check_export(
    loaded: LoadedProject,
    resolved: ResolvedProject,
    hcl_dir: Path,
    *,
    packager: Packager | None = package_agents,
    tool_version: str = __version__,
    stack_filter: list[str] | Callable[[list[Stack]], list[str]] | None = None,
    diff_lines: int = 40,
) -> ExportCheck:
    """Generate the export into a temporary directory and compare it with `hcl_dir`; nothing in the project changes."""
    import tempfile

    from strands_tf.generators.export import compare_exports, unified_diff

    with tempfile.TemporaryDirectory(prefix="strands-export-check-") as tmp:
        fresh = Path(tmp) / "export"
        result = synthesize(
            loaded,
            resolved,
            Path(tmp) / "cdktf.out",
            packager=packager,
            tool_version=tool_version,
            stack_filter=stack_filter,
            hcl_dir=fresh,
            write_cdktf_json=False,
        )
        diff = compare_exports(fresh, hcl_dir)
        details = {rel: unified_diff(fresh, hcl_dir, rel, limit=diff_lines) for rel in diff.changed}
    return ExportCheck(diff, details, result)
