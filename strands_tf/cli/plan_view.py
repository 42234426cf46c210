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


def counts_line(counts: dict[str, int]) -> str:
    """`2 to create, 1 to update, ...` (only non-zero actions; 'no changes' when there are none)."""
    words = {"create": "to create", "update": "to update", "replace": "to replace", "delete": "to destroy",
             "read": "to read", "forget": "to forget", "import": "to import"}  # fmt: skip
    parts = [f"{counts[a]} {w}" for a, w in words.items() if counts.get(a)]
    return ", ".join(parts) if parts else "no changes"


def render_summary(console: Console, stack: str, summary: PlanSummary) -> None:
    """One stack's summary: the counts, then each owner's changes with its YAML location."""
    title = f"[bold]{escape(stack)}[/]: {counts_line(summary.counts)}"
    console.print(title)
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
            detail = ""
            if change.changed_attributes:
                detail = f" [dim]({escape(', '.join(change.changed_attributes[:6]))})[/]"
            console.print(f"    [{style}]{symbol:>4} {escape(change.address)}[/]{detail}")
    for replacement in summary.replacements:
        reason = replacement.reason_text or replacement.reason or "the provider requires it"
        paths = ", ".join(".".join(str(p) for p in path) for path in replacement.replace_paths)
        because = f" (changed: {paths})" if paths else ""
        console.print(f"  [red]replace[/] {escape(replacement.address)}: {escape(reason)}{escape(because)}")
    shown = [d for d in summary.drift if d.relevant]
    if shown:
        console.print("  [magenta]drift[/] (changed outside Terraform, and it matters for this plan):")
        for item in shown:
            attrs = f" ({', '.join(item.changed_attributes[:6])})" if item.changed_attributes else ""
            console.print(f"    {escape(item.action)} {escape(item.address)}{escape(attrs)}")
    hidden = len(summary.drift) - len(shown)
    if hidden:
        console.print(f"  [dim]{hidden} refresh difference(s) that do not affect this plan (see --json)[/]")
    changed_outputs = [o for o in summary.outputs if o.action != "no-op"]
    if changed_outputs:
        console.print("  outputs: " + ", ".join(escape(f"{o.name} ({o.action})") for o in changed_outputs))


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


def project_owner_resolver(app: Any) -> Any:
    """Map addresses of a plan to strands.yaml elements when run inside a project (None elsewhere)."""
    from strands_tf.config.loader import find_config

    if not find_config(app.directory).is_file():
        return None
    from strands_tf.deploy.project import graph_owner_resolver
    from strands_tf.generators.synth import infra_graph

    loaded = app.load()
    return graph_owner_resolver(infra_graph(loaded, app.resolve()), loaded)
