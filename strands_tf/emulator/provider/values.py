"""Terraform values on the wire: msgpack DynamicValues with cty's unknown marker, and schema conformance."""

from __future__ import annotations

import json
from typing import Any

import msgpack


class _Unknown:
    """A value Terraform will only know after apply (cty unknown)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "Unknown"

    def __copy__(self) -> _Unknown:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _Unknown:
        return self


Unknown = _Unknown()

# cty encodes an unknown value as msgpack extension 0; values with refinements (Terraform >= 1.6) use 12.
_UNKNOWN_EXT = msgpack.ExtType(0, b"\x00")
_UNKNOWN_CODES = {0, 12}


def _ext_hook(code: int, data: bytes) -> Any:
    if code in _UNKNOWN_CODES:
        return Unknown
    return msgpack.ExtType(code, data)


def _default(obj: Any) -> Any:
    if obj is Unknown:
        return _UNKNOWN_EXT
    raise TypeError(f"cannot encode {type(obj).__name__} for Terraform")


def decode(msgpack_bytes: bytes, json_bytes: bytes = b"") -> Any:
    """Decode a DynamicValue's payload (msgpack preferred, JSON for old states)."""
    if msgpack_bytes:
        return msgpack.unpackb(msgpack_bytes, ext_hook=_ext_hook, raw=False, strict_map_key=False)
    if json_bytes:
        return json.loads(json_bytes)
    return None


def encode(value: Any) -> bytes:
    """Encode a Python value (with ``Unknown``) as cty msgpack."""
    return msgpack.packb(value, default=_default, use_bin_type=True)


def is_known(value: Any) -> bool:
    """True if the value and everything inside it is known."""
    if value is Unknown:
        return False
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    if isinstance(value, list):
        return all(is_known(v) for v in value)
    return True


def conform_type(value: Any, cty_type: Any) -> Any:
    """Coerce a value to a cty type (JSON type spec) so msgpack decoding on the Terraform side accepts it."""
    if value is None or value is Unknown:
        return value
    if cty_type == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else str(value)
    if cty_type == "number":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str):
            num = float(value)
            return int(num) if num.is_integer() else num
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value
    if cty_type == "bool":
        if isinstance(value, str):
            return value.lower() == "true"
        return bool(value)
    if cty_type == "dynamic":
        return value
    kind, inner = cty_type[0], cty_type[1]
    if kind in ("list", "set"):
        return [conform_type(v, inner) for v in value]
    if kind == "map":
        return {str(k): conform_type(v, inner) for k, v in value.items()}
    if kind == "object":
        return {name: conform_type(value.get(name), t) for name, t in inner.items()}
    if kind == "tuple":
        return [conform_type(v, t) for v, t in zip(value, inner, strict=False)]
    return value
