"""The price table: dated list prices per region with the source of every figure, read offline.

The table shipped with strands-tf (`strands_tf/cost/prices/<region>.json`) is used unless
`strands cost prices update` wrote a newer one for the region under the user cache
(`<cache>/prices/<region>.json`). A region without a table is priced with the us-east-1 figures and
says so.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from strands_tf.errors import UserError
from strands_tf.inputfile import loads_json

FORMAT_VERSION = 1
DEFAULT_REGION = "us-east-1"
# cross-region inference profile prefixes: priced as their source model (AWS: no extra charge)
_PROFILE_PREFIX = re.compile(r"^(us|eu|apac|global|us-gov|jp|au|ca|ap)\.")


@dataclass(frozen=True)
class Tier:
    """One price tier: the price of units up to `up_to` (None: no upper bound)."""

    up_to: Decimal | None
    price: Decimal


@dataclass(frozen=True)
class Price:
    """One priced unit: a flat price or tiers, with where the figure comes from."""

    key: str
    unit: str
    tiers: tuple[Tier, ...]
    source: str
    verified: str

    @property
    def first(self) -> Decimal:
        """The price of the first tier (the flat price when untiered)."""
        return self.tiers[0].price

    def cost(self, quantity: Decimal) -> Decimal:
        """Cost of `quantity` units, walking the tiers."""
        total = Decimal(0)
        floor = Decimal(0)
        for tier in self.tiers:
            if quantity <= floor:
                break
            top = quantity if tier.up_to is None else min(quantity, tier.up_to)
            total += (top - floor) * tier.price
            floor = top
        return total


@dataclass(frozen=True)
class ModelPrice:
    """Bedrock on-demand token prices of one model."""

    model_id: str
    name: str
    input_per_1k: Decimal
    output_per_1k: Decimal
    source: str
    verified: str


@dataclass(frozen=True)
class PriceTable:
    """Prices of one region, read from a table file."""

    region: str
    as_of: str
    currency: str
    hours_per_month: Decimal
    prices: dict[str, Price]
    models: dict[str, ModelPrice]
    origin: str  # "shipped" | "updated" | the path of the file
    # set when the region has no table and another region's figures stand in
    stand_in_for: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def price(self, key: str) -> Price:
        """The price of `key`; a missing key is a defect of the table, reported plainly."""
        try:
            return self.prices[key]
        except KeyError:
            raise UserError(
                f"the price table of {self.region} ({self.origin}) has no price '{key}'",
                hint="run `strands cost prices update`, or remove the damaged table from the cache",
            ) from None

    def model(self, model_id: str) -> ModelPrice | None:
        """Token prices of a Bedrock model id, inference profile id or ARN; None when the table lacks it."""
        return self.models.get(source_model_id(model_id))

    @property
    def label(self) -> str:
        """`us-east-1 prices of 2026-12-03` (and the stand-in, when there is one)."""
        text = f"{self.region} prices of {self.as_of}"
        if self.stand_in_for:
            text += f" (no table for {self.stand_in_for})"
        return text


def source_model_id(model_id: str) -> str:
    """The foundation model behind an id: ARNs reduced to their last part, profile prefixes dropped."""
    ident = model_id.rsplit("/", 1)[-1] if model_id.startswith("arn:") else model_id
    return _PROFILE_PREFIX.sub("", ident)


def parse_table(doc: Any, origin: str) -> PriceTable:
    """A PriceTable from a table document; anything malformed is a clear error naming the file."""
    try:
        if doc.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"format_version {doc.get('format_version')!r} (expected {FORMAT_VERSION})")
        prices: dict[str, Price] = {}
        for key, entry in doc["prices"].items():
            if "tiers" in entry:
                tiers = tuple(
                    Tier(None if t["up_to"] is None else Decimal(str(t["up_to"])), Decimal(str(t["price"])))
                    for t in entry["tiers"]
                )
            else:
                tiers = (Tier(None, Decimal(str(entry["price"]))),)
            if not tiers or tiers[-1].up_to is not None:
                raise ValueError(f"{key}: the last tier must have no upper bound")
            prices[key] = Price(key, entry["unit"], tiers, entry.get("source", ""), entry.get("verified", ""))
        models = {
            model_id: ModelPrice(
                model_id,
                entry.get("name", model_id),
                Decimal(str(entry["input_per_1k"])),
                Decimal(str(entry["output_per_1k"])),
                entry.get("source", ""),
                entry.get("verified", ""),
            )
            for model_id, entry in (doc.get("bedrock_models") or {}).items()
        }
        return PriceTable(
            region=doc["region"],
            as_of=doc["as_of"],
            currency=doc.get("currency", "USD"),
            hours_per_month=Decimal(str(doc.get("hours_per_month", "730"))),
            prices=prices,
            models=models,
            origin=origin,
            raw=doc,
        )
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        raise UserError(
            f"the price table {origin} is not usable: {exc}",
            hint="run `strands cost prices update` to write a fresh one, or delete it to use the shipped table",
        ) from None


def user_table_path(region: str) -> Path:
    """Where `strands cost prices update` keeps the table of a region."""
    from strands_tf.terraform.cliconfig import cache_dir

    return cache_dir() / "prices" / f"{region}.json"


def shipped_regions() -> list[str]:
    """Regions with a table inside the package."""
    folder = resources.files("strands_tf.cost") / "prices"
    return sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json"))


@cache
def _shipped(region: str) -> PriceTable | None:
    path = resources.files("strands_tf.cost") / "prices" / f"{region}.json"
    if not path.is_file():
        return None
    return parse_table(json.loads(path.read_text("utf-8")), f"shipped table {region}.json")


def load_prices(region: str, *, updated: bool = True) -> PriceTable:
    """The price table of `region`: the updated one from the cache, else the shipped one, else us-east-1's."""
    if updated:
        path = user_table_path(region)
        if path.is_file():
            try:
                doc = loads_json(path.read_text("utf-8"))
            except ValueError as exc:
                raise UserError(
                    f"the price table {path} is not valid JSON: {exc}",
                    hint="run `strands cost prices update` again, or delete the file to use the shipped table",
                ) from None
            return parse_table(doc, str(path))
    table = _shipped(region)
    if table is not None:
        return table
    fallback = _shipped(DEFAULT_REGION)
    assert fallback is not None, "the package ships the us-east-1 table"
    return PriceTable(
        fallback.region,
        fallback.as_of,
        fallback.currency,
        fallback.hours_per_month,
        fallback.prices,
        fallback.models,
        fallback.origin,
        stand_in_for=region,
        raw=fallback.raw,
    )
