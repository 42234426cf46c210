"""Wall time of the offline demo sequence on the configuration issue's sample config, per step.

plan → apply → plan again (must show no changes) → destroy, each a whole `strands ... -e local` process
against the emulator with the embedded Terraform engine. Agents have no requirements (no pip in the
loop). The first plan includes starting the emulator and installing the provider mirror.

Run: .venv/bin/python benchmarks/demo_sequence.py [--engine embedded|terraform|auto] [--project DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STRANDS = str(Path(sys.executable).with_name("strands"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", default="embedded")
    parser.add_argument("--project", type=Path, default=REPO / "tests" / "config" / "data" / "sample")
    args = parser.parse_args()
    env = {**os.environ, "STRANDS_ENGINE": args.engine, "NO_COLOR": "1"}
    steps = [
        ("plan", ["plan", "-e", "local"]),
        ("apply", ["apply", "-e", "local", "--auto-approve"]),
        ("plan again", ["plan", "-e", "local", "--json"]),
        ("destroy", ["destroy", "-e", "local", "--auto-approve"]),
    ]
    timings: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(args.project, project, ignore=shutil.ignore_patterns(".strands", "cdktf.out"))
        for requirements in project.glob("agents/*/requirements.txt"):
            requirements.unlink()
        try:
            for name, cmd in steps:
                began = time.monotonic()
                proc = subprocess.run([STRANDS, "-C", str(project), *cmd], env=env, capture_output=True, text=True)
                timings.append((name, time.monotonic() - began))
                if proc.returncode != 0:
                    print(proc.stdout, proc.stderr, sep="\n")
                    raise SystemExit(f"{name} failed with exit code {proc.returncode}")
                if name == "plan again":
                    again = json.loads(proc.stdout)
                    changed = [c for s in again["stacks"].values() for g in s["groups"] for c in g["changes"]]
                    print(f"second plan: {'no changes' if not changed else f'{len(changed)} changes (unexpected)'}")
        finally:
            subprocess.run([STRANDS, "-C", str(project), "emulator", "stop"], env=env, capture_output=True)
    for name, seconds in timings:
        print(f"{name:<11} {seconds:6.2f} s")
    print(f"{'total':<11} {sum(s for _, s in timings):6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
