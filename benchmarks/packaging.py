"""Benchmark agent packaging: deterministic code zip of a ~20 MB tree, and a cached layer hit.

Run: .venv/bin/python benchmarks/packaging.py [--size-mb 20] [--repeat 3]
The tree mixes Python-like text (compressible), semi-compressible binaries and incompressible weights,
roughly what an agent directory with vendored code and a small model looks like.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from strands_tf.packaging import PackageSpec, PipResult, build_agent_artifacts

MIB = 1024 * 1024


def make_tree(root: Path, size_mb: int) -> int:
    """Write a tree of about ``size_mb`` MiB: 50 % text in many small files, 25 % binary, 25 % random."""
    rng = random.Random(42)
    words = [f"token{i}" for i in range(2000)] + ["def", "return", "self", "import", "class", "if"]
    budget = size_mb * MIB
    written = 0
    text_budget = budget // 2
    i = 0
    while written < text_budget:
        body = "\n".join(" ".join(rng.choices(words, k=12)) for _ in range(60)).encode()
        path = root / f"pkg{i % 40}" / f"mod{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        written += len(body)
        i += 1
    # binaries: structured bytes that deflate roughly 2:1, like shared objects
    for j in range(4):
        chunk = bytes(rng.getrandbits(4) for _ in range(budget // 16))
        (root / "native").mkdir(exist_ok=True)
        (root / "native" / f"lib{j}.so").write_bytes(chunk)
        written += len(chunk)
    weights = os.urandom(budget - written) if budget > written else b""
    (root / "model.bin").write_bytes(weights)
    return written + len(weights)


def fake_pip(args: Sequence[str], *, cwd: Path) -> PipResult:
    target = Path(args[list(args).index("--target") + 1])
    for n in range(200):
        mod = target / f"dep{n % 20}" / f"m{n}.py"
        mod.parent.mkdir(parents=True, exist_ok=True)
        mod.write_text("x = 1\n" * 2000)
    return PipResult(0, "", "")


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        src = root / "agent"
        size = make_tree(src, opts.size_mb)
        files = sum(1 for p in src.rglob("*") if p.is_file())
        (src / "requirements.txt").write_text("dep==1.0\n")
        spec = PackageSpec("bench", src, "python3.12", "arm64", None)
        hashes = set()

        def code() -> None:
            art = build_agent_artifacts(spec, root / "out", root / "cache")
            hashes.add(art.code.sha256)

        code_times = timed(code, opts.repeat)
        art = build_agent_artifacts(spec, root / "out", root / "cache")
        with_layer = PackageSpec("bench", src, "python3.12", "arm64", src / "requirements.txt")
        cold = timed(lambda: build_agent_artifacts(with_layer, root / "out", root / "cache", pip=fake_pip), 1)
        warm = timed(lambda: build_agent_artifacts(with_layer, root / "out", root / "cache", pip=fake_pip), 3)
        best = min(code_times)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus")
        print(f"tree: {size / MIB:.1f} MiB in {files} files -> zip {art.code.size / MIB:.1f} MiB")
        print(
            f"code zip (walk + zip + sha256): best {best:.3f} s, median {statistics.median(code_times):.3f} s "
            f"over {opts.repeat} runs = {size / MIB / best:.0f} MiB/s; identical bytes every run: {len(hashes) == 1}"
        )
        print(f"code zip + layer, cold cache (fake pip, 200 modules): {cold[0]:.3f} s")
        print(f"code zip + layer, warm cache (pip not run):          {min(warm):.3f} s")
        agents = []
        for n in range(4):
            agent_src = root / f"agent{n}"
            make_tree(agent_src, max(1, opts.size_mb // 4))
            agents.append(PackageSpec(f"agent{n}", agent_src, "python3.12", "arm64", None))
        seq = timed(lambda: [build_agent_artifacts(a, root / "many", root / "cache") for a in agents], 1)[0]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            par = timed(
                lambda: list(pool.map(lambda a: build_agent_artifacts(a, root / "many", root / "cache"), agents)),
                1,
            )[0]
        print(
            f"4 agents x {max(1, opts.size_mb // 4)} MiB: sequential {seq:.3f} s, "
            f"thread pool of {os.cpu_count()} {par:.3f} s ({seq / par:.1f}x)"
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS: {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
