"""`strands cost prices update`: refresh a region's price table from the AWS Price List API (boto3 `pricing`).

Each figure of the shipped table names its Price List service code and usage type; the update asks
GetProducts for that usage type in the region and takes the on-demand price (tiers kept, free tiers
dropped: estimates are list prices without free tiers). Figures the Price List does not return keep
their previous value and are reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from strands_tf.cost.prices import DEFAULT_REGION, load_prices, parse_table, user_table_path

PRICING_REGION = "us-east-1"  # the Price List API endpoint (it also runs in ap-south-1 and eu-central-1)
# usage types carry a region prefix outside us-east-1
USAGE_PREFIX = {
    "us-east-1": "",
    "us-east-2": "USE2-",
    "us-west-1": "USW1-",
    "us-west-2": "USW2-",
    "ca-central-1": "CAN1-",
    "eu-west-1": "EU-",
    "eu-west-2": "EUW2-",
    "eu-west-3": "EUW3-",
    "eu-central-1": "EUC1-",
    "eu-north-1": "EUN1-",
    "eu-south-1": "EUS1-",
    "ap-south-1": "APS3-",
    "ap-southeast-1": "APS1-",
    "ap-southeast-2": "APS2-",
    "ap-northeast-1": "APN1-",
    "ap-northeast-2": "APN2-",
    "ap-northeast-3": "APN3-",
    "sa-east-1": "SAE1-",
}


@dataclass
class UpdateReport:
    """What an update changed, kept and could not find."""

    region: str
    path: str = ""
    updated: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (old, new) first-tier price
    unchanged: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "path": self.path,
            "updated": {k: {"old": old, "new": new} for k, (old, new) in self.updated.items()},
            "unchanged": self.unchanged,
            "not_found": self.not_found,
        }


def _products(client: Any, service_code: str, filters: dict[str, str]) -> list[dict[str, Any]]:
    request: dict[str, Any] = {
        "ServiceCode": service_code,
        "Filters": [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in filters.items()],
        "FormatVersion": "aws_v1",
        "MaxResults": 100,
    }
    from strands_tf.aws.errors import aws_errors

    out: list[dict[str, Any]] = []
    while True:
        with aws_errors(operation="pricing:GetProducts"):  # an AWS failure is a strands error, not an internal one
            page = client.get_products(**request)
        for item in page.get("PriceList", []):
            out.append(json.loads(item) if isinstance(item, str) else item)
        token = page.get("NextToken")
        if not token:
            return out
        request["NextToken"] = token


def on_demand_tiers(product: dict[str, Any]) -> list[tuple[Decimal | None, Decimal]]:
    """(up_to, price) tiers of a Price List product's on-demand terms, free tiers dropped, in order."""
    dims: list[tuple[Decimal, Decimal | None, Decimal]] = []
    for term in (product.get("terms", {}).get("OnDemand") or {}).values():
        for dim in (term.get("priceDimensions") or {}).values():
            usd = (dim.get("pricePerUnit") or {}).get("USD")
            if usd is None:
                continue
            begin = Decimal(str(dim.get("beginRange", "0")))
            end_text = str(dim.get("endRange", "Inf"))
            end = None if end_text in ("Inf", "", "None") else Decimal(end_text)
            dims.append((begin, end, Decimal(usd)))
    dims.sort(key=lambda d: d[0])
    paid = [d for d in dims if d[2] > 0]
    return [(end, price) for _begin, end, price in paid]


def _format(value: Decimal) -> str:
    return format(value.normalize(), "f")


def update_prices(client: Any, region: str, *, now: datetime | None = None) -> tuple[dict[str, Any], UpdateReport]:
    """A new table document for `region` from the Price List API, starting from the current table."""
    base = load_prices(region)
    doc = json.loads(json.dumps(base.raw))  # a deep copy of the current table's document
    doc["region"] = region
    today = (now or datetime.now(UTC)).date().isoformat()
    report = UpdateReport(region)
    prefix = USAGE_PREFIX.get(region)
    for key, entry in doc["prices"].items():
        spec = entry.get("price_list") or {}
        service, usagetype = spec.get("service_code"), spec.get("usagetype")
        if not service or not usagetype or prefix is None:
            report.not_found.append(key)
            continue
        candidates = [f"{prefix}{usagetype}"] + ([f"USE1-{usagetype}"] if region == DEFAULT_REGION else [])
        tiers: list[tuple[Decimal | None, Decimal]] = []
        sku = None
        for candidate in candidates:
            for product in _products(
                client, service, {"regionCode": region, "usagetype": candidate, **spec.get("filters", {})}
            ):
                tiers = on_demand_tiers(product)
                if tiers:
                    sku = (product.get("product") or {}).get("sku")
                    break
            if tiers:
                break
        if not tiers:
            report.not_found.append(key)
            continue
        old = entry["price"] if "price" in entry else entry["tiers"][0]["price"]
        entry.pop("price", None)
        entry.pop("tiers", None)
        if len(tiers) == 1:
            entry["price"] = _format(tiers[0][1])
        else:
            entry["tiers"] = [{"up_to": None if up is None else _format(up), "price": _format(p)} for up, p in tiers]
            entry["tiers"][-1]["up_to"] = None
        new = entry["price"] if "price" in entry else entry["tiers"][0]["price"]
        entry["verified"] = f"Price List API GetProducts on {today}" + (f" (sku {sku})" if sku else "")
        if sku:
            entry.setdefault("price_list", {})["sku"] = sku
        if Decimal(old) != Decimal(new):
            report.updated[key] = (old, new)
        else:
            report.unchanged.append(key)
    for model_id, entry in doc.get("bedrock_models", {}).items():
        found = _model_prices(client, region, entry)
        if found is None:
            report.not_found.append(f"bedrock_models.{model_id}")
            continue
        for kind, value in found.items():
            old = entry[f"{kind}_per_1k"]
            entry[f"{kind}_per_1k"] = _format(value)
            if Decimal(old) != value:
                report.updated[f"bedrock_models.{model_id}.{kind}_per_1k"] = (old, _format(value))
        entry["verified"] = f"Price List API GetProducts on {today}"
    doc["as_of"] = today
    doc["source"] = f"AWS Price List API (GetProducts), {today}; figures not found there kept from the previous table"
    parse_table(doc, f"updated table {region}")  # what is written must load
    return doc, report


def _model_prices(client: Any, region: str, entry: dict[str, Any]) -> dict[str, Decimal] | None:
    """Input/output prices per 1K tokens of a Bedrock model from the AmazonBedrock offer, when listed there."""
    name = (entry.get("price_list") or {}).get("model") or entry.get("name")
    if not name:
        return None
    found: dict[str, Decimal] = {}
    for product in _products(client, "AmazonBedrock", {"regionCode": region, "model": name}):
        attributes = (product.get("product") or {}).get("attributes") or {}
        kind_text = str(attributes.get("inferenceType", "")).lower()
        feature = str(attributes.get("feature", "")).lower()
        if "batch" in feature or "provisioned" in feature or "cache" in kind_text:
            continue
        kind = "input" if "input" in kind_text else "output" if "output" in kind_text else None
        tiers = on_demand_tiers(product)
        if kind is None or not tiers:
            continue
        unit = ""
        for term in (product.get("terms", {}).get("OnDemand") or {}).values():
            for dim in (term.get("priceDimensions") or {}).values():
                unit = str(dim.get("unit", "")).lower()
        per_1k = tiers[0][1]
        if "million" in unit or "1m" in unit:
            per_1k = per_1k / 1000
        elif "1k" not in unit and "thousand" not in unit:
            per_1k = per_1k * 1000  # priced per token
        found.setdefault(kind, per_1k)
    return found if set(found) == {"input", "output"} else None


def write_table(doc: dict[str, Any], region: str) -> str:
    """Write an updated table where `load_prices` looks first; returns its path."""
    from strands_tf.fsutil import atomic_write_text

    path = user_table_path(region)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(doc, indent=2) + "\n")
    return str(path)
