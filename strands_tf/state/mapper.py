"""Map a stack's tfstate (and its synthesized ``cdk.tf.json``) to the CDK-compatible state file.

Identity comes from the synthesized configuration: every block carries
``"//": {"metadata": {"path": "<construct path>", "uniqueId": "<logical id>"}}``. A resource inside a module
gets the module block's construct path + "/" + its address within the module, and a CDKTF-style logical id
built from those path components. Resources the synthesized stack does not know are kept with an
address-derived id and ``mapped: false``.

No value marked sensitive reaches the result: every path in ``sensitive_attributes`` is masked, and any
other attribute or output that repeats a sensitive value (Terraform does not propagate the mark into
state, e.g. ``terraform_data.output``) is masked as well.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from strands_tf.errors import StateError
from strands_tf.inputfile import loads_json
from strands_tf.model.naming import logical_id as make_unique_id
from strands_tf.state.cfn_types import cfn_type
from strands_tf.state.models import OutputRecord, ResourceRecord, StackState, StateFile
from strands_tf.terraform.plan import SENSITIVE, config_address, split_address
from strands_tf.terraform.tfstate import TfInstance, TfResource, TfState, searched_secrets

_HASH_LEN = 8
# Sensitive strings at least this long are also masked where they appear inside a longer string
# (a password inside a connection string); shorter ones only where they are the whole value.
_SUBSTRING_MIN = 8


def _address_components(address: str) -> list[str]:
    """``module.x.aws_a.b["k"]`` → ``["module", "x", "aws_a", "b[k]"]`` (key punctuation kept readable)."""
    return [p.replace('"', "") for p in split_address(address)]


def _metadata(body: Any) -> tuple[str | None, str | None]:
    if not isinstance(body, dict):
        return None, None
    meta = (body.get("//") or {}).get("metadata") if isinstance(body.get("//"), dict) else None
    if not isinstance(meta, dict):
        return None, None
    path, uid = meta.get("path"), meta.get("uniqueId")
    return (path if isinstance(path, str) else None, uid if isinstance(uid, str) else None)


class _SynthIndex:
    """Construct paths and logical ids of the blocks of one ``cdk.tf.json``."""

    def __init__(self, synth: dict[str, Any] | None) -> None:
        self.resources: dict[str, tuple[str, str]] = {}
        self.modules: dict[str, tuple[str, str]] = {}
        if not isinstance(synth, dict):
            return
        for tf_type, blocks in (synth.get("resource") or {}).items():
            if not isinstance(blocks, dict):
                continue
            for name, body in blocks.items():
                path, uid = _metadata(body)
                if path:
                    self.resources[f"{tf_type}.{name}"] = (path, uid or name)
        for name, body in (synth.get("module") or {}).items():
            path, uid = _metadata(body)
            if path:
                self.modules[name] = (path, uid or name)


def _string_leaves(value: Any, out: set[str]) -> None:
    if isinstance(value, str):
        if value and value != SENSITIVE:
            out.add(value)
    elif isinstance(value, dict):
        for v in value.values():
            _string_leaves(v, out)
    elif isinstance(value, list):
        for v in value:
            _string_leaves(v, out)


class _Scrubber:
    """Masks every string that is, or contains, a known sensitive value."""

    def __init__(self, secrets: set[str]) -> None:
        self.exact = secrets
        self.long = sorted((s for s in secrets if len(s) >= _SUBSTRING_MIN), key=len, reverse=True)

    def __call__(self, value: Any) -> Any:
        if not self.exact:
            return value
        if isinstance(value, str):
            if value in self.exact or any(s in value for s in self.long):
                return SENSITIVE
            return value
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


def _collect_secrets(tfstate: TfState) -> set[str]:
    secrets: set[str] = set()
    for res in tfstate.resources:
        for inst in res.instances:
            if inst.sensitive_paths:
                secrets |= searched_secrets(res.type, inst.attributes, inst.sensitive_paths)
    for name, out in tfstate.outputs.items():
        # CDKTF marks every cross-stack output sensitive by convention: names and ARNs, not secrets
        if out.sensitive and not name.startswith("cross-stack-output-"):
            _string_leaves(out.value, secrets)
    return secrets


def _identity(
    stack_name: str, res: TfResource, inst: TfInstance, address: str, index: _SynthIndex
) -> tuple[str, str, bool]:
    """(logical id, construct path, mapped) of one instance."""
    key_suffix = ""
    if inst.index_key is not None:
        key_suffix = f"[{inst.index_key}]" if isinstance(inst.index_key, int) else f'["{inst.index_key}"]'
    if not res.module:
        found = index.resources.get(f"{res.type}.{res.name}")
        if found and res.mode == "managed":
            path, uid = found
            return uid + key_suffix, path + key_suffix, True
    else:
        parts = split_address(address)
        top = parts[1].split("[", 1)[0]
        found_mod = index.modules.get(top)
        if found_mod:
            path, _uid = found_mod
            mod_key = parts[1][len(top) :]  # "[0]" when the module itself has count/for_each
            inner = ".".join(parts[2:])
            base = path + mod_key
            components = [*base.split("/")[1:], *_address_components(inner)]
            return make_unique_id(components), f"{base}/{inner}", True
    return make_unique_id(_address_components(address)), f"{stack_name}/{address}", False


def map_stack(
    stack_name: str,
    tfstate: TfState,
    synth: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> StackState:
    """The state-file entry of one stack, from its tfstate and (optionally) its ``cdk.tf.json``."""
    index = _SynthIndex(synth)
    scrub = _Scrubber(_collect_secrets(tfstate))
    records: dict[str, ResourceRecord] = {}
    by_resource: dict[str, list[str]] = {}  # resource address (no instance key) → logical ids
    pending: list[tuple[ResourceRecord, TfInstance]] = []
    for res in tfstate.resources:
        if res.mode != "managed":
            continue  # data sources are reads, not deployed resources
        for inst in res.instances:
            if inst.deposed is not None:
                continue  # a deposed object is on its way out; the current one is recorded
            address = res.instance_address(inst)
            logical_id, path, mapped = _identity(stack_name, res, inst, address, index)
            if logical_id in records:
                digest = hashlib.md5(address.encode(), usedforsecurity=False).hexdigest()
                logical_id = f"{logical_id}_{digest[:_HASH_LEN].upper()}"
            attrs = scrub(inst.redacted_attributes())
            tags = attrs.get("tags") if isinstance(attrs.get("tags"), dict) else attrs.get("tags_all")
            phys = attrs.get("id")
            arn = attrs.get("arn")
            ctype = cfn_type(res.type)
            record = ResourceRecord(
                logical_id=logical_id,
                cfn_type=ctype.name,
                cfn_type_derived=ctype.derived,
                tf_type=res.type,
                tf_address=address,
                construct_path=path,
                mapped=mapped,
                physical_id=phys if isinstance(phys, str) and phys != SENSITIVE else None,
                arn=arn if isinstance(arn, str) and arn.startswith("arn:") else None,
                provider=res.provider_name,
                index_key=inst.index_key,
                status=inst.status,
                tags=tags if isinstance(tags, dict) else {},
                attributes=attrs,
            )
            records[logical_id] = record
            by_resource.setdefault(res.address, []).append(logical_id)
            pending.append((record, inst))
    by_config: dict[str, list[str]] = {}
    for addr, ids in by_resource.items():
        by_config.setdefault(config_address(addr), []).extend(ids)
    for record, inst in pending:
        record.dependencies = sorted(_resolve_deps(inst.dependencies, by_resource, by_config) - {record.logical_id})
    outputs = {
        name: OutputRecord(
            value=SENSITIVE if out.sensitive else scrub(out.value), sensitive=out.sensitive, type=out.type
        )
        for name, out in tfstate.outputs.items()
    }
    return StackState(
        stack_name=stack_name,
        tfstate_serial=tfstate.serial,
        tfstate_lineage=tfstate.lineage,
        terraform_version=tfstate.terraform_version,
        mapped_at=(now or datetime.now(UTC)).isoformat(),
        resources=records,
        outputs=outputs,
    )


def _resolve_deps(deps: Iterable[str], by_resource: dict[str, list[str]], by_config: dict[str, list[str]]) -> set[str]:
    out: set[str] = set()
    for dep in deps:
        ids = by_resource.get(dep) or by_config.get(config_address(dep))
        if ids:
            out.update(ids)
    return out


def load_synth(path: str | Path) -> dict[str, Any]:
    """Read a synthesized ``cdk.tf.json``; failures are :class:`StateError` naming the file."""
    p = Path(path)
    try:
        doc = loads_json(p.read_bytes())
    except FileNotFoundError:
        raise StateError(f"{p}: synthesized stack not found", hint="Run `strands synth` first.") from None
    except json.JSONDecodeError as exc:
        raise StateError(
            f"{p}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            hint="Synthesize the stack again with `strands synth`.",
        ) from None
    except OSError as exc:
        raise StateError(f"{p}: cannot be read: {exc.strerror}") from None
    except ValueError as exc:  # nested too deeply, not UTF-8
        raise StateError(
            f"{p}: not valid JSON: {exc}", hint="Synthesize the stack again with `strands synth`."
        ) from None
    if not isinstance(doc, dict):
        raise StateError(f"{p}: not a Terraform JSON configuration (expected an object)")
    return doc


def outputs_file(state: StateFile) -> dict[str, dict[str, Any]]:
    """The ``cdk deploy --outputs-file`` shape: ``{"<StackName>": {"<OutputKey>": value}}`` (masked)."""
    return {
        name: {key: out.value for key, out in sorted(stack.outputs.items())}
        for name, stack in sorted(state.stacks.items())
    }
