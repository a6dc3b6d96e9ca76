"""Generated fuzz cases kept on disk, so a run makes each operation's corpus once, not every time.

Making a case costs schemathesis and Hypothesis several milliseconds, more than sending and judging it against the
in-process mock; the cases themselves only depend on the spec, the generators and the budget. So each operation's
corpus is stored in the user's cache folder under a key made of everything it depends on: the OpenAPI document and
every schema file (their bytes), the schemathesis and Hypothesis versions, the source of the modules that generate
(`corpus`, `loading`, `budget`), and the corpus's own name (operation, examples per mode, seed). Change any of them and
the key changes: a stored corpus is never used for another spec or generator (and the corpora of a key no run has
added to for `STALE_DAYS` are deleted). Processes that need the same corpus at
once (pytest-xdist workers) take turns on a lock, so it is made once and read by the others.

A corpus is pickled (its cases' request data and schemathesis metadata, never the operation, which is attached again
when it is read): the folder is created private to the user, and a file that does not read back is made anew.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import hypothesis
import schemathesis
from schemathesis import Case
from schemathesis.core import NOT_SET
from schemathesis.schemas import APIOperation

from conformance.contract import paths

try:
    import fcntl
except ImportError:  # not on POSIX: processes may then make the same corpus twice (the last write wins)
    fcntl = None  # type: ignore[assignment]

FORMAT = 1
STALE_DAYS = 30
ENV_DIR = "CONFORMANCE_FUZZ_CACHE"
#: The value of `--fuzz-cache` (or CONFORMANCE_FUZZ_CACHE) that keeps nothing on disk.
OFF = "none"
#: What a case is made of, besides its operation (`schemathesis.Case`'s constructor arguments).
_FIELDS = (
    "method", "path", "path_parameters", "headers", "cookies", "query", "body", "media_type",
    "multipart_content_types", "meta",
)
_GENERATORS = ("corpus.py", "loading.py", "budget.py", "store.py")


def directory(chosen: str) -> Path | None:
    """The folder a `--fuzz-cache` (or CONFORMANCE_FUZZ_CACHE) value names; None for `none`."""
    return None if chosen == OFF else Path(chosen)


def default_dir() -> Path | None:
    """Where corpora are kept: CONFORMANCE_FUZZ_CACHE, else `native-auth-conformance/fuzz` in the user's cache
    folder (XDG_CACHE_HOME or ~/.cache)."""
    chosen = os.environ.get(ENV_DIR)
    if chosen:
        return directory(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "native-auth-conformance" / "fuzz"


@cache
def spec_key() -> str:
    """What every stored corpus depends on: the spec and schemas, the generators' versions and source."""
    digest = hashlib.sha256(f"{FORMAT} {schemathesis.__version__} {hypothesis.__version__}".encode())
    here = Path(__file__).resolve().parent
    files = [paths.OPENAPI_PATH, *sorted(paths.SCHEMAS_DIR.rglob("*.json")), *(here / name for name in _GENERATORS)]
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def fresh(case: Case, operation: APIOperation | None = None) -> Case:
    """A fresh case with the same request data and its own metadata (under a new id; `operation` to move it to the
    same operation of another schema object)."""
    return _build(operation or case.operation, _loads(_dumps(_data(case))))


class Store:
    """Corpora in one folder (None: nothing kept, every corpus is made)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def get(self, name: str, operation: APIOperation, make: Callable[[], list[Case]]) -> list[Case]:
        """The corpus `name` of `operation`: read from disk, else made by `make()` and stored."""
        if self.directory is None:
            return make()
        path = self.directory / spec_key() / f"{name}.pickle"
        cases = _read(path, operation)
        if cases is not None:
            return cases
        try:
            if not path.parent.exists():
                _prune(self.directory)
            with _locked(path):
                cases = _read(path, operation)  # another process may have made it meanwhile
                if cases is None:
                    cases = make()
                    _write(path, [_data(case) for case in cases])
        except OSError:  # a folder this process cannot write: the corpus is made and kept in memory only
            if cases is None:
                cases = make()
        return cases


def _prune(directory: Path) -> None:
    """Forget the corpora of other keys (another spec or generator) that no run has made for `STALE_DAYS`."""
    oldest = time.time() - STALE_DAYS * 86400
    for folder in directory.glob("*"):
        with contextlib.suppress(OSError):
            if folder.is_dir() and folder.stat().st_mtime < oldest:
                shutil.rmtree(folder)


def _data(case: Case) -> dict[str, Any]:
    return {name: getattr(case, name) for name in _FIELDS}


def _build(operation: APIOperation, data: dict[str, Any]) -> Case:
    return Case(operation=operation, **data)


def _read(path: Path, operation: APIOperation) -> list[Case] | None:
    try:
        stored = _loads(path.read_bytes())
        return [_build(operation, data) for data in stored]
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a file from an interrupted write or an older generator: make it anew
        return None


def _write(path: Path, data: list[dict[str, Any]]) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, suffix=".tmp", delete=False) as out:
        out.write(_dumps(data))
    os.replace(out.name, path)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the corpus's lock file (a no-op where `fcntl` is missing)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a+b") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _dumps(value: Any) -> bytes:
    out = io.BytesIO()
    _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return out.getvalue()


def _loads(data: bytes) -> Any:
    return _Unpickler(io.BytesIO(data)).load()


class _Pickler(pickle.Pickler):
    """Keeps schemathesis's `NOT_SET` (an absent body, compared by identity) the same object when read back."""

    def persistent_id(self, obj: Any) -> str | None:
        return "NOT_SET" if obj is NOT_SET else None


class _Unpickler(pickle.Unpickler):
    def persistent_load(self, pid: Any) -> Any:
        if pid == "NOT_SET":
            return NOT_SET
        raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
