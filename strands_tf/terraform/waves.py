"""Dependency waves of a plan's changes, the apply timeline, and parallel efficiency.

Waves come from the plan JSON ``configuration``: a resource depends on what its expressions reference
(``references``) and on its ``depends_on``, followed through module calls (``var.x`` inside a module is
the call's ``x`` argument in the parent; ``module.m.out`` is the output's expression in the child). Locals
are not part of the plan JSON, so a dependency that only goes through a ``local`` is not seen.

Wave 0 holds every changed resource none of whose dependencies change; wave *k* holds those whose longest
chain of changing dependencies has *k* links. Unchanged resources are transparent (they take no time).
Deletions of resources that left the configuration are ordered in reverse, from the ``depends_on`` that
``prior_state`` records: a dependent is destroyed before what it depends on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from strands_tf.terraform.plan import Plan, config_address, split_address

log = logging.getLogger(__name__)

DEFAULT_PARALLELISM = 10  # terraform apply -parallelism default

_IGNORED_ROOTS = {"local", "each", "count", "path", "terraform", "self"}


def _strip_keys(part: str) -> str:
    i = part.find("[")
    return part if i == -1 else part[:i]


def _collect_refs(node: Any, out: list[str]) -> None:
    """Every ``references`` string in an expressions tree (nested blocks included)."""
    if isinstance(node, dict):
        refs = node.get("references")
        if isinstance(refs, list):
            out.extend(r for r in refs if isinstance(r, str))
        for k, v in node.items():
            if k not in ("references", "constant_value") and isinstance(v, dict | list):
                _collect_refs(v, out)
    elif isinstance(node, list):
        for v in node:
            if isinstance(v, dict | list):
                _collect_refs(v, out)


@dataclass
class _Module:
    prefix: str  # "" or "module.a.module.b." (config path, trailing dot)
    raw: dict[str, Any]
    parent: _Module | None
    call: dict[str, Any] | None  # the module_calls entry in the parent
    children: dict[str, _Module] = field(default_factory=dict)
    resources: set[str] = field(default_factory=set)  # local config addresses


class ConfigGraph:
    """Resource-level dependency graph of a plan's configuration (config addresses, no instance keys)."""

    def __init__(self, configuration: Mapping[str, Any]) -> None:
        self.deps: dict[str, set[str]] = {}
        self._modules: dict[str, _Module] = {}
        root_raw = configuration.get("root_module") if isinstance(configuration, Mapping) else None
        self._root = self._load(root_raw if isinstance(root_raw, dict) else {}, "", None, None)
        self._memo_var: dict[tuple[str, str], frozenset[str]] = {}
        self._memo_out: dict[tuple[str, str], frozenset[str]] = {}
        self._memo_all: dict[str, frozenset[str]] = {}
        self._active: set[tuple[str, str, str]] = set()
        self._build(self._root)

    # -- loading

    def _load(self, raw: dict[str, Any], prefix: str, parent: _Module | None, call: Any) -> _Module:
        mod = _Module(prefix, raw, parent, call if isinstance(call, dict) else None)
        self._modules[prefix] = mod
        for res in raw.get("resources") or []:
            if isinstance(res, dict) and isinstance(res.get("address"), str):
                mod.resources.add(res["address"])
        for name, c in (raw.get("module_calls") or {}).items():
            if isinstance(c, dict):
                child_raw = c.get("module") if isinstance(c.get("module"), dict) else {}
                mod.children[name] = self._load(child_raw, f"{prefix}module.{name}.", mod, c)
        return mod

    def _build(self, mod: _Module) -> None:
        inherited = self._call_deps(mod)
        for res in mod.raw.get("resources") or []:
            if not isinstance(res, dict) or not isinstance(res.get("address"), str):
                continue
            refs: list[str] = []
            _collect_refs(res.get("expressions"), refs)
            _collect_refs(res.get("count_expression"), refs)
            _collect_refs(res.get("for_each_expression"), refs)
            deps = set(self._resolve_refs(mod, refs))
            deps.update(self._resolve_depends_on(mod, res.get("depends_on")))
            deps.update(inherited)
            fq = mod.prefix + res["address"]
            deps.discard(fq)
            self.deps[fq] = deps
        for child in mod.children.values():
            self._build(child)

    def _call_deps(self, mod: _Module) -> frozenset[str]:
        """What every resource of a module waits for: the call's depends_on, count and for_each."""
        if mod.call is None or mod.parent is None:
            return frozenset()
        out: set[str] = set()
        refs: list[str] = []
        _collect_refs(mod.call.get("count_expression"), refs)
        _collect_refs(mod.call.get("for_each_expression"), refs)
        out.update(self._resolve_refs(mod.parent, refs))
        out.update(self._resolve_depends_on(mod.parent, mod.call.get("depends_on")))
        out.update(self._call_deps(mod.parent))
        return frozenset(out)

    # -- resolution

    def _resolve_depends_on(self, mod: _Module, items: Any) -> set[str]:
        out: set[str] = set()
        if not isinstance(items, list):
            return out
        for item in items:
            if not isinstance(item, str):
                continue
            parts = [_strip_keys(p) for p in split_address(item)]
            if parts[0] == "module" and len(parts) == 2:
                child = mod.children.get(parts[1])
                if child is not None:
                    out.update(self._all_resources(child))
            else:
                out.update(self._resolve_refs(mod, [item]))
        return out

    def _all_resources(self, mod: _Module) -> frozenset[str]:
        found = self._memo_all.get(mod.prefix)
        if found is None:
            acc = {mod.prefix + r for r in mod.resources}
            for child in mod.children.values():
                acc.update(self._all_resources(child))
            found = self._memo_all[mod.prefix] = frozenset(acc)
        return found

    def _resolve_refs(self, mod: _Module, refs: Iterable[str]) -> set[str]:
        refs = list(refs)
        # Terraform lists both "module.m.out" and "module.m"; the bare one adds nothing then.
        specific_modules = {
            _strip_keys(split_address(r)[1]) for r in refs if r.startswith("module.") and len(split_address(r)) > 2
        }
        out: set[str] = set()
        for ref in refs:
            parts = [_strip_keys(p) for p in split_address(ref)]
            root = parts[0]
            if root in _IGNORED_ROOTS or not root:
                continue
            if root == "var" and len(parts) >= 2:
                out.update(self._var(mod, parts[1]))
            elif root == "module" and len(parts) >= 2:
                child = mod.children.get(parts[1])
                if child is None:
                    continue
                if len(parts) >= 3:
                    out.update(self._output(child, parts[2]))
                elif parts[1] not in specific_modules:
                    for name in child.raw.get("outputs") or {}:
                        out.update(self._output(child, name))
            elif root == "data" and len(parts) >= 3:
                local = f"data.{parts[1]}.{parts[2]}"
                if local in mod.resources:
                    out.add(mod.prefix + local)
            elif len(parts) >= 2:
                local = f"{parts[0]}.{parts[1]}"
                if local in mod.resources:
                    out.add(mod.prefix + local)
        return out

    def _guarded(self, kind: str, mod: _Module, name: str) -> bool:
        key = (kind, mod.prefix, name)
        if key in self._active:
            log.debug("reference cycle through %s %s%s", kind, mod.prefix, name)
            return False
        self._active.add(key)
        return True

    def _var(self, mod: _Module, name: str) -> frozenset[str]:
        key = (mod.prefix, name)
        found = self._memo_var.get(key)
        if found is not None:
            return found
        if mod.call is None or mod.parent is None or not self._guarded("var", mod, name):
            return frozenset()
        try:
            refs: list[str] = []
            _collect_refs((mod.call.get("expressions") or {}).get(name), refs)
            found = frozenset(self._resolve_refs(mod.parent, refs))
        finally:
            self._active.discard(("var", mod.prefix, name))
        self._memo_var[key] = found
        return found

    def _output(self, mod: _Module, name: str) -> frozenset[str]:
        key = (mod.prefix, name)
        found = self._memo_out.get(key)
        if found is not None:
            return found
        out_cfg = (mod.raw.get("outputs") or {}).get(name)
        if not isinstance(out_cfg, dict) or not self._guarded("output", mod, name):
            return frozenset()
        try:
            refs: list[str] = []
            _collect_refs(out_cfg.get("expression"), refs)
            acc = self._resolve_refs(mod, refs)
            acc.update(self._resolve_depends_on(mod, out_cfg.get("depends_on")))
            found = frozenset(acc)
        finally:
            self._active.discard(("output", mod.prefix, name))
        self._memo_out[key] = found
        return found


def _prior_state_depends_on(plan: Plan) -> dict[str, list[str]]:
    """Config address → ``depends_on`` recorded in prior_state (used to order orphan deletions)."""
    out: dict[str, list[str]] = {}
    values = (plan.prior_state or {}).get("values") or {}

    def walk(module: Any) -> None:
        if not isinstance(module, dict):
            return
        for res in module.get("resources") or []:
            if isinstance(res, dict) and isinstance(res.get("address"), str):
                deps = res.get("depends_on")
                if isinstance(deps, list):
                    out.setdefault(config_address(res["address"]), []).extend(
                        config_address(d) for d in deps if isinstance(d, str)
                    )
        for child in module.get("child_modules") or []:
            walk(child)

    walk(values.get("root_module"))
    return out


@dataclass(slots=True)
class Waves:
    """Changed resource instances grouped into waves Terraform can run in parallel."""

    waves: list[list[str]]
    wave_of: dict[str, int]
    depends_on: dict[str, list[str]]  # changed instance → changed instances it must wait for

    @property
    def max_width(self) -> int:
        """Size of the widest wave (the most resources that can ever run at once)."""
        return max((len(w) for w in self.waves), default=0)

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"waves": self.waves, "max_width": self.max_width, "depends_on": self.depends_on}


def _longest_chain(node: str, edges: Mapping[str, Iterable[str]], memo: dict[str, int], stack: set[str]) -> int:
    """Links in the longest chain of edges below ``node`` (memoized; cycles are cut)."""
    got = memo.get(node)
    if got is not None:
        return got
    stack.add(node)
    best = 0
    for dep in edges.get(node, ()):
        if dep not in stack:
            best = max(best, _longest_chain(dep, edges, memo, stack) + 1)
    stack.discard(node)
    memo[node] = best
    return best


def compute_waves(plan: Plan) -> Waves:
    """Waves of the plan's changed instances (see the module docstring for the rules)."""
    graph = ConfigGraph(plan.configuration)
    prior_deps = _prior_state_depends_on(plan)

    forward: dict[str, list[str]] = {}  # config addr → changed instances (create/update/replace/read...)
    deleting: dict[str, list[str]] = {}  # config addr → instances being deleted
    for rc in plan.resource_changes:
        if not rc.changes:
            continue
        cfg = config_address(rc.address)
        bucket = deleting if rc.action == "delete" else forward
        inst = rc.address if rc.deposed is None else f"{rc.address} (deposed {rc.deposed})"
        bucket.setdefault(cfg, []).append(inst)

    # Nearest changed config nodes below each node, looking through unchanged ones.
    frontier_memo: dict[str, frozenset[str]] = {}

    def frontier(node: str, stack: set[str]) -> frozenset[str]:
        got = frontier_memo.get(node)
        if got is not None:
            return got
        stack.add(node)
        acc: set[str] = set()
        for dep in graph.deps.get(node, ()):
            if dep in stack:
                continue
            if dep in forward:
                acc.add(dep)
            else:
                acc.update(frontier(dep, stack))
        stack.discard(node)
        got = frontier_memo[node] = frozenset(acc)
        return got

    fwd_edges = {node: frontier(node, set()) for node in forward}
    level: dict[str, int] = {}
    for node in forward:
        _longest_chain(node, fwd_edges, level, set())

    # Deletions run dependents first: edge from a dependency to each deleted dependent.
    del_edges: dict[str, set[str]] = {}
    for node in deleting:
        for dep in set(prior_deps.get(node, ())) | graph.deps.get(node, set()):
            if dep in deleting and dep != node:
                del_edges.setdefault(dep, set()).add(node)
    del_level: dict[str, int] = {}
    for node in deleting:
        _longest_chain(node, del_edges, del_level, set())

    waves: list[list[str]] = []
    wave_of: dict[str, int] = {}
    depends_on: dict[str, list[str]] = {}

    def place(inst: str, lvl: int) -> None:
        while len(waves) <= lvl:
            waves.append([])
        waves[lvl].append(inst)
        wave_of[inst] = lvl

    for node, insts in forward.items():
        preds = sorted(i for dep in fwd_edges[node] for i in forward[dep])
        for inst in insts:
            place(inst, level[node])
            depends_on[inst] = preds
    for node, insts in deleting.items():
        preds = sorted(i for dep in del_edges.get(node, ()) for i in deleting[dep])
        for inst in insts:
            place(inst, del_level[node])
            depends_on[inst] = preds
    for w in waves:
        w.sort()
    return Waves(waves, wave_of, depends_on)


# ---------------------------------------------------------------------------------------------------
# Timeline


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One resource's run, in seconds from the start of the apply."""

    address: str
    start: float
    end: float
    wave: int | None

    @property
    def duration(self) -> float:
        """Seconds it ran."""
        return self.end - self.start


@dataclass(slots=True)
class Timeline:
    """Per-resource runs of one apply and how well they used the available parallelism."""

    started: datetime | None
    entries: list[TimelineEntry]
    wall_seconds: float
    busy_seconds: float
    possible_parallelism: int
    observed_peak: int
    efficiency: float | None

    def to_json(self) -> dict[str, Any]:
        """JSON form (the deployment record stores this)."""
        return {
            "started": self.started.isoformat() if self.started else None,
            "wall_seconds": round(self.wall_seconds, 6),
            "busy_seconds": round(self.busy_seconds, 6),
            "possible_parallelism": self.possible_parallelism,
            "observed_peak": self.observed_peak,
            "efficiency": round(self.efficiency, 6) if self.efficiency is not None else None,
            "entries": [
                {
                    "address": e.address,
                    "start": round(e.start, 6),
                    "end": round(e.end, 6),
                    "duration": round(e.duration, 6),
                    "wave": e.wave,
                }
                for e in self.entries
            ],
        }


def _peak(entries: list[TimelineEntry]) -> int:
    points: list[tuple[float, int]] = []
    for e in entries:
        points.append((e.start, 1))
        points.append((e.end, -1))
    # Ends sort before starts at the same instant: back-to-back runs do not overlap.
    points.sort(key=lambda p: (p[0], p[1]))
    cur = best = 0
    for _, delta in points:
        cur += delta
        best = max(best, cur)
    return best


def build_timeline(
    timings: Mapping[str, tuple[datetime, datetime]],
    waves: Waves | None = None,
    parallelism: int = DEFAULT_PARALLELISM,
) -> Timeline:
    """Timeline and parallel efficiency from per-resource (start, end) times.

    Parallel efficiency E = B / (W * P), where B is the sum of the resources' durations, W the wall time
    from the first start to the last end, and P the parallelism actually possible: the smaller of
    Terraform's ``-parallelism`` limit and the widest dependency wave (without waves: the number of
    resources). E = 1 means every possible slot was busy for the whole apply; a chain of dependent
    resources has P = 1, so running it strictly in sequence still scores 1. E is None when W is 0.
    """
    if not timings:
        return Timeline(None, [], 0.0, 0.0, 0, 0, None)
    t0 = min(s for s, _ in timings.values())
    entries = sorted(
        (
            TimelineEntry(
                address=addr,
                start=(s - t0).total_seconds(),
                end=max((e - t0).total_seconds(), (s - t0).total_seconds()),
                wave=waves.wave_of.get(addr) if waves else None,
            )
            for addr, (s, e) in timings.items()
        ),
        key=lambda e: (e.start, e.address),
    )
    wall = max(e.end for e in entries)
    busy = sum(e.duration for e in entries)
    width = waves.max_width if waves and waves.max_width else len(entries)
    possible = max(1, min(parallelism, width))
    efficiency = busy / (wall * possible) if wall > 0 else None
    return Timeline(t0, entries, wall, busy, possible, _peak(entries), efficiency)
