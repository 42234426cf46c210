"""Benchmark: whole-process wall time and peak memory of `strands --help` and other cheap invocations.

Each command runs N times as a child process (the installed `strands` console script, exactly what a user
runs); the figures are the best and the median wall time and the peak resident set size of the child
(`ru_maxrss` from `os.wait4`, the per-child form of `resource.getrusage(RUSAGE_CHILDREN)`).

Run: .venv/bin/python benchmarks/cli_startup.py [--repeat 15] [--json]
Target (issue 2): `strands --help` under 0.25 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

STRANDS = Path(sys.executable).parent / "strands"
LOAD_NOTE = (
    "note: the load average is above the CPU count, so wall times include waiting for a CPU; the CPU time "
    "(user + system) is the better estimate of the wall time on an idle machine"
)
TARGET_HELP_S = 0.25
COMMANDS = [
    ["--help"],
    ["--version"],
    ["validate", "--help"],
    ["config", "show", "--help"],
]


def child_env() -> dict[str, str]:
    """The user's environment, colour off, bytecode caching on (an installed package has its .pyc files)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NO_COLOR"] = "1"
    return env


def run_once(argv: list[str]) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds (user + system), peak RSS in KiB and exit code of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_env())
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    rss_kib = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss // 1024
    return elapsed, usage.ru_utime + usage.ru_stime, rss_kib, os.waitstatus_to_exitcode(status)


def measure(argv: list[str], repeat: int) -> dict[str, float | int | str]:
    """Best and median wall and CPU time and the peak RSS over `repeat` runs (after one warm-up run)."""
    run_once(argv)  # warm the page cache and write .pyc files
    times: list[float] = []
    cpus: list[float] = []
    peak = 0
    for _ in range(repeat):
        elapsed, cpu, rss, code = run_once(argv)
        if code != 0:
            raise SystemExit(f"{' '.join(argv)} exited with {code}")
        times.append(elapsed)
        cpus.append(cpu)
        peak = max(peak, rss)
    return {
        "command": " ".join(["strands", *argv[1:]]),
        "best_s": round(min(times), 4),
        "median_s": round(statistics.median(times), 4),
        "cpu_best_s": round(min(cpus), 4),
        "peak_rss_mib": round(peak / 1024, 1),
        "runs": repeat,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs per command (default 15)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if not STRANDS.exists():
        raise SystemExit(f"{STRANDS} not found: install the package (pip install -e .) into this interpreter's venv")
    baseline = measure([sys.executable, "-c", "pass"], args.repeat)
    baseline["command"] = "python -c pass (interpreter start, for reference)"
    results = [baseline] + [measure([str(STRANDS), *cmd], args.repeat) for cmd in COMMANDS]
    help_best = float(results[1]["best_s"])
    verdict = "PASS" if help_best < TARGET_HELP_S else "FAIL"
    if args.json:
        print(json.dumps({"results": results, "target_help_s": TARGET_HELP_S, "verdict": verdict}, indent=2))
    else:
        print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        print(f"{'command':52} {'best':>8} {'median':>8} {'CPU best':>9} {'peak RSS':>10}")
        for row in results:
            print(
                f"{row['command']:52} {row['best_s']:>7.3f}s {row['median_s']:>7.3f}s "
                f"{row['cpu_best_s']:>8.3f}s {row['peak_rss_mib']:>6.1f} MiB"
            )
        print(f"strands --help best {help_best:.3f} s, target {TARGET_HELP_S} s: {verdict}")
        if os.getloadavg()[0] > (os.cpu_count() or 1):
            print(LOAD_NOTE)
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
