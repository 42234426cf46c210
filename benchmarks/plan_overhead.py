"""`strands plan` (whole process) against raw `terraform plan -out` + `show -json` on the same stack.

The project is the `simple` template without its requirements (no pip in the loop), deployed to the
offline emulator so a real provider answers. Raw calls use exactly the environment strands gives
Terraform (CLI config with the provider mirror, data dir, emulator endpoint, test credentials).
Issue 4 target: strands plan under raw x 1.10 + 0.3 s.

Run: .venv/bin/python benchmarks/plan_overhead.py [--repeat 5] [--engine embedded|terraform|auto]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from strands_tf.config import load_project, resolve
from strands_tf.deploy.emulator_target import emulator_runtime, stop_emulator
from strands_tf.deploy.workspace import Workspace
from strands_tf.scaffold import scaffold
from strands_tf.terraform.engine import discover_engine

STRANDS = str(Path(sys.executable).with_name("strands"))


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    began = time.monotonic()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--engine", default="embedded")
    args = parser.parse_args()
    env = {**os.environ, "STRANDS_ENGINE": args.engine}
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "bench"
        scaffold(project, "simple", name="bench")
        (project / "agents" / "assistant" / "requirements.txt").unlink()
        workspace = Workspace(project)
        try:
            # first run: starts the emulator, installs the provider, runs init
            subprocess.run([STRANDS, "-C", str(project), "plan", "-e", "local"], env=env, check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip
            resolved = resolve(load_project(project), "local")
            runtime = emulator_runtime(resolved, workspace)
            engine = discover_engine(prefer=args.engine)
            stack_dir = workspace.build_dir("local") / "stacks" / "bench-local"
            raw_env = {
                **env,
                **runtime.env,
                "TF_CLI_CONFIG_FILE": str(runtime.cli_config),
                # a data dir of its own, initialised once below: strands may run the provider reattached
                "TF_DATA_DIR": str(Path(tmp) / "raw-data"),
                "TF_IN_AUTOMATION": "1",
                "TF_INPUT": "0",
                "TF_VAR_emulator_endpoint": runtime.variables["emulator_endpoint"],
            }
            subprocess.run(engine.command("init", "-input=false"), cwd=stack_dir, env=raw_env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
            plan_file = Path(tmp) / "raw.tfplan"
            raw_times: list[float] = []
            ours: list[float] = []
            for _ in range(args.repeat):
                raw = timed(engine.command("plan", "-input=false", "-json", f"-out={plan_file}"), stack_dir, raw_env)
                raw += timed(engine.command("show", "-json", str(plan_file)), stack_dir, raw_env)
                raw_times.append(raw)
                ours.append(timed([STRANDS, "-C", str(project), "plan", "-e", "local", "--json"], project, env))
        finally:
            stop_emulator(workspace)
    raw_best, ours_best = min(raw_times), min(ours)
    raw_med, ours_med = statistics.median(raw_times), statistics.median(ours)
    target = raw_med * 1.10 + 0.3
    print(f"engine: {engine.name}")
    print(f"raw plan + show -json:  best {raw_best:.2f} s, median {raw_med:.2f} s")
    print(f"strands plan (process): best {ours_best:.2f} s, median {ours_med:.2f} s")
    print(f"overhead (median):      {ours_med - raw_med:+.2f} s; target strands <= {target:.2f} s")
    ok = ours_med <= target
    print("PASS" if ok else "FAIL")
    print(json.dumps({"raw": raw_times, "strands": ours}))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
