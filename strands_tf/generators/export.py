"""The committed HCL export: a self-contained tree a pipeline plans with nothing but Terraform.

`strands synth --hcl DIR` writes it; `strands synth --hcl DIR --check` compares it with what the current
strands.yaml and agent code produce; `strands package --hcl DIR` builds the agent zips it references by hash.

What makes it committable:
- no machine paths: local state lives inside the export (`<stack>.tfstate`, gitignored), modules are
  vendored, agent zips are referenced relative to each stack directory;
- no build artifacts: `assets/` (the zips) is gitignored and built by the pipeline's package step, which
  fails when a zip's hash is not the `source_code_hash` the HCL was generated with;
- reproducible: the same strands.yaml and agent code give the same bytes on every machine;
- files Terraform or the user made there (`.terraform/`, the lock file, local state, saved plans, the zips)
  survive a re-export.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strands_tf.config.loader import LoadedProject
from strands_tf.config.resolve import ResolvedProject
from strands_tf.generators import cdktf
from strands_tf.generators.stacks import Stack
from strands_tf.inputfile import loads_json
from strands_tf.model.build import AgentCode

EXPORT_MANIFEST = "strands-export.json"
EXPORT_FORMAT = 1
ASSETS_DIR = "assets"
LOCK_FILE = ".terraform.lock.hcl"

# What Terraform, the package step or the user put next to generated files: never generated, never compared,
# kept across a re-export (names and patterns of entries inside a stack directory).
LOCAL_ENTRIES = (
    ".terraform",
    LOCK_FILE,
    ASSETS_DIR,
    "*.tfstate",
    "*.tfstate.backup",
    "*.tfstate.*.backup",
    ".terraform.tfstate.lock.info",
    "terraform.tfstate.d",
    "*.tfplan",
    "tfplan",
    "*.plan",
    "plan",  # cdktn diff/deploy save their plan under this name
    "crash.log",
    "crash.*.log",
)

GITIGNORE = """\
# Written by `strands synth --hcl`: commit the .tf files, the vendored modules/ and .terraform.lock.hcl.
# Agent zips are built by the pipeline (`strands package --hcl <this directory>`), never committed.
assets/
.terraform/
*.tfstate
*.tfstate.*
.terraform.tfstate.lock.info
*.tfplan
tfplan
*.plan
crash.log
crash.*.log
"""

# `terraform plan` in HCP Terraform's CLI-driven workflow uploads the working directory: the agent zips must go
# along (the plan reads them), local state and provider caches must not.
TERRAFORMIGNORE = """\
# Written by `strands synth --hcl`: what a CLI-driven HCP Terraform run does not upload.
# assets/ (the agent zips) is uploaded on purpose: the plan reads them.
.git/
.terraform/
*.tfstate
*.tfstate.*
*.tfplan
tfplan
*.plan
crash.log
"""


@dataclass(frozen=True)
class ExportedStack:
    """One stack of an export: its name, directory (relative to the export root) and dependencies."""

    name: str
    directory: str
    dependencies: list[str]


@dataclass
class ExportDiff:
    """How a committed export differs from what would be generated now."""

    added: list[str] = field(default_factory=list)  # generated now, missing from the committed tree
    removed: list[str] = field(default_factory=list)  # committed, no longer generated
    changed: dict[str, tuple[int, int]] = field(default_factory=dict)  # path -> (lines added, lines removed)

    @property
    def stale(self) -> bool:
        """True when the committed tree is not what a fresh export writes."""
        return bool(self.added or self.removed or self.changed)

    def summary(self) -> list[str]:
        """One line per differing file, `terraform fmt -check` style."""
        lines = [f"+ {p} (new)" for p in self.added] + [f"- {p} (no longer generated)" for p in self.removed]
        lines += [f"~ {p} (+{a} -{r} lines)" for p, (a, r) in sorted(self.changed.items())]
        return sorted(lines, key=lambda line: line[2:])


def stack_directory(stacks: list[Stack], stack: Stack) -> Path:
    """Where a stack goes inside the export: the root for a single stack, `<stack>/` otherwise."""
    return Path(".") if len(stacks) == 1 else Path(stack.name)


def export_state_dir(stacks: list[Stack]) -> str:
    """Relative path from a stack directory to its local state file (inside the export, never outside)."""
    return "." if len(stacks) == 1 else ".."


def is_local_entry(name: str) -> bool:
    """True for a file or directory name Terraform or the package step creates (not generated, kept)."""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in LOCAL_ENTRIES)


def write_export(
    resolved: ResolvedProject,
    stacks: list[Stack],
    synthesized: Path,
    hcl_dir: Path,
    tool_version: str,
    swap: Callable[[Path, Path], None],
) -> list[str]:
    """Write every stack as .tf files plus the ignore files and manifest into `hcl_dir`, all or nothing."""
    from strands_tf.generators.hcl import render_stack_hcl

    staging = hcl_dir.parent / f".{hcl_dir.name}.staging-{secrets.token_hex(4)}"
    staging.mkdir(parents=True)
    written: list[str] = []
    try:
        ctx = cdktf.RenderContext(resolved, tool_version, export_state_dir(stacks))
        for stack in stacks:
            rel = stack_directory(stacks, stack)
            target = staging / rel
            target.mkdir(parents=True, exist_ok=True)
            for name, text in render_stack_hcl(cdktf.render_stack(ctx, stack)).items():
                (target / name).write_text(text, encoding="utf-8")
                written.append((rel / name).as_posix())
            modules = synthesized / "stacks" / stack.name / "modules"
            if modules.is_dir():
                shutil.copytree(modules, target / "modules")
                written += sorted(
                    (rel / p.relative_to(target)).as_posix() for p in (target / "modules").rglob("*") if p.is_file()
                )
        for name, text in export_files(resolved, stacks).items():
            (staging / name).write_text(text, encoding="utf-8")
            written.append(name)
        # the root too: with several stacks their local state files sit there (`../<stack>.tfstate`)
        keep_local_entries(hcl_dir, staging, sorted({Path("."), *(stack_directory(stacks, s) for s in stacks)}))
        swap(staging, hcl_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(written)


def export_files(resolved: ResolvedProject, stacks: list[Stack]) -> dict[str, str]:
    """The files at the export root besides the stacks: ignore files and the export manifest."""
    manifest = {
        "agents": agent_artifacts(stacks),
        "environment": resolved.environment.name,
        "format": EXPORT_FORMAT,
        "project": resolved.project,
        "stacks": [
            {"dependencies": list(s.dependencies), "directory": stack_directory(stacks, s).as_posix(), "name": s.name}
            for s in stacks
        ],
    }
    return {".gitignore": GITIGNORE, ".terraformignore": TERRAFORMIGNORE, EXPORT_MANIFEST: cdktf.to_json(manifest)}


def agent_artifacts(stacks: list[Stack]) -> dict[str, dict[str, Any]]:
    """Per agent: its stack directory and the zips its module reads (path and the hash the HCL was made with)."""
    out: dict[str, dict[str, Any]] = {}
    for stack in stacks:
        for node in stack.nodes.values():
            if node.module != "strands-agent" or "filename" not in node.body:
                continue
            files = [{"kind": "code", "path": node.body["filename"], "source_code_hash": node.body["source_code_hash"]}]
            if node.body.get("layer_filename"):
                files.append(
                    {
                        "kind": "layer",
                        "path": node.body["layer_filename"],
                        "source_code_hash": node.body["layer_source_code_hash"],
                    }
                )
            out[node.owner.name] = {"directory": stack_directory(stacks, stack).as_posix(), "files": files}
    return dict(sorted(out.items()))


def keep_local_entries(
    old_root: Path, new_root: Path, stack_dirs: Iterable[Path], *, entries: tuple[str, ...] = LOCAL_ENTRIES
) -> None:
    """Carry what Terraform and the package step made in each stack directory over into the new tree.

    Files are hard-linked where possible (a provider cache can be hundreds of MB), so the old tree can be
    removed after the swap while the new one keeps them.
    """
    for rel in stack_dirs:
        old = old_root / rel
        if not old.is_dir():
            continue
        for entry in old.iterdir():
            if not any(fnmatch.fnmatchcase(entry.name, pattern) for pattern in entries):
                continue
            target = new_root / rel / entry.name
            if target.exists() or not (new_root / rel).is_dir():
                continue
            link_tree(entry, target)


def link_tree(source: Path, target: Path) -> None:
    """Copy a file or directory tree as hard links where possible (cheap, and independent of `source` after)."""
    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, target, symlinks=True, copy_function=_link_or_copy)
    else:
        _link_or_copy(str(source), str(target))


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


def read_export_manifest(hcl_dir: Path) -> dict[str, Any] | None:
    """The export's strands-export.json, or None when the directory has none (not an export)."""
    path = hcl_dir / EXPORT_MANIFEST
    try:
        doc = loads_json(path.read_text("utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError) as exc:
        from strands_tf.errors import UserError

        raise UserError(
            f"{path}: not a readable export manifest ({exc})",
            hint=f"write the export again with `strands synth --hcl {hcl_dir}`",
        ) from None
    return doc if isinstance(doc, dict) else None


def generated_files(root: Path) -> dict[str, bytes]:
    """Every generated file under `root` (relative POSIX path -> bytes), local entries left out."""
    out: dict[str, bytes] = {}
    if not root.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not is_local_entry(d))
        for name in filenames:
            if is_local_entry(name):
                continue
            path = Path(dirpath) / name
            out[path.relative_to(root).as_posix()] = path.read_bytes()
    return out


def compare_exports(expected: Path, committed: Path) -> ExportDiff:
    """What differs between a freshly generated export and the committed one (local entries ignored)."""
    new, old = generated_files(expected), generated_files(committed)
    diff = ExportDiff(added=sorted(set(new) - set(old)), removed=sorted(set(old) - set(new)))
    for rel in sorted(set(new) & set(old)):
        if new[rel] == old[rel]:
            continue
        try:
            before, after = old[rel].decode("utf-8").splitlines(), new[rel].decode("utf-8").splitlines()
        except UnicodeDecodeError:
            diff.changed[rel] = (0, 0)
            continue
        plus = minus = 0
        for line in difflib.unified_diff(before, after, lineterm="", n=0):
            if line.startswith("+") and not line.startswith("+++"):
                plus += 1
            elif line.startswith("-") and not line.startswith("---"):
                minus += 1
        diff.changed[rel] = (plus, minus)
    return diff


def unified_diff(expected: Path, committed: Path, rel: str, *, limit: int = 40) -> list[str]:
    """The first `limit` lines of a unified diff of one file (committed -> expected)."""
    before = (committed / rel).read_text("utf-8", errors="replace").splitlines() if (committed / rel).is_file() else []
    after = (expected / rel).read_text("utf-8", errors="replace").splitlines() if (expected / rel).is_file() else []
    lines = list(difflib.unified_diff(before, after, f"committed/{rel}", f"generated/{rel}", lineterm="", n=1))
    return lines[:limit]


@dataclass(frozen=True)
class PackagedFile:
    """One zip the package step put into an export."""

    agent: str
    kind: str  # code or layer
    path: str  # relative to the export root
    source_code_hash: str


def package_into_export(
    loaded: LoadedProject,
    resolved: ResolvedProject,
    hcl_dir: Path,
    packager: Callable[[ResolvedProject, LoadedProject, Path], dict[str, AgentCode]],
) -> list[PackagedFile]:
    """Build the agent zips an export references and put them where its modules read them.

    Every zip must hash to the `source_code_hash` the export was generated with: otherwise Terraform would
    deploy code the reviewed plan did not show. On any mismatch nothing is written and the error names the
    agents whose code changed since the export.
    """
    from strands_tf.errors import UserError

    manifest = read_export_manifest(hcl_dir)
    if manifest is None:
        raise UserError(
            f"{hcl_dir} is not an HCL export (no {EXPORT_MANIFEST})",
            hint=f"write it with `strands synth -e {resolved.environment.name} --hcl {hcl_dir}`",
        )
    if manifest.get("environment") != resolved.environment.name:
        raise UserError(
            f"{hcl_dir} is the export of environment '{manifest.get('environment')}', not "
            f"'{resolved.environment.name}'",
            hint=f"run `strands package -e {manifest.get('environment')} --hcl {hcl_dir}`",
        )
    wanted: dict[str, dict[str, Any]] = manifest.get("agents") or {}
    unknown = sorted(set(wanted) - set(resolved.agents))
    if unknown:
        raise UserError(
            f"the export in {hcl_dir} deploys agent(s) {', '.join(unknown)} that strands.yaml no longer has",
            hint=f"run `strands synth -e {resolved.environment.name} --hcl {hcl_dir}` and commit the result",
        )
    with tempfile.TemporaryDirectory(prefix="strands-package-") as tmp:
        built = packager(resolved, loaded, Path(tmp))
        planned: list[tuple[PackagedFile, Path]] = []
        stale: list[str] = []
        for agent, entry in sorted(wanted.items()):
            code = built[agent]
            actual = {"code": (code.filename, code.source_code_hash)}
            if code.layer_filename and code.layer_source_code_hash:
                actual["layer"] = (code.layer_filename, code.layer_source_code_hash)
            expected = {f["kind"]: (f["path"], f["source_code_hash"]) for f in entry.get("files", [])}
            if {k: v[1] for k, v in expected.items()} != {k: v[1] for k, v in actual.items()}:
                stale.append(agent)
                continue
            for kind, (path, digest) in sorted(expected.items()):
                target = Path(entry["directory"]) / path
                if not (hcl_dir / target).resolve().is_relative_to(hcl_dir.resolve()):
                    raise UserError(
                        f"{hcl_dir / EXPORT_MANIFEST}: agent {agent!r} names a zip outside the export ({target})",
                        hint=f"write it again: `strands synth -e {resolved.environment.name} --hcl {hcl_dir}`",
                    )
                planned.append((PackagedFile(agent, kind, target.as_posix(), digest), Path(tmp) / Path(path).name))
        if stale:
            raise UserError(
                f"the code of agent(s) {', '.join(stale)} changed since the export in {hcl_dir} was written: its "
                "hashes no longer match the zips",
                detail="Deploying these zips would change code the reviewed plan does not show.",
                hint=f"run `strands synth -e {resolved.environment.name} --hcl {hcl_dir}` and commit the result",
            )
        for packaged, source in planned:
            _atomic_copy(source, hcl_dir / packaged.path)
    return [p for p, _ in planned]


def _atomic_copy(source: Path, target: Path) -> None:
    """Copy a (possibly large) file so readers see the old or the new one, never a part."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
