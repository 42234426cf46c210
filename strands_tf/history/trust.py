"""Is a recorded set of stacks something strands could have generated? Checked before any of it is re-applied.

A history record is data from a bucket: whoever can write the bucket can rewrite a record and its
metadata (hashes included, so `strands history verify` passes). Re-applying its stacks runs Terraform on
the operator's machine with the operator's credentials, so before a rollback every stack must look like
strands' own output:

- only the files strands writes in a stack directory (`cdk.tf.json`, `metadata.json`, Terraform's lock
  file, `assets/`, `modules/`): any other `*.tf`/`*.tf.json`/`*.tfvars` would be loaded by Terraform;
- only the blocks strands generates: the aws provider configured as for the environment (no
  `shared_config_files`, `profile`, proxies, endpoints elsewhere...), the environment's own backend,
  the data sources strands reads (account, partition, region, other stacks' outputs from the same backend),
  modules only from the bundled ones (vendored files identical to this version's, byte for byte), and
  no resources outside them except Terraform's built-in `terraform_data`;
- no provisioner or connection anywhere, and no function that reads local files (`file`, `templatefile`,
  ...) or unmasks sensitive values (`nonsensitive`).

The first thing that does not fit is refused with the stack, the block and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import SimpleNamespace
from typing import Any

from strands_tf.config.resolve import ResolvedProject
from strands_tf.errors import UserError
from strands_tf.fsutil import sha256_file
from strands_tf.inputfile import loads_json

STACK_FILES = frozenset({"cdk.tf.json", "metadata.json", ".terraform.lock.hcl"})
STACK_DIRS = frozenset({"assets", "modules"})
TOP_LEVEL_BLOCKS = frozenset(
    {"//", "terraform", "provider", "variable", "locals", "data", "resource", "module", "output"}
)
TERRAFORM_SETTINGS = frozenset({"backend", "cloud", "required_providers", "required_version", "//"})
AWS_PROVIDER_SOURCES = frozenset({"hashicorp/aws", "registry.terraform.io/hashicorp/aws"})
DATA_SOURCES = frozenset({"aws_caller_identity", "aws_partition", "aws_region", "terraform_remote_state"})
RESOURCE_TYPES = frozenset({"terraform_data"})
FORBIDDEN_KEYS = frozenset({"provisioner", "connection"})
# Terraform functions that read the machine running Terraform, or unmask what is sensitive
FORBIDDEN_FUNCTIONS = frozenset(
    {
        "file",
        "fileexists",
        "fileset",
        "filebase64",
        "filebase64sha256",
        "filebase64sha512",
        "filemd5",
        "filesha1",
        "filesha256",
        "filesha512",
        "templatefile",
        "nonsensitive",
    }
)
# module inputs that name a local file the module reads (the agent's zips): must stay inside the stack
MODULE_FILE_INPUTS = frozenset({"filename", "layer_filename"})
_FUNCTION_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_:]*)\s*\(")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Refusal:
    """Why a stack is not what strands generates: where (stack, block) and what."""

    stack: str
    block: str
    reason: str


class UntrustedStacksError(UserError):
    """A recorded stack is not what strands generates: it is never applied."""

    def __init__(self, source: str, refusal: Refusal) -> None:
        super().__init__(
            f"refusing to apply the stacks of {source}: stack {refusal.stack}, {refusal.block}: {refusal.reason}",
            detail="Re-applying recorded stacks runs Terraform with your credentials: only stacks shaped like "
            "strands' own output are applied (see docs/history.md, rollback trust check).",
            hint="the record may have been changed in the bucket: do not roll back to it. If it was made by "
            "another version of strands-tf, roll back with that version, or deploy the configuration you want with "
            "`strands apply`.",
            data={"stack": refusal.stack, "block": refusal.block, "reason": refusal.reason},
        )
        self.refusal = refusal


def check_recorded_stacks(out_dir: Path, resolved: ResolvedProject, root: Path, *, source: str) -> None:
    """Raise UntrustedStacksError unless every stack under `out_dir` (a cdktf.out) passes the trust check.

    `root` is the project directory the stacks will be applied from (local state paths are checked against
    it); `source` names the record in the message.
    """
    refusal = find_refusal(out_dir, resolved, root)
    if refusal is not None:
        raise UntrustedStacksError(source, refusal)


def find_refusal(out_dir: Path, resolved: ResolvedProject, root: Path) -> Refusal | None:
    """The first reason the stacks under `out_dir` are not strands' own output, or None."""
    try:
        for refusal in _check_out_dir(out_dir, resolved, root):
            return refusal
    except (OSError, ValueError) as exc:
        return Refusal("(manifest)", "cdktf.out", f"cannot be read: {exc}")
    return None


# ------------------------------------------------------------------------------------------- layout


def _check_out_dir(out_dir: Path, resolved: ResolvedProject, root: Path) -> Iterator[Refusal]:
    manifest = loads_json((out_dir / "manifest.json").read_text("utf-8"))
    stacks = manifest.get("stacks") if isinstance(manifest, dict) else None
    if not isinstance(stacks, dict) or not stacks:
        yield Refusal("(manifest)", "manifest.json", "lists no stacks")
        return
    for name, entry in stacks.items():
        if not isinstance(name, str) or not _NAME.match(name) or not isinstance(entry, dict):
            yield Refusal(str(name), "manifest.json", "is not a stack name strands generates")
            return
        expected = {"workingDirectory": f"stacks/{name}", "synthesizedStackPath": f"stacks/{name}/cdk.tf.json"}
        for key, value in expected.items():
            # Terraform runs in workingDirectory; the other path is for CDKTF tooling and may be absent
            if entry.get(key) != value and (key == "workingDirectory" or key in entry):
                yield Refusal(name, f"manifest.json {key}", f"is {entry.get(key)!r}, strands writes {value!r}")
                return
    names = list(stacks)
    bundled = _bundled_modules()
    for name in names:
        stack_dir = out_dir / "stacks" / name
        yield from _check_stack_files(name, stack_dir, bundled)
        try:
            doc = loads_json((stack_dir / "cdk.tf.json").read_text("utf-8"))
        except ValueError as exc:
            yield Refusal(name, "cdk.tf.json", f"is not valid JSON: {exc}")
            return
        if not isinstance(doc, dict):
            yield Refusal(name, "cdk.tf.json", "is not a JSON object")
            return
        expect = _Expected(resolved, root, name, names)
        yield from _check_document(name, doc, expect, bundled)


def _check_stack_files(stack: str, stack_dir: Path, bundled: dict[str, dict[str, str]]) -> Iterator[Refusal]:
    if not (stack_dir / "cdk.tf.json").is_file():
        yield Refusal(stack, "cdk.tf.json", "is missing")
        return
    for entry in sorted(stack_dir.iterdir()):
        if entry.is_symlink():
            yield Refusal(stack, entry.name, "is a symbolic link")
        elif entry.is_dir() and entry.name in STACK_DIRS:
            continue
        elif not (entry.is_file() and entry.name in STACK_FILES):
            # Terraform loads every *.tf / *.tf.json / *.tfvars of its working directory
            yield Refusal(stack, entry.name, "is not a file strands writes into a stack directory")
    for path in (stack_dir / "assets").rglob("*") if (stack_dir / "assets").is_dir() else ():
        if path.is_symlink():
            yield Refusal(stack, path.relative_to(stack_dir).as_posix(), "is a symbolic link")
    modules_dir = stack_dir / "modules"
    if modules_dir.is_dir():
        for module_dir in sorted(modules_dir.iterdir()):
            yield from _check_vendored_module(stack, module_dir, bundled)


def _check_vendored_module(stack: str, module_dir: Path, bundled: dict[str, dict[str, str]]) -> Iterator[Refusal]:
    where = f"modules/{module_dir.name}"
    expected = bundled.get(module_dir.name)
    if expected is None or module_dir.is_symlink() or not module_dir.is_dir():
        yield Refusal(stack, where, "is not a module bundled with strands")
        return
    found: dict[str, str] = {}
    for path in sorted(module_dir.rglob("*")):
        rel = path.relative_to(module_dir).as_posix()
        if path.is_symlink():
            yield Refusal(stack, f"{where}/{rel}", "is a symbolic link")
            return
        if path.is_file():
            found[rel] = sha256_file(path)
    for rel in sorted(set(found) | set(expected)):
        if rel not in expected:
            yield Refusal(stack, f"{where}/{rel}", "is not part of the bundled module")
            return
        if rel not in found:
            yield Refusal(stack, f"{where}/{rel}", "of the bundled module is missing")
            return
        if found[rel] != expected[rel]:
            yield Refusal(stack, f"{where}/{rel}", "differs from the module bundled with this version")
            return


def _bundled_modules() -> dict[str, dict[str, str]]:
    """module name → {relative file → sha256} of the modules shipped with this version (as synth vendors them)."""
    from strands_tf.generators.synth import modules_root

    out: dict[str, dict[str, str]] = {}
    root = modules_root()
    for module_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        files = {
            p.relative_to(module_dir).as_posix(): sha256_file(p)
            for p in module_dir.rglob("*")
            if p.is_file() and p.name != "README.md"
        }
        out[module_dir.name] = files
    return out


# ------------------------------------------------------------------------------------ the document


class _Expected:
    """What strands would generate for one stack of the current environment (provider, backend, remote state)."""

    def __init__(self, resolved: ResolvedProject, root: Path, stack: str, stacks: list[str]) -> None:
        from strands_tf.deploy.workspace import Workspace
        from strands_tf.generators.cdktf import RenderContext, provider_block
        from strands_tf.generators.synth import local_state_dir

        # stacks are applied from a deployment copy: .strands/deployments/<id>/cdktf.out/stacks/<stack>
        run_dir = Workspace(root).deployments_dir() / "<id>" / "cdktf.out" / "stacks" / stack
        state_dir = local_state_dir(Path(root).resolve(), run_dir, resolved.environment.name)
        self.ctx = RenderContext(resolved, "", state_dir)
        self.stack = stack
        self.stacks = stacks
        self.provider = provider_block(self.ctx)

    def backend(self) -> dict[str, Any]:
        from strands_tf.generators.cdktf import backend_block

        _kind, terraform = backend_block(self.ctx, SimpleNamespace(name=self.stack))  # type: ignore[arg-type]
        return terraform

    def remote_state(self) -> list[dict[str, Any]]:
        from strands_tf.generators.cdktf import remote_state_source

        return [remote_state_source(self.ctx, s) for s in self.stacks if s != self.stack]


def _without_comments(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_comments(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [_without_comments(v) for v in value]
    return value


def _entries(value: Any) -> list[Any]:
    """A block body given as an object or as a list of objects (both are valid Terraform JSON)."""
    return value if isinstance(value, list) else [value]


def _check_document(stack: str, doc: dict[str, Any], expect: _Expected, bundled: dict[str, Any]) -> Iterator[Refusal]:
    for key in doc:
        if key not in TOP_LEVEL_BLOCKS:
            yield Refusal(stack, key, "is a block strands never generates")
            return
    yield from _scan(stack, "cdk.tf.json", doc)
    yield from _check_terraform(stack, doc.get("terraform"), expect)
    yield from _check_providers(stack, doc.get("provider"), expect)
    yield from _check_data(stack, doc.get("data"), expect)
    yield from _check_resources(stack, doc.get("resource"))
    yield from _check_modules(stack, doc.get("module"), bundled)


def _scan(stack: str, where: str, value: Any) -> Iterator[Refusal]:
    """Provisioners, connections and forbidden functions anywhere in the document."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in FORBIDDEN_KEYS:
                yield Refusal(stack, where, f"has a {key} block (runs commands on the machine applying it)")
                return
            yield from _scan(stack, f"{where}.{key}" if where != "cdk.tf.json" else key, inner)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _scan(stack, f"{where}[{index}]", inner)
    elif isinstance(value, str) and "${" in value:
        for name in _FUNCTION_CALL.findall(value):
            if name in FORBIDDEN_FUNCTIONS or name.startswith("provider::"):
                yield Refusal(stack, where, f"calls {name}(), which strands never generates")
                return


def _check_terraform(stack: str, settings: Any, expect: _Expected) -> Iterator[Refusal]:
    if settings is None:
        settings = {}
    for entry in _entries(settings):
        if not isinstance(entry, dict):
            yield Refusal(stack, "terraform", "is not an object")
            return
        for key in entry:
            if key not in TERRAFORM_SETTINGS:
                yield Refusal(stack, f"terraform.{key}", "is a setting strands never generates")
                return
        for name, requirement in (entry.get("required_providers") or {}).items():
            source = requirement.get("source") if isinstance(requirement, dict) else None
            if name != "aws" or source not in AWS_PROVIDER_SOURCES:
                yield Refusal(stack, f"terraform.required_providers.{name}", "only hashicorp/aws is allowed")
                return
    merged: dict[str, Any] = {}
    for entry in _entries(settings):
        merged.update({k: v for k, v in entry.items() if k in ("backend", "cloud")})
    expected = expect.backend()
    if _without_comments(merged) != _without_comments(expected):
        yield Refusal(
            stack,
            "terraform backend",
            f"{_describe_backend(merged)} is not the environment's state backend ({_describe_backend(expected)})",
        )


def _describe_backend(settings: dict[str, Any]) -> str:
    if "cloud" in settings:
        return "cloud"
    backend = settings.get("backend")
    if isinstance(backend, dict) and len(backend) == 1:
        kind, config = next(iter(backend.items()))
        config = config[0] if isinstance(config, list) and config else config
        if isinstance(config, dict):
            where = config.get("path") or "/".join(str(config.get(k, "")) for k in ("bucket", "key") if k in config)
            return f"{kind} {where}".strip()
        return str(kind)
    return "none" if not backend else "several backends"


def _check_providers(stack: str, providers: Any, expect: _Expected) -> Iterator[Refusal]:
    if providers is None:
        return
    if not isinstance(providers, dict):
        yield Refusal(stack, "provider", "is not an object")
        return
    for name, configs in providers.items():
        if name != "aws":
            yield Refusal(stack, f"provider.{name}", "only the aws provider is allowed")
            return
        for config in _entries(configs):
            if not isinstance(config, dict):
                yield Refusal(stack, "provider.aws", "is not an object")
                return
            clean = _without_comments(config)
            for key in sorted(set(clean) | set(expect.provider)):
                if key == "default_tags":
                    tags = clean.get(key)
                    if tags is not None and not _is_tags_block(tags):
                        yield Refusal(stack, "provider.aws.default_tags", "holds more than tags")
                        return
                    continue
                if key not in expect.provider:
                    yield Refusal(stack, f"provider.aws.{key}", "is a provider setting strands never generates")
                    return
                if clean.get(key) != expect.provider[key]:
                    yield Refusal(
                        stack, f"provider.aws.{key}", "differs from the environment's (another account, role or region)"
                    )
                    return


def _is_tags_block(value: Any) -> bool:
    blocks = value if isinstance(value, list) else [value]
    return all(
        isinstance(b, dict)
        and set(b) <= {"tags"}
        and isinstance(b.get("tags", {}), dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in b.get("tags", {}).items())
        for b in blocks
    )


def _check_data(stack: str, data: Any, expect: _Expected) -> Iterator[Refusal]:
    if data is None:
        return
    if not isinstance(data, dict):
        yield Refusal(stack, "data", "is not an object")
        return
    for kind, items in data.items():
        if kind not in DATA_SOURCES:
            yield Refusal(stack, f"data.{kind}", "is a data source strands never reads")
            return
        if kind != "terraform_remote_state":
            continue
        allowed = [_without_comments(s) for s in expect.remote_state()]
        for item_id, body in (items or {}).items():
            for entry in _entries(body):
                if _without_comments(entry) not in allowed:
                    yield Refusal(
                        stack,
                        f"data.terraform_remote_state.{item_id}",
                        "reads state from somewhere other than this environment's other stacks",
                    )
                    return


def _check_resources(stack: str, resources: Any) -> Iterator[Refusal]:
    if resources is None:
        return
    if not isinstance(resources, dict):
        yield Refusal(stack, "resource", "is not an object")
        return
    for kind in resources:
        if kind not in RESOURCE_TYPES:
            yield Refusal(stack, f"resource.{kind}", "resources are created only inside the bundled modules")
            return


def _check_modules(stack: str, modules: Any, bundled: dict[str, Any]) -> Iterator[Refusal]:
    if modules is None:
        return
    if not isinstance(modules, dict):
        yield Refusal(stack, "module", "is not an object")
        return
    for module_id, body in modules.items():
        for entry in _entries(body):
            where = f"module.{module_id}"
            if not isinstance(entry, dict):
                yield Refusal(stack, where, "is not an object")
                return
            source = entry.get("source")
            name = source[len("./modules/") :] if isinstance(source, str) and source.startswith("./modules/") else None
            if name is None or name not in bundled or "version" in entry:
                yield Refusal(stack, where, f"source {source!r} is not a module bundled with strands")
                return
            for key in MODULE_FILE_INPUTS:
                value = entry.get(key)
                if value is not None and not _inside_stack(value):
                    yield Refusal(stack, f"{where}.{key}", f"{value!r} is not a file of the stack's assets")
                    return


def _inside_stack(value: Any) -> bool:
    if not isinstance(value, str) or "${" in value or "\\" in value:
        return False
    path = PurePosixPath(value)
    return not path.is_absolute() and ".." not in path.parts and path.parts[:1] == ("assets",)
