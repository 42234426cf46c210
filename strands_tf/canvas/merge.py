"""Three-way line merge (diff3): the canvas uses it twice.

1. To write an edit with a minimal diff: base = the YAML library's rendering of the text before the edit,
   ours = the text as the user wrote it, theirs = the rendering after the edit. Lines the edit did not
   touch keep the user's formatting; the edited lines come from the rendering (conflicts go to theirs).
2. To merge the canvas's unsaved version of a file with one changed on disk (conflict markers).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Literal

Resolve = Literal["theirs", "ours", "markers"]


@dataclass(frozen=True)
class _Hunk:
    start: int  # base range [start, end) replaced by `lines`
    end: int
    lines: tuple[str, ...]
    side: str  # "ours" | "theirs"


@dataclass
class MergeResult:
    """Merged lines and how many regions both sides changed differently."""

    lines: list[str]
    conflicts: int = 0
    conflict_lines: list[int] = field(default_factory=list)  # 1-based first line of each conflict block

    @property
    def text(self) -> str:
        return "".join(self.lines)


def _hunks(base: list[str], other: list[str], side: str) -> list[_Hunk]:
    # autojunk off: in a big strands.yaml the repeated lines (`handler: app.handler`) are exactly the anchors
    matcher = difflib.SequenceMatcher(None, base, other, autojunk=False)
    return [_Hunk(i1, i2, tuple(other[j1:j2]), side) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _overlaps(start: int, end: int, hunk: _Hunk) -> bool:
    """Whether a hunk collides with a cluster's base range: overlap, or two insertions at one point."""
    if hunk.start < end and start < hunk.end:
        return True
    if hunk.start < end and hunk.start == hunk.end and start < hunk.start:
        return True
    return start == end == hunk.start == hunk.end


def _side_text(base: list[str], start: int, end: int, hunks: list[_Hunk]) -> list[str]:
    out: list[str] = []
    pos = start
    for hunk in hunks:
        out.extend(base[pos : hunk.start])
        out.extend(hunk.lines)
        pos = hunk.end
    out.extend(base[pos:end])
    return out


def merge3(
    base: list[str],
    ours: list[str],
    theirs: list[str],
    *,
    resolve: Resolve = "markers",
    ours_label: str = "ours",
    theirs_label: str = "theirs",
) -> MergeResult:
    """Merge the changes ours and theirs made to base; overlapping different changes are resolved by `resolve`."""
    hunks = sorted(_hunks(base, ours, "ours") + _hunks(base, theirs, "theirs"), key=lambda h: (h.start, h.end))
    result = MergeResult([])
    pos = 0
    i = 0
    while i < len(hunks):
        cluster = [hunks[i]]
        start, end = hunks[i].start, hunks[i].end
        i += 1
        while i < len(hunks) and _overlaps(start, end, hunks[i]):
            cluster.append(hunks[i])
            end = max(end, hunks[i].end)
            i += 1
        result.lines.extend(base[pos:start])
        pos = end
        sides = {h.side for h in cluster}
        if len(sides) == 1:
            result.lines.extend(_side_text(base, start, end, cluster))
            continue
        mine = _side_text(base, start, end, [h for h in cluster if h.side == "ours"])
        other = _side_text(base, start, end, [h for h in cluster if h.side == "theirs"])
        if mine == other:
            result.lines.extend(mine)
            continue
        if len(mine) == len(other) == end - start:
            # both sides rewrote the same lines one for one: only lines both changed are in conflict
            pending: tuple[list[str], list[str]] = ([], [])
            for b, m, o in zip(base[start:end], mine, other, strict=True):
                if m in (o, b) or o == b:
                    _conflict(result, pending, resolve, ours_label, theirs_label)
                    pending = ([], [])
                    result.lines.append(o if m == b else m)
                else:
                    pending[0].append(m)
                    pending[1].append(o)
            _conflict(result, pending, resolve, ours_label, theirs_label)
            continue
        _conflict(result, (mine, other), resolve, ours_label, theirs_label)
    result.lines.extend(base[pos:])
    return result


def _conflict(result: MergeResult, sides: tuple[list[str], list[str]], resolve: Resolve, ours_label: str,
              theirs_label: str) -> None:  # fmt: skip
    """Add one region both sides changed differently (nothing when it is empty)."""
    mine, other = sides
    if not mine and not other:
        return
    result.conflicts += 1
    if resolve == "theirs":
        result.lines.extend(other)
    elif resolve == "ours":
        result.lines.extend(mine)
    else:
        result.conflict_lines.append(len(result.lines) + 1)
        result.lines.append(f"<<<<<<< {ours_label}\n")
        result.lines.extend(_terminated(mine))
        result.lines.append("=======\n")
        result.lines.extend(_terminated(other))
        result.lines.append(f">>>>>>> {theirs_label}\n")


def _terminated(lines: list[str]) -> list[str]:
    """Lines with a final newline, so a conflict marker never ends up on the last line of a side."""
    if lines and not lines[-1].endswith("\n"):
        return [*lines[:-1], lines[-1] + "\n"]
    return lines


def merge_texts(base: str, ours: str, theirs: str, *, resolve: Resolve = "markers", **labels: str) -> MergeResult:
    """merge3 over whole texts (split keeping line ends)."""
    return merge3(
        base.splitlines(keepends=True),
        ours.splitlines(keepends=True),
        theirs.splitlines(keepends=True),
        resolve=resolve,
        **labels,
    )
