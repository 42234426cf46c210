"""Whether a `strands canvas` watches this project, so deployments started elsewhere keep their AWS calls.

The canvas shows a deployment's AWS calls from the provider's debug log. Writing that log costs time on
every apply, so a deployment started in a terminal writes it only while a canvas of the project runs: the
canvas server leaves a record (`Workspace.canvas_server_record`) naming its process while it runs.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator

from strands_tf.deploy.workspace import Workspace
from strands_tf.errors import UserError
from strands_tf.fsutil import PRIVATE_FILE_MODE, atomic_write_json
from strands_tf.inputfile import loads_json
from strands_tf.state.lock import process_gone, process_start


@contextlib.contextmanager
def canvas_presence(workspace: Workspace) -> Iterator[None]:
    """Announce this process as the project's canvas for the duration of the block."""
    path = workspace.canvas_server_record()
    pid = os.getpid()
    record = {"pid": pid, "host": socket.gethostname(), "proc_start": process_start(pid)}
    try:
        workspace.secure()  # UserError when the project directory cannot be written
        atomic_write_json(path, record, mode=PRIVATE_FILE_MODE)
    except (OSError, UserError):  # a read-only project: the canvas still runs; terminal deployments keep no calls
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            # another canvas of the project started since: its record stays
            if loads_json(path.read_text("utf-8")).get("pid") == pid:
                path.unlink()


def canvas_watching(workspace: Workspace) -> bool:
    """True while a canvas of the project runs (a record whose process is gone does not count)."""
    try:
        record = loads_json(workspace.canvas_server_record().read_text("utf-8"))
        pid, host = int(record["pid"]), str(record["host"])
        proc_start = record.get("proc_start")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    if host != socket.gethostname():
        return False  # a canvas on another machine cannot follow this one's files
    return not process_gone(pid, host, str(proc_start) if proc_start else None)
