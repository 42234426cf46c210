"""Plan summaries as pull-request comments: GitHub-flavoured Markdown, split under the comment size limit.

Reviewers read destructive changes first: replacements and deletes open the comment, then drift (changes
made outside Terraform), then the cost delta when estimates exist, then every stack's changes grouped by the
strands.yaml element that made them, each group in a collapsible `<details>` section. Only attribute names,
never values, appear: a comment must not leak what the plan marks sensitive (or anything else).

The cost section is written only when the plan comes with an estimate (`plan_cost` turns the cost package's
estimate and change into a `PlanCost`); without one there is no cost section.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from strands_tf.printable import printable
from strands_tf.terraform.plan import REASON_TEXT
from strands_tf.terraform.plan_summary import ChangeItem, Owner, PlanSummary

# GitHub rejects comments longer than 65,536 characters; leave room for the part header.
GITHUB_COMMENT_LIMIT = 65_536
_HEADER_RESERVE = 200
SPLIT_MARKER = "<!-- strands: next comment -->"
COMMENT_TAG = "<!-- strands-plan -->"  # lets a pipeline find (and replace) its earlier comments

_SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "read": "<=", "forget": "forget",
           "import": "import", "no-op": ""}  # fmt: skip
_WORDS = {"create": "to create", "update": "to update", "replace": "to replace", "delete": "to destroy",
          "read": "to read", "forget": "to forget", "import": "to import"}  # fmt: skip
_MAX_ATTRIBUTES = 8


@dataclass(frozen=True)
class PlanCost:
    """The monthly cost estimate of a plan as a comment shows it (built by `plan_cost` from the cost package)."""

    currency: str
    monthly_after: float
    monthly_before: float | None  # None: nothing to compare with
    baseline: str  # what `monthly_before` is (the last deployment, what is deployed now...)
    by_owner: list[tuple[str, float]]  # strands.yaml element -> monthly, after the plan, largest first
    prices: str = ""  # which price table


def plan_cost(estimate: Any, change: Any) -> PlanCost:
    """A PlanCost from strands_tf.cost's Estimate and CostDelta (read by attribute: no import of the cost package)."""
    return PlanCost(
        currency=estimate.currency,
        monthly_after=float(change.after),
        monthly_before=None if change.before is None else float(change.before),
        baseline=str(change.baseline),
        by_owner=[(label, float(value)) for label, value in estimate.by_owner().items()],
        prices=str(getattr(estimate, "prices", "")),
    )


@dataclass
class StackReport:
    """One stack's plan summary."""

    name: str
    summary: PlanSummary


def counts_text(counts: dict[str, int]) -> str:
    """`2 to create, 1 to destroy` (non-zero actions only), or `no changes`."""
    parts = [f"{counts[a]} {w}" for a, w in _WORDS.items() if counts.get(a)]
    return ", ".join(parts) if parts else "no changes"


def _cell(text: str) -> str:
    """Text for a table cell: HTML-escaped, pipes and newlines neutralised."""
    return html.escape(printable(text), quote=False).replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    """An inline code span that survives any content (backticks, pipes inside tables)."""
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    body = printable(text).replace("|", "\\|")
    return f"{fence}{pad}{body}{pad}{fence}"


def _owner_text(owner: Owner | None) -> str:
    if owner is None:
        return "other"
    where = f" ({owner.file}:{owner.line})" if owner.file and owner.line else ""
    label = owner.kind if owner.kind == owner.name else f"{owner.kind} {owner.name}"  # the api is just "api"
    return f"{label}{where}"


def _money(value: float | None, currency: str) -> str:
    if value is None:
        return "–"
    symbol = "$" if currency == "USD" else ""
    suffix = "" if symbol else f" {currency}"
    return f"{symbol}{value:,.2f}{suffix}"


def _delta(before: float | None, after: float | None, currency: str) -> str:
    change = (after or 0.0) - (before or 0.0)
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    return f"{sign}{_money(abs(change), currency)}"


def render_sections(
    reports: list[StackReport],
    *,
    title: str,
    deferred: dict[str, list[str]] | None = None,
    cost: PlanCost | None = None,
) -> list[str]:
    """The comment as a list of Markdown sections (each a unit the splitter keeps together if it can)."""
    total: dict[str, int] = {}
    for report in reports:
        for action, count in report.summary.counts.items():
            total[action] = total.get(action, 0) + count
    sections = [f"{COMMENT_TAG}\n### {_cell(title)}\n\n**{counts_text(total)}** in {len(reports)} stack(s)\n"]
    destructive = [
        (report, group.owner, change)
        for report in reports
        for group in report.summary.groups
        for change in group.changes
        if change.action in ("replace", "delete")
    ]
    if any(r.summary.errored for r in reports):
        sections.append("> [!CAUTION]\n> Terraform reported errors while planning: this plan is incomplete.\n")
    if destructive:
        replaced = sum(1 for _, _, c in destructive if c.action == "replace")
        deleted = len(destructive) - replaced
        what = " and ".join(
            text
            for count, text in ((replaced, f"{replaced} replacement(s)"), (deleted, f"{deleted} deletion(s)"))
            if count
        )
        sections.append(f"> [!WARNING]\n> {what}: the resources below lose their data or identity.\n")
        sections.append(_destructive_table(reports, destructive))
    drift = [(r.name, d) for r in reports for d in r.summary.drift if d.relevant]
    if drift:
        rows = [
            "#### Drift (changed outside Terraform)\n",
            "| stack | action | address | changed |",
            "| --- | --- | --- | --- |",
        ]
        for stack, item in drift:
            attrs = ", ".join(item.changed_attributes[:_MAX_ATTRIBUTES])
            rows.append(f"| {_cell(stack)} | {_cell(item.action)} | {_code(item.address)} | {_cell(attrs)} |")
        sections.append("\n".join(rows) + "\n")
    if cost is not None:
        sections.append(_cost_section(cost))
    for report in reports:
        sections.extend(_stack_sections(report))
    for stack, blockers in (deferred or {}).items():
        sections.append(
            f"_{_cell(stack)}: planned after {_cell(', '.join(blockers))} is applied (it reads their outputs)._\n"
        )
    return sections


def _destructive_table(reports: list[StackReport], items: list[tuple[StackReport, Owner | None, ChangeItem]]) -> str:
    reasons = {
        (report.name, r.address): r.reason_text or r.reason for report in reports for r in report.summary.replacements
    }
    rows = [
        "#### Replacements and deletions\n",
        "| | stack | address | strands.yaml | why |",
        "| --- | --- | --- | --- | --- |",
    ]
    order = {"delete": 0, "replace": 1}
    for report, owner, change in sorted(items, key=lambda i: (order[i[2].action], i[0].name, i[2].address)):
        why = reasons.get((report.name, change.address)) if change.action == "replace" else None
        if change.action == "replace" and change.changed_attributes:
            why = (why + "; " if why else "") + "changed: " + ", ".join(change.changed_attributes[:_MAX_ATTRIBUTES])
        if change.action == "delete":
            why = REASON_TEXT.get(change.reason or "") or "removed from the configuration"
        rows.append(
            f"| {_SYMBOL[change.action]} | {_cell(report.name)} | {_code(change.address)} | "
            f"{_cell(_owner_text(owner))} | {_cell(why or 'the provider requires it')} |"
        )
    return "\n".join(rows) + "\n"


def _cost_section(cost: PlanCost) -> str:
    rows = ["#### Cost (monthly estimate)\n", "| | monthly |", "| --- | ---: |"]
    if cost.monthly_before is not None:
        rows.append(f"| before ({_cell(cost.baseline)}) | {_money(cost.monthly_before, cost.currency)} |")
    rows.append(f"| after this plan | {_money(cost.monthly_after, cost.currency)} |")
    if cost.monthly_before is not None:
        rows.append(f"| change | **{_delta(cost.monthly_before, cost.monthly_after, cost.currency)}** |")
    out = "\n".join(rows) + "\n"
    if cost.by_owner:
        out += "\n<details><summary>by strands.yaml element</summary>\n\n| element | monthly |\n| --- | ---: |\n"
        out += "".join(f"| {_cell(label)} | {_money(value, cost.currency)} |\n" for label, value in cost.by_owner)
        out += "\n</details>\n"
    if cost.prices:
        out += f"\n_Prices: {_cell(cost.prices)}; `strands cost estimate` shows every line._\n"
    return out


def _stack_sections(report: StackReport) -> list[str]:
    summary = report.summary
    out = [f"#### {_code(report.name)}: {counts_text(summary.counts)}\n"]
    groups = [g for g in summary.groups if g.changes]
    # destructive owners first, then the rest in plan order
    groups.sort(key=lambda g: 0 if any(c.action in ("replace", "delete") for c in g.changes) else 1)
    for group in groups:
        out.append(_group_details(group.owner, group.counts, group.changes))
    outputs = [o for o in summary.outputs if o.action != "no-op"]
    if outputs:
        names = ", ".join(f"{_code(o.name)} ({_cell(o.action)})" for o in outputs)
        out.append(f"Outputs: {names}\n")
    hidden = len(summary.drift) - sum(1 for d in summary.drift if d.relevant)
    if hidden:
        out.append(f"_{hidden} refresh difference(s) that do not affect this plan._\n")
    return out


def _group_details(owner: Owner | None, counts: dict[str, int], changes: list[ChangeItem]) -> str:
    order = {"delete": 0, "replace": 1, "update": 2, "create": 3}
    rows = [
        f"<details><summary><b>{_cell(_owner_text(owner))}</b>: {counts_text(counts)}</summary>\n",
        "| | address | changed |",
        "| --- | --- | --- |",
    ]
    for change in sorted(changes, key=lambda c: order.get(c.action, 4)):
        attrs = ", ".join((change.changed_attributes or [])[:_MAX_ATTRIBUTES])
        if change.changed_attributes and len(change.changed_attributes) > _MAX_ATTRIBUTES:
            attrs += f", +{len(change.changed_attributes) - _MAX_ATTRIBUTES} more"
        extra = " (import)" if change.importing else ""
        if change.previous_address:
            extra += f" (moved from {change.previous_address})"
        rows.append(f"| {_SYMBOL.get(change.action, '?')} | {_code(change.address)}{_cell(extra)} | {_cell(attrs)} |")
    return "\n".join(rows) + "\n\n</details>\n"


def split_comments(sections: list[str], limit: int = GITHUB_COMMENT_LIMIT) -> list[str]:
    """Pack sections into comments of at most `limit` characters, numbering the parts when there are several.

    A section too long for one comment is cut between table rows; an open `<details>` is closed at the cut
    and reopened in the next part so every part renders on its own.
    """
    budget = limit - _HEADER_RESERVE
    pieces: list[str] = []
    for section in sections:
        pieces.extend(_cut(section, budget) if len(section) > budget else [section])
    parts: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}\n{piece}" if current else piece
        if len(candidate) > budget and current:
            parts.append(current)
            current = piece
        else:
            current = candidate
    if current:
        parts.append(current)
    if len(parts) == 1:
        return parts
    return [
        (f"{COMMENT_TAG}\n_Plan, part {i} of {len(parts)}_\n\n" if i > 1 else "")
        + part.replace(f"{COMMENT_TAG}\n", "", 1 if i > 1 else 0)
        + (f"\n_Continued in part {i + 1} of {len(parts)}._\n" if i < len(parts) else "")
        for i, part in enumerate(parts, 1)
    ]


def _cut(section: str, budget: int) -> list[str]:
    lines = section.split("\n")
    opening = lines[0] if lines[0].startswith("<details>") else None
    header = [line for line in lines[1:4] if line.startswith("|")][:2] if opening else []
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = line if len(line) <= budget // 2 else line[: budget // 2] + " …"  # one absurd line cannot overflow
        if size + len(line) + 1 > budget - 200 and current:
            if opening:
                current.append("\n</details>")
            chunks.append("\n".join(current))
            current = [opening.replace("</summary>", " (continued)</summary>"), "", *header] if opening else []
            size = sum(len(x) + 1 for x in current)
        current.append(line)
        size += len(line) + 1
    if current:
        chunks.append("\n".join(current))
    return chunks


def render_markdown(
    reports: list[StackReport],
    *,
    title: str,
    deferred: dict[str, list[str]] | None = None,
    cost: PlanCost | None = None,
    limit: int = GITHUB_COMMENT_LIMIT,
) -> list[str]:
    """The pull-request comment(s) for these stacks: one string per comment, each under `limit` characters."""
    return split_comments(render_sections(reports, title=title, deferred=deferred, cost=cost), limit)
