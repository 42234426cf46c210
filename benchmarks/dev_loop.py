"""The local dev loop: save → answer from the new code, dev server overhead, `apply --code-only` vs a full apply.

Run: .venv/bin/python benchmarks/dev_loop.py [--rounds 15] [--agents 6] [--apply-rounds 3] [--apply-only]

`--apply-only` skips the dev server measures (only the `apply --code-only` vs full apply comparison).

A generated project (the simple template, plus copies of its agent for the apply comparison) is applied to
the emulator with the embedded engine, then `strands dev -e local --model scripted` serves it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from strands_tf.dev.server import wait_until_serving  # noqa: E402

STRANDS = str(Path(sys.executable).with_name("strands"))


def run(env: dict[str, str], root: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([STRANDS, "-C", str(root), *args], env=env, check=True, capture_output=True, timeout=900)
    return time.perf_counter() - started


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(conn: http.client.HTTPConnection, path: str, body: dict) -> dict:
    conn.request("POST", path, json.dumps(body), {"content-type": "application/json"})
    return json.loads(conn.getresponse().read())


def get(conn: http.client.HTTPConnection, path: str) -> None:
    conn.request("GET", path)
    conn.getresponse().read()


def add_agents(root: Path, count: int) -> None:
    """Copies of the template agent, each with its own table and route (a project worth planning)."""
    yaml = root / "strands.yaml"
    text = yaml.read_text()
    agents, resources = [], []
    for index in range(2, count + 1):
        source = root / "agents" / "assistant"
        target = root / "agents" / f"agent{index}"
        subprocess.run(["cp", "-r", str(source), str(target)], check=True)
        agents.append(
            f"  agent{index}:\n    path: agents/agent{index}\n    handler: app.handler\n"
            f'    api: {{routes: ["POST /chat{index}"]}}\n'
            f"    permissions:\n      - {{resource: store{index}, access: read_write}}\n"
        )
        resources.append(f"  store{index}:\n    type: dynamodb\n    hash_key: id\n")
    text = text.replace("\nresources:\n", "\n" + "".join(agents) + "\nresources:\n")
    yaml.write_text(text + "".join(resources))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--agents", type=int, default=6)
    parser.add_argument("--apply-rounds", type=int, default=3, help="full / code-only applies, alternating")
    parser.add_argument("--apply-only", action="store_true", help="skip the dev server measures")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="strands-dev-bench-"))
    root = work / "bench"
    env = {**os.environ, "STRANDS_ENGINE": "embedded", "NO_COLOR": "1"}
    env.setdefault("STRANDS_CACHE_DIR", str(work / "cache"))
    subprocess.run([STRANDS, "init", str(root), "--name", "bench"], env=env, check=True, capture_output=True)
    for requirements in root.glob("agents/*/requirements.txt"):
        requirements.unlink()
    add_agents(root, args.agents)
    first = run(env, root, "apply", "-e", "local", "--auto-approve")
    print(f"project: {args.agents} agents; first apply {first:.1f} s")
    app = root / "agents" / "assistant" / "app.py"
    original = app.read_text()
    try:
        if not args.apply_only:
            dev_server(env, root, work, app, original, args.rounds)
        # apply --code-only vs a full apply of the same change
        full, targeted = [], []
        for round_ in range(args.apply_rounds):
            app.write_text(original + f"\n# full {round_}\n")
            full.append(run(env, root, "apply", "-e", "local", "--auto-approve", "--full"))
            app.write_text(original + f"\n# code-only {round_}\n")
            targeted.append(run(env, root, "apply", "-e", "local", "--auto-approve", "--code-only"))
        ratio = statistics.median(full) / statistics.median(targeted)
        print(f"apply of one agent's code change: full {statistics.median(full):.2f} s, --code-only "
              f"{statistics.median(targeted):.2f} s (median of {args.apply_rounds}): {ratio:.1f}x")  # fmt: skip
        print(f"  full: {' '.join(f'{x:.2f}' for x in full)}; --code-only: {' '.join(f'{x:.2f}' for x in targeted)}")
    finally:
        app.write_text(original)
        subprocess.run([STRANDS, "-C", str(root), "emulator", "stop"], env=env, capture_output=True)


def dev_server(env: dict[str, str], root: Path, work: Path, app: Path, original: str, rounds: int) -> None:
    """Save -> answer from the new code, and the dev server's overhead per request."""
    port = free_port()
    log = (work / "dev.out").open("w")
    server = subprocess.Popen(
        [STRANDS, "-C", str(root), "--agent", "assistant", "dev", "-e", "local", "--model", "scripted",
         "--port", str(port), "--quiet-logs"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        assert wait_until_serving(f"http://127.0.0.1:{port}", 120), (work / "dev.out").read_text()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        post(conn, "/chat", {"prompt": "warm"})
        # save -> answer
        latencies = []
        for round_ in range(rounds):
            marker = f"v{round_}"
            app.write_text(original.replace('{"reply": str(result)', f'{{"reply": "{marker} " + str(result)'))
            saved = time.perf_counter()
            while not post(conn, "/chat", {"prompt": "x"})["reply"].startswith(marker):
                time.sleep(0.005)
            latencies.append((time.perf_counter() - saved) * 1000)
            time.sleep(0.3)
        print(f"save -> answer from the new code: median {statistics.median(latencies):.0f} ms "
              f"(min {min(latencies):.0f}, max {max(latencies):.0f}, {len(latencies)} saves)")  # fmt: skip
        # request overhead: the dev server vs calling the handler in this process
        http_times = []
        for _ in range(200):
            started = time.perf_counter()
            get(conn, "/health")
            http_times.append((time.perf_counter() - started) * 1000)
        sys.path.insert(0, str(app.parent))
        import app as handler_module  # type: ignore[import-not-found]

        direct = []
        event = {"routeKey": "GET /health", "rawPath": "/health", "headers": {}, "requestContext": {}}
        for _ in range(200):
            started = time.perf_counter()
            handler_module.handler(event, None)
            direct.append((time.perf_counter() - started) * 1000)
        overhead = statistics.median(http_times) - statistics.median(direct)
        print(f"request overhead (GET /health, 200 requests): dev server median "
              f"{statistics.median(http_times):.2f} ms, direct call {statistics.median(direct):.3f} ms, "
              f"overhead {overhead:.2f} ms")  # fmt: skip
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    app.write_text(original)


if __name__ == "__main__":
    main()
