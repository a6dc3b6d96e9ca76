"""TOML configuration tables read with typed getters; every error is one line: `file: dotted.key: problem`."""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self

if TYPE_CHECKING:
    from conformance.contract.vocabulary import Vocabulary

MISSING: Any = object()


class Matcher(Protocol):
    """What a string is checked against: a compiled regex, or a vocabulary pattern (which also says `what` it is)."""

    def match(self, value: str, /) -> object: ...


def not_utf8(exc: UnicodeDecodeError) -> str:
    """Why a file is not UTF-8 text, in one line (TOML files must be UTF-8)."""
    return f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); save the file as UTF-8"


class TomlTable:
    """One TOML table being read: typed getters, one-line errors naming the dotted key, unknown keys refused.

    A subclass names the error class of its file kind and whether empty strings are refused.
    """

    error_class: type[ValueError] = ValueError
    nonempty = True  # strings and list items must not be empty

    def __init__(self, file: str, where: str, data: Any) -> None:
        self.file, self.where = file, where
        if not isinstance(data, dict):
            raise self.error("", f"expected a table, got {type(data).__name__}")
        self.data: dict[str, Any] = data
        self.known: set[str] = set()

    @classmethod
    def read(cls, path: str | Path, label: str) -> dict[str, Any]:
        """The TOML document at `path`; a one-line error naming `label` when the file cannot be read, is not UTF-8 or
        is not TOML."""
        try:
            with open(path, "rb") as handle:
                return tomllib.load(handle)
        except OSError as exc:
            problem = f"cannot read: {exc.strerror or exc}"
        except UnicodeDecodeError as exc:
            problem = not_utf8(exc)
        except tomllib.TOMLDecodeError as exc:
            problem = f"not valid TOML: {exc}"
        raise cls.error_class(f"{label}: {problem}")

    def key(self, key: str) -> str:
        """The dotted name of a key of this table."""
        return f"{self.where}.{key}" if self.where else key

    def error(self, key: str, problem: str) -> ValueError:
        """A one-line error naming the file and the dotted key."""
        return self.error_class(f"{self.file}: {self.key(key) if key else self.where or '(top level)'}: {problem}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = MISSING) -> Any:
        """The value under `key`, type-checked (booleans are not numbers); `default` when absent."""
        self.known.add(key)
        if key not in self.data:
            if default is MISSING:
                raise self.error(key, "missing")
            return default
        value = self.data[key]
        if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.error(key, f"expected {names}, got {type(value).__name__} {value!r}")
        return value

    def text(self, key: str, default: Any = MISSING, *, pattern: Matcher | None = None, what: str = "") -> Any:
        """A string (non-empty when `nonempty`), optionally matching `pattern`; `what` names a valid one (default:
        what the pattern says it matches)."""
        value = self.get(key, str, default)
        if isinstance(value, str) and (self.nonempty and not value or pattern is not None and not pattern.match(value)):
            raise self.error(key, f"not {what or getattr(pattern, 'what', 'a valid value')}: {value!r}")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: Any = MISSING) -> Any:
        """One of `choices`."""
        value = self.get(key, str, default)
        if value not in choices:
            raise self.error(key, f"must be one of {', '.join(choices)}; got {value!r}")
        return value

    def term(self, key: str, vocabulary: Vocabulary, default: Any = MISSING, *, mock: bool = False) -> Any:
        """The name of the term of `vocabulary` the value spells (its name or a documented alias); with `mock`, only
        a term the mock tenant implements."""
        value = self.get(key, str, default)
        term = vocabulary.resolve(value) if isinstance(value, str) else None
        if value is not default and (term is None or mock and not term.mock):
            raise self.error(key, f"must be one of {vocabulary.described(mock=mock)}; got {value!r}")
        return term.name if term is not None else value

    def number(
        self,
        key: str,
        default: Any = MISSING,
        *,
        kind: type[int] | type[float] = int,
        minimum: float = 0,
        maximum: float | None = None,
    ) -> Any:
        """An int (or a float, when `kind` is float) from `minimum` up to `maximum` (when given)."""
        value = self.get(key, (int, float) if kind is float else int, default)
        if value is None:
            return None
        if not math.isfinite(value):
            raise self.error(key, f"must be a finite number; got {value}")
        if maximum is None and value < minimum:
            raise self.error(key, f"must be at least {minimum}; got {value}")
        if maximum is not None and not minimum <= value <= maximum:
            raise self.error(key, f"must be between {minimum} and {maximum}; got {value}")
        return float(value) if kind is float else value

    def strings(
        self, key: str, default: tuple[str, ...] = (), *, check: Callable[[str], str | None] | None = None
    ) -> tuple[str, ...]:
        """A list of strings (non-empty when `nonempty`); `check` returns the problem of a bad item, or None."""
        values = self.get(key, list, list(default))
        for index, item in enumerate(values):
            if not isinstance(item, str) or self.nonempty and not item:
                wanted = "a non-empty string" if self.nonempty else "str"
                raise self.error(f"{key}[{index}]", f"expected {wanted}, got {item!r}")
            if check is not None and (problem := check(item)):
                raise self.error(f"{key}[{index}]", problem)
        return tuple(values)

    def table(self, key: str, *, required: bool = False) -> Self:
        """A sub-table (empty when absent and not required)."""
        return type(self)(self.file, self.key(key), self.get(key, dict, MISSING if required else {}))

    def tables(self, key: str) -> list[Self]:
        """An array of tables."""
        return [type(self)(self.file, f"{self.key(key)}[{i}]", item) for i, item in enumerate(self.get(key, list, []))]

    def done(self) -> None:
        """Refuse keys nobody asked for, suggesting the nearest known one."""
        for key in self.data:
            if key in self.known:
                continue
            near = difflib.get_close_matches(key, sorted(self.known), n=1)
            raise self.error(key, "unknown key" + (f" (did you mean {near[0]}?)" if near else ""))
