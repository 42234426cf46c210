"""Keep `.strands/state/<env>.json` in step with Terraform's state: it is a view derived from tfstate.

After every stack outcome of a deployment (applied, failed, cancelled — Ctrl-C included — and, when the
file lacks the stack, no changes or not confirmed) the stack's tfstate is pulled and mapped. A damaged
state file is never a dead end: it is moved aside with a warning and every stack's entry is rebuilt
from `terraform state pull`.
"""

from __future__ import annotations

import json
import logging
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strands_tf.deploy.executor import DeployContext, StackOutcome, StackSpec
from strands_tf.errors import StrandsError
from strands_tf.state.manager import DamagedStateError, StateManager
from strands_tf.terraform.runner import Cancellation
from strands_tf.terraform.tfstate import parse_tfstate_dict

log = logging.getLogger(__name__)

# reading state after a Ctrl-C must still work, but never hang a command that is being stopped
STATE_PULL_TIMEOUT = 120.0


@dataclass
class StateSync:
    """Maps stacks' tfstate into the state file for one environment; an AfterStack hook of the executor."""

    ctx: DeployContext
    root: Path
    project: str
    environment: str
    # a destroy: a stack it found nothing to delete in has no resources, so its entry is checked too
    destroy: bool = False
    warnings: list[str] = field(default_factory=list)
    rebuilt: bool = False

    def __post_init__(self) -> None:
        self.manager = StateManager(self.root, self.environment)

    def check(self) -> None:
        """Before a deployment: a damaged state file is set aside (with a warning) to be rebuilt."""
        damage = self.manager.damage()
        if damage is not None:
            self._set_aside(damage)

    def _set_aside(self, why: str) -> None:
        moved = self.manager.set_aside()
        self.rebuilt = True
        message = (
            f"the state file was damaged ({why}); it was moved to {moved} and is rebuilt from the Terraform "
            "state of every stack"
        )
        log.warning("%s", message)
        self.warnings.append(message)

    def __call__(self, outcome: StackOutcome) -> None:
        """After a stack's outcome: map it when Terraform may have changed its state, when it is missing, or
        when a destroy found nothing to delete in it (an entry left from before goes).

        A skipped stack (a stack it depends on failed) was never initialized: it is left to `complete`.
        """
        if outcome.status == "skipped":
            return
        # a stack no longer in the configuration is destroyed like any stack of a destroy
        destroy = self.destroy or outcome.stack.gone
        unchanged = not outcome.applied and not (destroy and outcome.status == "no_changes")
        if unchanged and self.manager.has_stack(outcome.stack.name):
            return
        self.map_stack(outcome.stack)

    def map_stack(self, stack: StackSpec, *, init: bool = False) -> None:
        """Pull the stack's tfstate and store its mapping (an empty state removes the entry)."""
        # `state pull` reads the backend only: the target's per-stack session (the emulator starts its provider
        # process for it) is needed for an init alone
        with self.ctx.runtime.session(stack) if init else nullcontext({}) as extra_env:
            # its own cancellation: the state of a cancelled deployment is exactly what must be read
            runner = self.ctx.runner(stack, extra_env, cancellation=Cancellation(), timeout=STATE_PULL_TIMEOUT)
            if init:
                runner.init()
            raw = runner.state_pull()
        synth_doc = json.loads((stack.workdir / "cdk.tf.json").read_text("utf-8"))
        try:
            self._store(stack, raw, synth_doc)
        except DamagedStateError as exc:  # damaged while the deployment ran: set aside, then write anew
            self._set_aside(exc.summary)
            self._store(stack, raw, synth_doc)

    def _store(self, stack: StackSpec, raw: dict[str, Any] | None, synth_doc: dict[str, Any]) -> None:
        if not raw or not raw.get("resources"):
            self.manager.remove_stack(stack.name)
            return
        tfstate = parse_tfstate_dict(raw, source=f"{stack.name} state")
        self.manager.record_apply(stack.name, tfstate, synth_doc, project=self.project)

    def complete(self, stacks: list[StackSpec]) -> None:
        """After a rebuild: map every stack of the environment that still has no entry (init first)."""
        if not self.rebuilt:
            return
        for stack in stacks:
            if self.manager.has_stack(stack.name):
                continue
            try:
                self.map_stack(stack, init=True)
            except StrandsError as exc:
                message = f"the state of stack {stack.name} could not be rebuilt: {exc.summary}"
                log.warning("%s", message)
                self.warnings.append(message)
