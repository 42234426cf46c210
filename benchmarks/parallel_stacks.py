"""Four independent stacks, each with a 5 s resource, deployed by the executor: parallel vs one stack.

Issue 4 target: four stacks in under 1.5x the time of one (sequential would be about 4x).

Run: .venv/bin/python benchmarks/parallel_stacks.py [--stacks 4] [--seconds 5] [--engine embedded]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from strands_tf.deploy.executor import (
    DeployContext,
    TargetRuntime,
    read_manifest,
    run_deployment,
    start_deployment,
)
from strands_tf.deploy.workspace import Workspace, new_deployment_id
from strands_tf.terraform.engine import discover_engine


def write_layout(root: Path, count: int, seconds: float) -> Path:
    out = root / ".strands" / "build" / "bench" / "cdktf.out"
    manifest: dict[str, object] = {"version": "0.21.0", "stacks": {}}
    for i in range(count):
        name = f"stack{i}"
        workdir = out / "stacks" / name
        workdir.mkdir(parents=True)
        state_dir = os.path.relpath(root / ".strands" / "tfstate" / "bench", workdir)
        doc = {
            "terraform": {"backend": {"local": {"path": f"{state_dir}/{name}.tfstate"}}},
            "resource": {
                "terraform_data": {
                    "work": {"input": name, "provisioner": [{"local-exec": {"command": f"sleep {seconds:g}"}}]}
                }
            },
        }
        (workdir / "cdk.tf.json").write_text(json.dumps(doc))
        manifest["stacks"][name] = {  # type: ignore[index]
            "name": name,
            "constructPath": name,
            "workingDirectory": f"stacks/{name}",
            "synthesizedStackPath": f"stacks/{name}/cdk.tf.json",
            "stackMetadataPath": f"stacks/{name}/metadata.json",
            "annotations": [],
            "dependencies": [],
        }
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


def deploy(count: int, seconds: float, engine_kind: str, parallel: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        out = write_layout(root, count, seconds)
        rc = root / "terraform.rc"
        rc.write_text("")
        ctx = DeployContext(
            workspace=Workspace(root),
            project="bench",
            environment="bench",
            engine=discover_engine(prefer=engine_kind),
            runtime=TargetRuntime(cli_config=rc),
            parallel=parallel,
        )
        stacks = read_manifest(out)
        store = start_deployment(ctx.workspace, new_deployment_id(), "apply", "bench", "bench", stacks, out)
        began = time.monotonic()
        result = run_deployment(ctx, store, read_manifest(store.dir / "cdktf.out"))
        elapsed = time.monotonic() - began
        if not result.ok:
            raise SystemExit(f"deployment failed: {result.errors}")
        return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stacks", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--engine", default="embedded")
    args = parser.parse_args()
    one = deploy(1, args.seconds, args.engine, parallel=True)
    many = deploy(args.stacks, args.seconds, args.engine, parallel=True)
    sequential = deploy(args.stacks, args.seconds, args.engine, parallel=False)
    ratio = many / one
    print(f"one stack:                     {one:6.2f} s")
    print(f"{args.stacks} stacks, in parallel:       {many:6.2f} s  ({ratio:.2f}x one stack; target < 1.5x)")
    print(f"{args.stacks} stacks, --sequential:      {sequential:6.2f} s  ({sequential / one:.2f}x)")
    print("PASS" if ratio < 1.5 else "FAIL")
    return 0 if ratio < 1.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
