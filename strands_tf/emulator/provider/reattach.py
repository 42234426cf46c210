"""Run the emulator provider as an unmanaged process Terraform reattaches to (``TF_REATTACH_PROVIDERS``).

Optional fast path next to the filesystem mirror: Terraform starts a managed provider several times per
command (validate, plan, apply walks); a reattached one starts once for a whole init/plan/apply sequence,
and ``terraform init`` neither installs it nor records it in ``.terraform.lock.hcl``. One process serves one
provider configuration at a time: stacks with aliased ``aws`` providers need the mirror.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

from strands_tf.errors import DependencyError

REATTACH_ENV = "TF_REATTACH_PROVIDERS"
# the provider address Terraform reattaches to; defined here, not imported from .plugin: the process that
# starts the provider must not import the provider itself (grpc, every resource: about 0.5 s of imports)
REATTACH_ADDRESS = "registry.terraform.io/hashicorp/aws"


class ReattachedProvider:
    """The provider in a child process; ``env`` tells Terraform to use it instead of launching one."""

    def __init__(self, cwd: Path, python: str | None = None, extra_env: dict[str, str] | None = None) -> None:
        # Terraform runs managed providers in the configuration directory; relative paths in the
        # configuration (filename = "build/app.zip") resolve against it, so the reattached one runs there too
        self.cwd = cwd
        self.python = python or sys.executable
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen[str] | None = None
        self.env: dict[str, str] = {}

    def start(self, timeout: float = 30.0) -> dict[str, str]:
        """Start the provider and return the environment for Terraform runs."""
        self.proc = subprocess.Popen(
            [self.python, "-m", "strands_tf.emulator.provider", "--reattach"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=self.cwd,
            env={**os.environ, **self.extra_env},
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        line = ""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                line = self.proc.stdout.readline()
                break
            if self.proc.poll() is not None:
                break
        try:
            config = json.loads(line)
            config[REATTACH_ADDRESS]["Addr"]["String"]
        except (ValueError, KeyError, TypeError) as exc:
            err = self._stop_and_collect()
            raise DependencyError(
                "the emulator provider did not start",
                detail=err.strip() or f"no reattach information within {timeout:g} s",
                hint="Run `python -m strands_tf.emulator.provider --reattach` to see the error.",
            ) from exc
        self.env = {REATTACH_ENV: json.dumps(config)}
        return self.env

    def _stop_and_collect(self, proc: subprocess.Popen[str] | None = None) -> str:
        proc = proc or self.proc
        if proc is None:
            return ""
        if proc.poll() is None:
            proc.terminate()
        try:
            _, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        return err or ""

    def stop(self, *, wait: bool = True) -> None:
        """Stop the provider process (idempotent); `wait=False` returns at once and reaps it in the background.

        Terraform is done with it when a session ends: its exit (gRPC shutdown, interpreter teardown, about
        0.1-0.5 s) need not hold up what comes next (mapping the state, the next stack phase).
        """
        if self.proc is not None and not wait:
            if self.proc.poll() is None:
                self.proc.terminate()
            reaper = threading.Thread(target=self._stop_and_collect, args=(self.proc,), name="provider-reaper")
            reaper.daemon = True
            reaper.start()
            self.proc = None
            return
        self._stop_and_collect()
        self.proc = None

    def __enter__(self) -> dict[str, str]:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop(wait=False)
