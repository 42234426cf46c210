"""Lambda deployment-package quotas and the checks that enforce them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from strands_tf.errors import Category, StrandsError

MIB = 1024 * 1024

# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
# A zip uploaded in the API request itself (CreateFunction / PublishLayerVersion ZipFile).
DIRECT_UPLOAD_MAX_ZIPPED_BYTES = 50 * MIB
# Function code plus all its layers, extracted.
MAX_UNZIPPED_BYTES = 250 * MIB
# Through S3 the zip is not capped separately, but it can never be deployed once it is larger than what
# it may extract to; refuse early instead of uploading a zip Lambda will reject.
S3_MAX_ZIPPED_BYTES = MAX_UNZIPPED_BYTES

LARGEST_ITEMS_SHOWN = 10


def human(size: int) -> str:
    """Bytes as ``12.3 MB`` (MiB, as AWS counts its quotas)."""
    if size < MIB:
        return f"{size / 1024:.1f} KB"
    return f"{size / MIB:.1f} MB"


def check_unzipped(agent: str, items: Iterable[tuple[str, int]], total: int) -> None:
    """Refuse code + layer that extract to more than Lambda's 250 MB, naming the largest items."""
    if total <= MAX_UNZIPPED_BYTES:
        return
    largest = sorted(items, key=lambda item: (-item[1], item[0]))[:LARGEST_ITEMS_SHOWN]
    width = max((len(label) for label, _ in largest), default=0)
    lines = [f"  {label.ljust(width)}  {human(size):>10}" for label, size in largest]
    raise StrandsError(
        f"agent {agent!r} is {human(total)} unzipped; Lambda allows at most {human(MAX_UNZIPPED_BYTES)} "
        "for code and layers together",
        detail="Largest packages:\n" + "\n".join(lines),
        hint=(
            "Remove dependencies the agent does not import (boto3 is already in the runtime), pin "
            "lighter versions, or leave out data the agent does not need with the agent's `exclude:` "
            "patterns in strands.yaml."
        ),
        category=Category.CONFIGURATION,
        data={"agent": agent, "unzipped_size": total, "largest": [list(item) for item in largest]},
    )


def check_zipped(agent: str, kind: str, size: int) -> None:
    """Refuse a zip that cannot be deployed even through S3."""
    if size <= S3_MAX_ZIPPED_BYTES:
        return
    raise StrandsError(
        f"agent {agent!r}: the {kind} zip is {human(size)}; Lambda cannot deploy a zip larger than "
        f"{human(S3_MAX_ZIPPED_BYTES)} even from S3",
        hint="Shrink the package: fewer or lighter dependencies, and `exclude:` patterns for the agent in "
        "strands.yaml for data it does not need.",
        category=Category.CONFIGURATION,
        data={"agent": agent, "kind": kind, "size": size},
    )


def labelled(prefix: str, items: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """Prefix item names with where they come from (``layer: numpy``)."""
    return [(f"{prefix}: {name}", size) for name, size in items]
