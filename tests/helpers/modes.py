"""What "private" means for files under `.strands/`, checked the same way by every test that looks."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def private_mode_violations(root: Path) -> list[str]:
    """Paths under `root` that others could read: files not 0600 (0700 if executable), directories not 0700."""
    bad: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        entries = [base] if base == root else []
        entries += [base / name for name in (*dirnames, *filenames)]
        for path in entries:
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                continue  # provider links into the plugin cache: the mode of a symlink means nothing
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISDIR(st.st_mode):
                ok = mode == 0o700
            else:
                # 0400: a stored asset (.strands/objects, hard-linked into every deployment that ships it), owner
                # read-only so that no deployment can change another's code
                ok = mode in (0o600, 0o700, 0o400) and not mode & 0o077
            if not ok:
                bad.append(f"{oct(mode)} {path.relative_to(root.parent)}")
    return bad
