"""Generated cases kept on disk: made once, read back as the same requests, never shared between cases."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from schemathesis import Case, GenerationMode
from schemathesis.core import NOT_SET

from conformance.fuzz import checks, corpus, loading, shaping, store, wire

OPERATION = "signinInitiate"
CASE_ID_HEADER = "X-Schemathesis-TestCaseId"


def sent(case: Case) -> tuple[object, ...]:
    """What a case puts on the wire and how the checks read it (its id aside)."""
    request = wire.prepare(case, "http://mock.test/t")
    headers = sorted((name, value) for name, value in request.headers.items() if name != CASE_ID_HEADER)
    return (request.method, request.url, headers, wire.body_bytes(request), shaping.is_positive(case),
            shaping.mutated_fields(case), checks.sent_problems(case, request), repr(case.meta.phase.data))


def made(cases: list[Case], calls: list[int]) -> list[Case]:
    calls.append(1)
    return cases


def test_a_corpus_is_made_once_and_read_back_as_the_same_requests(tmp_path: Path) -> None:
    operation = loading.operation(OPERATION)
    original = [*corpus._make_coverage(OPERATION), *corpus._draw(OPERATION, GenerationMode.NEGATIVE, 3, 1)]
    calls: list[int] = []
    first = store.Store(tmp_path).get("one", operation, lambda: made(original, calls))
    again = store.Store(tmp_path).get("one", operation, lambda: made(original, calls))
    assert calls == [1] and first is original
    assert [sent(case) for case in again] == [sent(case) for case in original]
    assert any(case.body is NOT_SET for case in again)  # a method without a body keeps schemathesis's marker
    assert {case.id for case in again}.isdisjoint(case.id for case in original)


def test_without_a_folder_every_corpus_is_made(tmp_path: Path) -> None:
    calls: list[int] = []
    for _ in range(2):
        store.Store(None).get("one", loading.operation(OPERATION), lambda: made([], calls))
    assert calls == [1, 1]


def test_a_file_that_does_not_read_back_is_made_anew(tmp_path: Path) -> None:
    operation = loading.operation(OPERATION)
    store.Store(tmp_path).get("one", operation, lambda: corpus._draw(OPERATION, GenerationMode.POSITIVE, 2, 1))
    (file,) = tmp_path.rglob("one.pickle")
    file.write_bytes(b"truncated")
    calls: list[int] = []
    cases = store.Store(tmp_path).get("one", operation, lambda: made([], calls))
    assert calls == [1] and cases == [] and store.Store(tmp_path).get("one", operation, list) == []


def test_the_key_follows_the_spec_and_the_generators() -> None:
    key = store.spec_key()
    assert len(key) == 20 and key == store.spec_key()
    assert {"corpus.py", "store.py"} <= set(store._GENERATORS)


def test_a_fresh_copy_shares_nothing_with_its_original() -> None:
    (original, *_) = corpus._draw(OPERATION, GenerationMode.NEGATIVE, 1, 1)
    before = sent(original)
    copy = store.fresh(original)
    copy.body = {**copy.body, "client_id": "changed"}
    copy.meta.generation.mode = GenerationMode.POSITIVE
    assert sent(original) == before and copy.id != original.id


@pytest.mark.parametrize(("chosen", "expected"), [("none", None), ("/tmp/x", Path("/tmp/x"))])
def test_the_cache_option_names_a_folder_or_none(chosen: str, expected: Path | None) -> None:
    assert store.directory(chosen) == expected


def test_the_default_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(store.ENV_DIR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert store.default_dir() == tmp_path / "native-auth-conformance" / "fuzz"
    monkeypatch.setenv(store.ENV_DIR, "none")
    assert store.default_dir() is None


def test_corpora_of_a_key_unused_for_long_are_forgotten(tmp_path: Path) -> None:
    stale, recent = tmp_path / "stale-key", tmp_path / "recent-key"
    for folder in (stale, recent):
        folder.mkdir()
        (folder / "one.pickle").write_bytes(b"")
    long_ago = time.time() - (store.STALE_DAYS + 1) * 86400
    os.utime(stale, (long_ago, long_ago))
    store.Store(tmp_path).get("one", loading.operation(OPERATION), list)
    assert not stale.exists() and recent.exists() and (tmp_path / store.spec_key() / "one.pickle").exists()


def test_a_folder_that_cannot_be_written_only_costs_the_making(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    calls: list[int] = []
    cases = store.Store(blocked / "fuzz").get("one", loading.operation(OPERATION), lambda: made([], calls))
    assert cases == [] and calls == [1]
