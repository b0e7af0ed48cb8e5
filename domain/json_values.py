"""JSON values as types: what canonical JSON, an audit export's records and the stored read
models hold, and the narrowing of a value just parsed (`json.loads`, `orjson.loads`) to what
the reader expects, where it is parsed.

Only the standard library: the recorders and the projections use these without loading the
aggregates.
"""

from __future__ import annotations

from typing import TypeAlias

JSON: TypeAlias = str | int | float | bool | list["JSON"] | dict[str, "JSON"] | None
JSONObject: TypeAlias = dict[str, JSON]
# An SQL parameter or column value as the read models' tables hold them.
SQLValue: TypeAlias = str | int | float | bool | None


def json_object(value: object, what: str = "a JSON value") -> JSONObject:
    """`value` (parsed JSON) as an object; TypeError when it is not one."""
    if not isinstance(value, dict):
        raise TypeError(f"{what} is not an object")
    return value


def json_str(value: object, what: str = "a JSON value") -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} is not text")
    return value


def json_list(value: object, what: str = "a JSON value") -> list[JSON]:
    if not isinstance(value, list):
        raise TypeError(f"{what} is not a list")
    return value


def json_texts(value: object, what: str = "a JSON value") -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError(f"{what} is not a list of text")
    return value


def json_integers(value: object, what: str = "a JSON value") -> list[int]:
    if not isinstance(value, list) or not all(isinstance(item, int) for item in value):
        raise TypeError(f"{what} is not a list of integers")
    return value


def json_int(value: object, what: str = "a JSON value") -> int:
    """An integer (never a bool, which JSON keeps apart)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{what} is not an integer")
    return value
