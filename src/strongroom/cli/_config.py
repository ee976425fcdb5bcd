"""YAML files the CLI reads (auth files and ``kind``-tagged configs), with errors that name the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["ConfigError", "load_document", "optional_str", "require_str"]


class ConfigError(Exception):
    """A file the person gave cannot be used; the message names the file (and the line when known)."""


def load_document(path: Path, *, kinds: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read ``path``, check that its ``kind`` is one of ``kinds``; returns ``(metadata, spec)``.

    Raises ConfigError for a missing or unreadable file, malformed YAML (with line and column), or a
    document of another shape.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = exc.problem or exc.context or "malformed YAML"
        raise ConfigError(f"{where}: malformed YAML: {problem}") from None
    except yaml.YAMLError:
        raise ConfigError(f"{path}: malformed YAML") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a YAML mapping with kind and spec")
    kind = data.get("kind")
    if kind not in kinds:
        wanted = " or ".join(kinds)
        raise ConfigError(f"{path}: kind is {kind!r}, expected {wanted}")
    metadata = data.get("metadata") or {}
    spec = data.get("spec") or {}
    if not isinstance(metadata, dict) or not isinstance(spec, dict):
        raise ConfigError(f"{path}: metadata and spec must be mappings")
    return metadata, spec


def require_str(section: dict[str, Any], key: str, path: Path, where: str = "spec") -> str:
    """``section[key]`` as a non-empty string (numbers are accepted as text); ConfigError otherwise."""
    value = section.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{path}: {where}.{key} is required (a string)")
    return value


def optional_str(section: dict[str, Any], key: str, path: Path, where: str = "spec") -> str | None:
    """``section[key]`` as a string, or None when absent or empty; ConfigError for other types."""
    value = section.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ConfigError(f"{path}: {where}.{key} must be a string")
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        raise ConfigError(f"{path}: {where}.{key} must be a string")
    return value
