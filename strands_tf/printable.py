"""Text from files and services made safe to show: control characters become visible escapes.

A plan JSON, a history record, a tfstate or an AWS error message can hold ESC, BEL, CR or C1 bytes; printed as
they are, they drive the terminal (window title, screen clearing, hyperlinks, overwritten lines). Terraform
itself writes such characters in addresses as `\\u001b`: nothing legitimate is lost by escaping them.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, and the C1 controls (0x9b is a one-byte CSI on many terminals)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with every control character except tab and newline written as `\\xNN`."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
