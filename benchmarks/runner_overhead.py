"""Runner overhead: strands' plan + show against raw `terraform plan -out` + `show -json`.

Builds a stack of `terraform_data` resources, initialises it once, then times, alternating:

- raw:    two direct subprocess calls of the same engine with the same flags and environment
          (`plan -input=false -json -detailed-exitcode -out=FILE`, then `show -json FILE` + json.loads)
- runner: TerraformRunner.plan(...) (events streamed to a callback) + TerraformRunner.show_plan(...)

Target (issue 4): runner time under raw time x 1.10 + 0.3 s, judged on the median over paired runs
(raw then runner, back to back), which cancels most drift from other load. Best-of-N and medians of
wall time, and CPU time (this process plus its children, nearly independent of other load), are
printed too.

    .venv/bin/python benchmarks/runner_overhead.py [--resources 200] [--repeat 7] [--engine embedded]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from strands_tf.terraform.engine import discover_engine
from strands_tf.terraform.runner import TerraformRunner


def write_stack(workdir: Path, count: int) -> None:
    """A stack of `count` terraform_data resources in a dependency chain of ten, with outputs."""
    workdir.mkdir(parents=True, exist_ok=True)
    resources: dict[str, Any] = {}
    for i in range(count):
        body: dict[str, Any] = {"input": {"index": i, "name": f"r{i}", "tags": {"app": "bench"}}}
        if i % 10:
            body["depends_on"] = [f"terraform_data.r{i - 1}"]
        resources[f"r{i}"] = body
    doc = {
        "terraform": {"required_version": ">= 1.6.0"},
        "resource": {"terraform_data": resources},
        "output": {"first": {"value": "${terraform_data.r0.output}"}},
    }
    (workdir / "cdk.tf.json").write_text(json.dumps(doc, indent=2))


def _cpu() -> float:
    """CPU seconds of this process (all threads) plus every child it has waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def measure(fn: Callable[[], None]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one call; CPU time barely moves with other load on the machine."""
    c0, t0 = _cpu(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, _cpu() - c0


def raw_plan_show(runner: TerraformRunner, plan_file: Path) -> None:
    env = runner.child_env()
    argv = runner.engine.command
    plan = subprocess.run(
        argv("plan", "-input=false", "-json", "-detailed-exitcode", f"-out={plan_file}"),
        cwd=runner.workdir,
        env=env,
        capture_output=True,
        check=False,
    )
    if plan.returncode not in (0, 2):
        sys.exit(f"raw plan failed: {plan.stderr.decode()[-2000:]}")
    show = subprocess.run(
        argv("show", "-json", "-no-color", str(plan_file)), cwd=runner.workdir, env=env, capture_output=True, check=True
    )
    json.loads(show.stdout)


def runner_plan_show(runner: TerraformRunner, plan_file: Path) -> None:
    events = 0

    def count(_event: object) -> None:
        nonlocal events
        events += 1

    plan = runner.plan(plan_file, on_event=count)
    runner.show_plan(plan.plan_file)
    if events == 0:
        sys.exit("runner delivered no events")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--engine", default="embedded", help="auto, embedded, terraform or tofu")
    args = parser.parse_args()

    engine = discover_engine(prefer=args.engine)
    with tempfile.TemporaryDirectory(prefix="strands-bench-") as tmp:
        root = Path(tmp)
        work = root / "stack"
        write_stack(work, args.resources)
        (root / "terraform.rc").write_text("")
        runner = TerraformRunner(
            engine, work, data_dir=root / "data", plugin_cache=root / "plugins", cli_config=root / "terraform.rc"
        )
        runner.init()
        # warm-up: page cache, Python bytecode, the Go runtime's first start
        raw_plan_show(runner, root / "warm.tfplan")
        runner_plan_show(runner, root / "warm.tfplan")

        raw: list[tuple[float, float]] = []
        ours: list[tuple[float, float]] = []
        for i in range(args.repeat):
            raw.append(measure(lambda i=i: raw_plan_show(runner, root / f"raw{i}.tfplan")))
            ours.append(measure(lambda i=i: runner_plan_show(runner, root / f"runner{i}.tfplan")))

    print(f"engine: {engine.name}   resources: {args.resources}   repeats: {args.repeat}")
    for label, idx in (("wall", 0), ("cpu ", 1)):
        r = [x[idx] for x in raw]
        o = [x[idx] for x in ours]
        paired = statistics.median(b - a for a, b in zip(r, o, strict=True))
        print(
            f"{label}  raw best {min(r):6.3f} s median {statistics.median(r):6.3f} s | "
            f"runner best {min(o):6.3f} s median {statistics.median(o):6.3f} s | "
            f"best-to-best {min(o) - min(r):+.3f} s ({(min(o) - min(r)) / min(r) * 100:+.1f}%), "
            f"paired median {paired:+.3f} s"
        )
    # Judged on paired runs (raw then runner, back to back), which cancels most of the drift that
    # other load on a shared machine causes: the median margin must not be positive.
    margin = statistics.median(o[0] - (r[0] * 1.10 + 0.3) for r, o in zip(raw, ours, strict=True))
    verdict = "PASS" if margin <= 0 else "FAIL"
    print(f"target  runner <= raw x 1.10 + 0.3 s (median over paired runs): margin {margin:+.3f} s: {verdict}")
    sys.exit(0 if verdict == "PASS" else 1)


if __name__ == "__main__":
    main()
