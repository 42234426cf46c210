"""Code that runs inside deployed agents (packaged into their code zips), not in strands itself."""

from __future__ import annotations

from pathlib import Path

SECRETS_HELPER = "strands_secrets.py"


def secrets_helper_path() -> Path:
    """The runtime helper packaged (as strands_secrets.py) with every agent that declares `secrets:`."""
    return Path(__file__).resolve().parent / SECRETS_HELPER
