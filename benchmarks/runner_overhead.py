"""Runner overhead: strands' plan + show against raw `terraform plan -out` + `show -json`.

Builds a stack of `terraform_data` resources, initialises it once, then times, alternating:

- raw:    two direct subprocess calls of the same engine with the same flags and environment
          (`plan -input=false -json -detailed-exitcode -out=FILE`, then `show -json FILE` + json.loads)
- runner: TerraformRunner.plan(...) (events streamed to a callback) + TerraformRunner.show_plan(...)

Target (issue 4): runner time under raw time x 1.10 + 0.3 s. The verdict compares best-of-N times
(least disturbed by other load); medians and the median of paired differences are printed too.

    .venv/bin/python benchmarks/runner_overhead.py [--resources 200] [--repeat 7] [--engine embedded]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
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


def time_raw(runner: TerraformRunner, plan_file: Path) -> float:
    env = runner.child_env()
    argv = runner.engine.command
    t0 = time.perf_counter()
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
    return time.perf_counter() - t0


def time_runner(runner: TerraformRunner, plan_file: Path) -> float:
    events = 0

    def count(_event: dict[str, Any]) -> None:
        nonlocal events
        events += 1

    t0 = time.perf_counter()
    plan = runner.plan(plan_file, on_event=count)
    runner.show_plan(plan.plan_file)
    elapsed = time.perf_counter() - t0
    if events == 0:
        sys.exit("runner delivered no events")
    return elapsed


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
        time_raw(runner, root / "warm.tfplan")
        time_runner(runner, root / "warm.tfplan")

        raw: list[float] = []
        ours: list[float] = []
        for i in range(args.repeat):
            raw.append(time_raw(runner, root / f"raw{i}.tfplan"))
            ours.append(time_runner(runner, root / f"runner{i}.tfplan"))

    raw_med, ours_med = statistics.median(raw), statistics.median(ours)
    raw_best, ours_best = min(raw), min(ours)
    paired = statistics.median(o - r for o, r in zip(ours, raw, strict=True))
    print(f"engine: {engine.name}   resources: {args.resources}   repeats: {args.repeat}")
    print(f"raw plan+show     best {raw_best:6.3f} s   median {raw_med:6.3f} s   max {max(raw):.3f} s")
    print(f"runner plan+show  best {ours_best:6.3f} s   median {ours_med:6.3f} s   max {max(ours):.3f} s")
    print(
        f"overhead          best-to-best {ours_best - raw_best:+.3f} s "
        f"({(ours_best - raw_best) / raw_best * 100:+.1f}%)   median of paired runs {paired:+.3f} s"
    )
    # best-of-N is the figure least disturbed by other load on the machine (shared CI runners)
    budget = raw_best * 1.10 + 0.3
    verdict = "PASS" if ours_best <= budget else "FAIL"
    print(f"target            runner best <= raw best x 1.10 + 0.3 s = {budget:.3f} s: {verdict}")
    sys.exit(0 if verdict == "PASS" else 1)


if __name__ == "__main__":
    main()
