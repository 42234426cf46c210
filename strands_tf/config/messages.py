"""Turn pydantic validation errors into messages a strands.yaml author can act on."""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

_YAML_TYPE = {
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "a mapping",
    type(None): "nothing (null)",
}


def describe(value: Any) -> str:
    """Short description of a YAML value for messages: `'abc' (a string)`."""
    kind = _YAML_TYPE.get(type(value), type(value).__name__)
    if isinstance(value, dict | list) or value is None:
        return kind
    text = repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({kind})"


def suggest(word: str, options: list[str] | tuple[str, ...]) -> str | None:
    """Closest option to a misspelt word, if any is close enough."""
    import difflib  # only on the error path: keeps it out of every command's start-up

    matches = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    if matches:
        return matches[0]
    # short words ("s4" for "s3", "dev1" for "dev") fall under difflib's ratio; one edit away still counts
    if len(word) < 2:
        return None
    near = [option for option in options if _one_edit_apart(word.lower(), option.lower())]
    return near[0] if len(near) == 1 else None


def _one_edit_apart(a: str, b: str) -> bool:
    """True when one substitution, insertion or deletion turns `a` into `b`."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _unwrap(annotation: Any) -> list[Any]:
    """Flatten Optional/Union/Annotated into the concrete types they allow."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in get_args(annotation):
            out.extend(_unwrap(arg))
        return out
    return [annotation]


def model_at(root: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The pydantic model class that validates the mapping at `loc` (for 'did you mean' on unknown keys)."""
    current: list[Any] = [root]
    for part in loc:
        nxt: list[Any] = []
        for candidate in current:
            for concrete in _unwrap(candidate):
                origin = get_origin(concrete)
                if isinstance(concrete, type) and issubclass(concrete, BaseModel):
                    field = concrete.model_fields.get(str(part))
                    if field is not None:
                        nxt.append(field.annotation)
                    elif str(part) in _resource_tags(concrete):
                        nxt.append(concrete)
                elif origin is dict:
                    nxt.append(get_args(concrete)[1])
                elif origin is list and isinstance(part, int):
                    nxt.append(get_args(concrete)[0])
        current = nxt
        if not current:
            return None
    for candidate in current:
        for concrete in _unwrap(candidate):
            if isinstance(concrete, type) and issubclass(concrete, BaseModel):
                return concrete
    return None


def _resource_tags(model: type[BaseModel]) -> tuple[str, ...]:
    field = model.model_fields.get("type")
    if field is None:
        return ()
    args = get_args(field.annotation) if get_origin(field.annotation) is Literal else ()
    return tuple(str(a) for a in args)


def allowed_values(root: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """Literal choices of the field at `loc`, for 'did you mean' on bad enum values."""
    if not loc:
        return []
    model = model_at(root, loc[:-1])
    if model is None:
        return []
    field = model.model_fields.get(str(loc[-1]))
    if field is None:
        return []
    out: list[str] = []
    for concrete in _unwrap(field.annotation):
        if get_origin(concrete) is Literal:
            out.extend(str(a) for a in get_args(concrete))
    return out


def render(error: dict[str, Any], root: type[BaseModel], loc: tuple[str | int, ...]) -> tuple[str, str | None]:
    """Message and hint for one pydantic error dict (from ValidationError.errors())."""
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    last = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        model = model_at(root, loc[:-1])
        fields = list(model.model_fields) if model else []
        guess = suggest(last, fields)
        hint = f"did you mean '{guess}'?" if guess else (f"known keys: {', '.join(fields)}" if fields else None)
        return f"unknown key '{last}'", hint
    if kind == "missing":
        return f"missing required key '{last}'", None
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {describe(value)}", None
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {describe(value)}", None
    if kind in ("string_type",):
        return f"expected a string, got {describe(value)}", "quote the value" if value is not None else None
    if kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
        return f"expected a mapping (key: value pairs), got {describe(value)}", None
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, got {describe(value)}", "write [a, b] or one '- item' per line"
    if kind == "literal_error":
        options = allowed_values(root, loc)
        expected = ctx.get("expected", "")
        guess = suggest(str(value), options) if options else None
        hint = f"did you mean '{guess}'?" if guess else None
        shown = ", ".join(options) if options else expected
        return f"{describe(value)} is not allowed; expected one of: {shown}", hint
    if kind == "union_tag_invalid":
        options = [t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",") if t.strip()]
        guess = suggest(str(ctx.get("tag", "")), options)
        hint = f"did you mean '{guess}'?" if guess else None
        return f"unknown resource type '{ctx.get('tag')}'; expected one of: {', '.join(options)}", hint
    if kind == "union_tag_not_found":
        return "missing required key 'type' (one of: s3, dynamodb, sqs, sns)", None
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)", None
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} item(s)", None
    if kind == "string_too_short":
        return f"must be at least {ctx.get('min_length')} character(s)", None
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters", None
    if kind == "string_pattern_mismatch":
        return f"{describe(value)} does not match the expected format {ctx.get('pattern')}", None
    return error["msg"], None
