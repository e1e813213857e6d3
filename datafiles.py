"""One loader for every data file (TOML, or JSON by its suffix): read it, check it against a
pydantic schema, and report any mistake as one `DataFileError` line naming the file, the
entry and the field, so whoever edits the file sees exactly what to fix:

    styles/presets.toml: [[style]] 'oil': field 'guidance': must be a number, got 'x'

A schema is a `Schema` subclass (unknown keys are typos, a loaded entry never changes) whose
fields use the strict types below: TOML's "3" is text, never a number. Checks that span
entries (duplicates, references between entries or files) stay with each loader, which
reports them through `fail`, in the same words.
"""

from __future__ import annotations

import difflib
import json
import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, StrictBool,
                      StrictInt, StrictStr, TypeAdapter, ValidationError)

from errors import DataFileError

ROOT = Path(__file__).resolve().parent
_NAME_KEYS = ("id", "name", "en", "idea")  # what an [[entry]] is called by in a message
T = TypeVar("T")


class Schema(BaseModel):
    """The base of every data file's schema: an unknown key is an error (a typo), values
    are checked, never coerced (the scalar types below are strict), and a loaded entry is
    frozen. Lists are read as tuples."""

    # defer_build: a schema is built on its first load, so importing a module costs nothing
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Invalid(ValueError):
    """Raised by a schema's own validator; `field` names the field at fault when the check
    spans fields, so the message still says which one to fix."""

    def __init__(self, problem: str, field: str = ""):
        super().__init__(problem)
        self.field = field


# --- the reusable field types ----------------------------------------------------------------

def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _number(value: Any) -> int | float:
    # True is an int to Python, never a number to someone editing a file; an int stays an int.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, got {_shown_value(value)}")
    return value


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be a whole number, got {_shown_value(value)}")
    return value


def between(low: float, high: float | None = None, *, whole: bool = False) -> Any:
    """A number (a whole number with `whole`) from `low` to `high` (no limit: None)."""
    def check(value):
        if high is None and value < low:
            raise ValueError(f"must be at least {low:g}, got {value!r}")
        if high is not None and not low <= value <= high:
            raise ValueError(f"must be from {low:g} to {high:g}, got {value!r}")
        return value
    return Annotated[int if whole else float, PlainValidator(_whole if whole else _number),
                     AfterValidator(check)]


def some(item: Any) -> Any:
    """A list of at least one `item` (read as a tuple): [[entries]] a file needs."""
    return Annotated[tuple[item, ...], Field(min_length=1)]


def one_of(*choices: str) -> Any:
    """A text that is one of `choices`."""
    allowed = frozenset(choices)

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(choices)}; got {value!r}")
        return value
    return Annotated[StrictStr, AfterValidator(check)]


Text = Annotated[StrictStr, AfterValidator(_not_blank)]  # non-empty (not only spaces)
AnyText = StrictStr  # may be empty
Flag = StrictBool
Whole = StrictInt
Number = Annotated[float, PlainValidator(_number)]  # an int or a float, kept as written
NonNegative = between(0)
Texts = tuple[Text, ...]


def check_placeholders(text: str, allowed) -> str:
    """The text, when every {placeholder} in it is one the code fills; else ValueError."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        raise ValueError(f"broken braces in {text!r}") from None
    unknown = sorted(names - set(allowed))
    if unknown:
        raise ValueError(f"unknown placeholder '{{{unknown[0]}}}' in {text!r} "
                         f"(allowed: {', '.join(sorted(allowed)) or 'none'})")
    return text


def template(*allowed: str) -> Any:
    """A non-empty text whose {placeholders} are all among `allowed`."""
    names = frozenset(allowed)
    return Annotated[Text, AfterValidator(lambda text: check_placeholders(text, names))]


# --- reading ---------------------------------------------------------------------------------

def shown(path: Path | str) -> str:
    """A file as someone editing the project looks for it: its path inside the project
    (agent/data/places.toml), else the path as given."""
    path = Path(path)
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def load(path: Path | str, schema: type[T] | Any) -> T:
    """A whole data file checked against its schema (a Schema subclass, or a type such as
    dict[str, SomeSchema]); DataFileError naming the file, the entry and the field when the
    file is missing, not TOML (JSON for a .json file), or does not fit the schema."""
    data, file = _read(Path(path)), shown(path)
    try:
        return _adapter(schema).validate_python(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # A typo explains the missing key beside it: report the unknown key first.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        entry, at = _locate(schema, first["loc"], data)
        error = (first.get("ctx") or {}).get("error")
        if isinstance(error, Invalid) and error.field:
            at = ".".join(filter(None, (at, error.field)))
        raise DataFileError(_problem(first, schema), file=file, entry=entry, field=at) from None


def _read(path: Path) -> dict:
    """A data file's tables, unchecked; DataFileError naming the file (and the line) when it
    is missing, unreadable, or not TOML (JSON for a .json file)."""
    try:
        if path.suffix == ".json":
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        else:
            with open(path, "rb") as handle:
                data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise DataFileError("file is missing", file=shown(path)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"cannot be read: {exc}", file=shown(path)) from exc
    except tomllib.TOMLDecodeError as exc:  # its text ends "(at line N, column M)"
        raise DataFileError(f"not valid TOML: {exc}", file=shown(path)) from exc
    except json.JSONDecodeError as exc:
        raise DataFileError(f"not valid JSON: {exc}", file=shown(path)) from exc
    if not isinstance(data, dict):
        raise DataFileError("must hold tables (a JSON object)", file=shown(path))
    return data


def fail(file: str, entry: str, field: str, problem: str) -> DataFileError:
    """The error for a mistake a schema cannot see (a duplicate, a reference to an entry
    that does not exist), worded as the schema's are. Raise it."""
    return DataFileError(problem, file=file, entry=entry, field=field)


def entry_name(kind: str, number: int, item: Any) -> str:
    """How the `number`th (1-based) [[kind]] entry is called: by its id (or name, en,
    idea) when it has one, else by its number."""
    if isinstance(item, Mapping):
        name = next((item[k] for k in _NAME_KEYS if isinstance(item.get(k), str)
                     and item[k].strip()), None)
        if name is not None:
            return f"[[{kind}]] '{name if len(name) <= 40 else name[:39] + '…'}'"
    return f"[[{kind}]] #{number}"


@cache
def _adapter(schema) -> TypeAdapter:
    return TypeAdapter(schema)


# --- turning pydantic's error into a line someone editing the file understands ----------------

def _shown_value(value: Any) -> str:
    """A value as the file writes it (true, not True), cut short."""
    text = str(value).lower() if isinstance(value, bool) else repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _unknown_field(key: str, allowed) -> str:
    """A typo's message: the key it probably meant, else the keys there are."""
    close = difflib.get_close_matches(str(key), [str(a) for a in allowed], n=1)
    if close:
        return f"unknown field (did you mean '{close[0]}'?)"
    return f"unknown field; known: {', '.join(sorted(map(str, allowed)))}"


_TYPE_WORDS = {"string_type": "text", "int_type": "a whole number", "int_from_float":
               "a whole number", "float_type": "a number", "bool_type": "true or false",
               "list_type": "a list", "tuple_type": "a list", "set_type": "a list",
               "dict_type": "a table", "model_type": "a table", "model_attributes_type":
               "a table", "dataclass_type": "a table", "is_instance_of": "a table"}


def _problem(error: dict, schema) -> str:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "missing":
        return _missing(schema, error["loc"])
    if kind == "extra_forbidden":
        allowed = _fields_at(schema, error["loc"][:-1])
        return _unknown_field(error["loc"][-1], allowed) if allowed else "unknown field"
    if kind in _TYPE_WORDS:
        return f"must be {_TYPE_WORDS[kind]}, got {_shown_value(value)}"
    if kind in ("too_short", "string_too_short"):
        least = ctx.get("min_length", 1)
        return "must not be empty" if least == 1 else f"must hold at least {least} items"
    if kind in ("too_long", "string_too_long"):
        return f"must hold at most {ctx.get('max_length')} items"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {_shown_value(value)}"
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    message = error.get("msg", kind)
    return message[:1].lower() + message[1:]


def _unwrap(annotation):
    """The type inside Annotated[...] and Optional[...]."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType):
            inner = [a for a in get_args(annotation) if a is not type(None)]
            if len(inner) != 1:
                return annotation
            annotation = inner[0]
        else:
            return annotation


def _shape(annotation) -> tuple[str, Any]:
    """("model", class), ("list", item type), ("dict", value type) or ("leaf", None)."""
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model", annotation
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (list, tuple, set, frozenset, Sequence):
        return "list", args[0] if args else Any
    if origin in (dict, Mapping):
        return "dict", args[1] if len(args) == 2 else Any
    return "leaf", None


def _field_type(model: type[BaseModel], key) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return Any


def _shape_at(schema, loc) -> tuple[str, Any]:
    """The shape of what the schema expects at `loc`."""
    shape = _shape(schema)
    for part in loc:
        kind, inner = shape
        shape = _shape(_field_type(inner, part)) if kind == "model" else _shape(inner)
    return shape


def _fields_at(schema, loc) -> list[str]:
    """The keys a table at `loc` may hold (for an unknown key's message)."""
    kind, inner = _shape_at(schema, loc)
    return [info.alias or name for name, info in inner.model_fields.items()] \
        if kind == "model" else []


def _missing(schema, loc) -> str:
    """What a missing key should have been: [[entries]], a [table], or a value."""
    kind, inner = _shape_at(schema, loc)
    if kind == "list" and _shape(inner)[0] == "model":
        return f"needs at least one [[{loc[-1]}]] entry"
    return f"needs a [{loc[-1]}] table" if kind in ("model", "dict") else "is missing"


@dataclass
class _Where:
    """Where a mistake is, built up along pydantic's location of it."""

    header: list[str] = field(default_factory=list)  # tables above the entry: [what.en]
    entry: str = ""  # [[place]] 'Venice', [nouns] 'cheetah'
    keys: list = field(default_factory=list)  # the field inside the entry: grade, 2, filter

    @property
    def inside(self) -> bool:
        """Whether the entry is found: whatever comes next is a field of it."""
        return bool(self.entry or self.keys)

    def enter(self, entry: str) -> None:
        self.entry, self.header = entry, []


def _locate(schema, loc, data) -> tuple[str, str]:
    """(entry, field) for pydantic's location of a mistake: the tables down to the first
    entry ([[place]] 'Venice', [nouns] 'cheetah', [what.en]), then the field inside it
    (grade[2].filter)."""
    where, shape, node = _Where(), _shape(schema), data
    for part in loc:
        if part == "[key]":  # the name of a named entry is at fault, not a field
            break
        child = _child(node, part)
        shape = _step(where, shape, part, child)
        node = child
    if where.header and not where.entry:
        where.entry = f"[{'.'.join(where.header)}]"
    return where.entry, _field_text(where.keys)


def _step(where: _Where, shape: tuple[str, Any], part, child) -> tuple[str, Any]:
    """One step down the location: a table, an entry, or a field; the shape below it."""
    kind, inner = shape
    below = _shape(_field_type(inner, part)) if kind == "model" else _shape(inner)
    if where.inside or kind == "leaf":
        where.keys.append(part)
    elif kind == "model":  # a key: a table on the way to the entries, else a field
        table = below[0] in ("model", "dict") or (below[0] == "list" and _shape(
            below[1])[0] == "model")
        if table and isinstance(child, (dict, list)):
            where.header.append(str(part))
        else:
            where.keys.append(part)
    elif kind == "list" and below[0] == "model" and isinstance(part, int):
        where.enter(entry_name(".".join(where.header), part + 1, child))
    elif kind == "dict":  # its keys name entries, or words of a word list
        where.enter(f"[{'.'.join(where.header)}] '{part}'" if where.header else f"[{part}]")
    else:
        where.keys.append(part)
    return below


def _child(node, part):
    if isinstance(node, Mapping) and not isinstance(part, int):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def _field_text(parts: list) -> str:
    text = ""
    for part in parts:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
