"""Rich rendering of plan summaries: counts, changes per strands.yaml element, replacements, drift, outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from strands_tf.terraform.plan_summary import PlanSummary

ACTION_STYLE = {
    "create": ("+", "green"),
    "update": ("~", "yellow"),
    "replace": ("-/+", "red"),
    "delete": ("-", "red"),
    "read": ("<=", "cyan"),
    "forget": ("forget", "magenta"),
    "import": ("import", "blue"),
    "no-op": ("", "dim"),
}
MOVE_STYLE = ("->", "cyan")


def render_summary(console: Console, stack: str, summary: PlanSummary) -> None:
    """One stack's summary: its headline, then each owner's changes with its YAML location, then the rest.

    Every line comes from the summary model (the same one `--json` prints): nothing is decided here.
    """
    style = "red" if summary.status == "errored" else ""
    headline = f"[{style}]{escape(summary.headline)}[/]" if style else escape(summary.headline)
    console.print(f"[bold]{escape(stack)}[/]: {headline}")
    for group in summary.groups:
        if not group.changes:
            continue
        if group.owner is not None:
            where = f" [dim]({escape(group.owner.file or '')}:{group.owner.line})[/]" if group.owner.line else ""
            console.print(f"  [bold]{escape(group.owner.kind)} {escape(group.owner.name)}[/]{where}")
        else:
            console.print("  [bold]other[/]")
        for change in group.changes:
            symbol, style = ACTION_STYLE.get(change.action, ("?", "white"))
            if change.action == "no-op" and change.previous_address:
                symbol, style = MOVE_STYLE
            notes = []
            if change.changed_attributes:
                notes.append(", ".join(change.changed_attributes[:6]))
            if change.previous_address:
                notes.append(f"moved from {change.previous_address}")
            if change.importing and change.action != "import":
                notes.append("imported")
            detail = f" [dim]({escape('; '.join(notes))})[/]" if notes else ""
            console.print(f"    [{style}]{symbol:>4} {escape(change.address)}[/]{detail}")
    for replacement in summary.replacements:
        reason = replacement.reason_text or replacement.reason or "the provider requires it"
        paths = ", ".join(".".join(str(p) for p in path) for path in replacement.replace_paths)
        because = f" (changed: {paths})" if paths else ""
        console.print(f"  [red]replace[/] {escape(replacement.address)}: {escape(reason)}{escape(because)}")
    for action in summary.action_invocations:
        trigger = f" ({action.trigger})" if action.trigger else ""
        console.print(f"  [blue]invoke[/] {escape(action.address)}{escape(trigger)}")
    # a refresh-only plan applies nothing but its drift: show all of it
    shown = list(summary.drift) if summary.refresh_only else [d for d in summary.drift if d.relevant]
    if shown:
        title = (
            "changed outside Terraform (applying this plan records it in the state):"
            if summary.refresh_only
            else "changed outside Terraform, and it matters for this plan:"
        )
        console.print(f"  [magenta]drift[/] {title}")
        for item in shown:
            attrs = f" ({', '.join(item.changed_attributes[:6])})" if item.changed_attributes else ""
            console.print(f"    {escape(item.action)} {escape(item.address)}{escape(attrs)}")
    hidden = len(summary.drift) - len(shown)
    if hidden:
        console.print(f"  [dim]{hidden} refresh difference(s) that do not affect this plan (see --json)[/]")
    changed_outputs = [o for o in summary.outputs if o.action != "no-op"]
    if changed_outputs:
        console.print("  outputs: " + ", ".join(escape(f"{o.name} ({o.action})") for o in changed_outputs))
    for check in summary.checks:
        what = "check failed" if check.status == "fail" else "check could not be evaluated"
        console.print(f"  [red]{what}[/]: {escape(check.address)} [dim]({escape(check.kind)})[/]")
        for instance, message in check.problems:
            where = f"{instance}: " if instance != check.address else ""
            console.print(f"    {escape(where)}{escape(message or '(no message)')}")
    if summary.complete is False and summary.status != "errored":
        console.print(
            "  [yellow]note[/]: this plan is incomplete (targeted, or some changes are deferred until "
            "others are applied): plan again after applying it"
        )


def outputs_table(outputs: dict[str, dict[str, Any]]) -> Table:
    """Stack outputs as a table (sensitive values arrive already masked)."""
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("stack")
    table.add_column("output")
    table.add_column("value", overflow="fold")
    for stack, values in outputs.items():
        for key, value in values.items():
            table.add_row(stack, key, str(value))
    return table


def emit_markdown(reports: list[Any], title: str, comment_dir: Path | None, **kwargs: Any) -> None:
    """Pull-request comment(s) on stdout (parts separated by a marker line), or one file per comment."""
    import click

    from strands_tf.ci.markdown import SPLIT_MARKER, render_markdown
    from strands_tf.fsutil import atomic_write_text

    comments = render_markdown(reports, title=title, **kwargs)
    if comment_dir is None:
        click.echo(f"\n{SPLIT_MARKER}\n".join(comments), nl=False)
        return
    comment_dir.mkdir(parents=True, exist_ok=True)
    for old in comment_dir.glob("plan-*.md"):
        old.unlink()  # a shorter plan than last time must not leave stale parts behind
    for number, text in enumerate(comments, 1):
        atomic_write_text(comment_dir / f"plan-{number}.md", text)
