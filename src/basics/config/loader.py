"""Find, read and validate basics.yaml; errors name the file, line and key."""

from __future__ import annotations

import difflib
import re
import types
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from basics.config.models import Config
from basics.core.errors import ConfigError

CONFIG_NAME = "basics.yaml"


def find_config(start: Path | None = None) -> Path:
    """The nearest basics.yaml in `start` or one of its parents."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / CONFIG_NAME
        if path.is_file():
            return path
    raise ConfigError(
        f"no {CONFIG_NAME} in {folder} or its parents; run `basics init` to write one, "
        "or pass --config PATH"
    )


def load_config(path: Path) -> Config:
    """Read and validate one configuration file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    """Validate configuration text; `path` names it in errors and anchors relative paths."""
    # libyaml when installed (PyYAML's wheels have it): the config is read on every
    # command. Key lines are found only when an error needs them.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        # Composed, checked for a key given twice, then built: the parse that yaml.load
        # makes, with a look at the nodes between.
        reader = loader(text)
        try:
            node = reader.get_single_node()
            twice = _key_twice(node)
            data = reader.construct_document(node) if node is not None else None
        finally:
            reader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path.name}:{mark.line + 1}" if mark else path.name
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{where}: not valid YAML: {problem}") from None
    if twice is not None:
        key, first, again = twice
        raise ConfigError(
            f"{path.name}:{again}: {key}: given twice (first at line {first}); YAML would keep "
            "only the last one silently: say it once"
        )
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}:1: expected a mapping of settings, found {_kind(data)}")
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_describe(error, path, _key_lines(yaml.compose(text, loader)))) from None
    problems = config.unknown_references()
    if problems:
        lines = _key_lines(yaml.compose(text, loader))
        raise ConfigError(
            "\n".join(
                f"{path.name}:{_nearest_line(where, lines)}: {'.'.join(where)}: {message}"
                for where, message in problems
            )
        )
    config._path = path.resolve()
    return config


def _key_twice(node: yaml.Node | None) -> tuple[str, int, int] | None:
    """The first key given twice in one mapping: its path, and the lines of both."""
    pending: list[tuple[yaml.Node, tuple[str, ...]]] = [(node, ())] if node is not None else []
    while pending:
        current, prefix = pending.pop()
        if isinstance(current, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in current.value:
                key = str(key_node.value)
                line = key_node.start_mark.line + 1
                if key in seen and key != "<<":
                    return ".".join((*prefix, key)), seen[key], line
                seen[key] = line
                pending.append((value_node, (*prefix, key)))
        elif isinstance(current, yaml.SequenceNode):
            pending.extend((item, (*prefix, str(i))) for i, item in enumerate(current.value))
    return None


def _describe(error: ValidationError, path: Path, lines: dict[tuple[str, ...], int]) -> str:
    messages = []
    for item in error.errors():
        loc = tuple(str(part) for part in item["loc"])
        line = _nearest_line(loc, lines)
        key = ".".join(loc) or "(top level)"
        messages.append(f"{path.name}:{line}: {key}: {_message(item)}")
    return "\n".join(messages)


def _message(item: Any) -> str:
    kind = item["type"]
    found = item.get("input")
    if kind == "value_error":
        return str(item["ctx"]["error"])
    if kind == "extra_forbidden":
        key = str(item["loc"][-1]) if item["loc"] else ""
        hint = _did_you_mean(key, _keys_beside(item["loc"]), "unknown key; did you mean {}?")
        return hint or "unknown key; check its spelling against `basics config schema`"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error":
        expected = item["ctx"]["expected"]
        hint = _did_you_mean(str(found), re.findall(r"'([^']*)'", expected), " (did you mean {}?)")
        return f"expected {expected}, got {found!r}{hint}"
    return f"{item['msg'].lower()}, got {found!r}"


def _did_you_mean(word: str, choices: list[str], template: str) -> str:
    """`template` around the choice closest to a misspelt `word`, or "" when none is close."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.7)
    return template.format(repr(close[0])) if close else ""


def _keys_beside(loc: tuple[Any, ...]) -> list[str]:
    """The keys the configuration allows where the last key of `loc` was found (by alias,
    as basics.yaml spells them); empty where that place is not a model's mapping."""
    kind: Any = Config
    for part in loc[:-1]:
        kind = _unwrap(kind)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            field = next(
                (f for name, f in kind.model_fields.items() if str(part) in (name, f.alias)),
                None,
            )
            if field is None:
                return []
            kind = field.annotation
        elif get_origin(kind) in (dict, list):
            kind = get_args(kind)[-1]
        else:
            return []
    kind = _unwrap(kind)
    if not (isinstance(kind, type) and issubclass(kind, BaseModel)):
        return []
    return [field.alias or name for name, field in kind.model_fields.items()]


def _unwrap(kind: Any) -> Any:
    """The one model or container in an optional annotation (`X | None`)."""
    while get_origin(kind) in (Union, types.UnionType):
        kinds = [k for k in get_args(kind) if k is not type(None)]
        if len(kinds) != 1:
            return kind
        kind = kinds[0]
    return kind


def at_lines(path: Path, problems: list[tuple[tuple[str, ...], str]]) -> list[str]:
    """Problems found after the file loaded (by the engine: a `timestamp_format`, a
    `pattern`), each as `file:line: key: why`, as a loading error says it."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        lines = _key_lines(yaml.compose(path.read_text(encoding="utf-8"), loader))
    except (OSError, yaml.YAMLError):
        lines = {}
    return [
        f"{path.name}:{_nearest_line(where, lines)}: {'.'.join(where)}: {why}"
        for where, why in problems
    ]


def _nearest_line(loc: tuple[str, ...], lines: dict[tuple[str, ...], int]) -> int:
    for size in range(len(loc), -1, -1):
        if loc[:size] in lines:
            return lines[loc[:size]]
    return 1


def _key_lines(node: yaml.Node | None) -> dict[tuple[str, ...], int]:
    """Map every key path to its 1-based line, so errors can point at it."""
    lines: dict[tuple[str, ...], int] = {(): 1}

    def walk(current: yaml.Node, prefix: tuple[str, ...]) -> None:
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                key = (*prefix, str(key_node.value))
                lines[key] = key_node.start_mark.line + 1
                walk(value_node, key)
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                key = (*prefix, str(index))
                lines[key] = item.start_mark.line + 1
                walk(item, key)

    if node is not None:
        walk(node, ())
    return lines


def _kind(value: Any) -> str:
    names: dict[type, str] = {list: "a list", str: "a string"}
    return names.get(type(value), type(value).__name__)
