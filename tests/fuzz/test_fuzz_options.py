"""The fuzz plugin's collection order: fuzz tests first, the stateful (longest) first, the rest kept in order."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.fuzz import options


@dataclass(eq=False)
class Item:
    name: str
    fuzz: bool = False

    def get_closest_marker(self, name: str) -> object | None:
        return object() if name == "fuzz" and self.fuzz else None


def test_fuzz_tests_run_first_and_the_stateful_ones_before_the_stateless() -> None:
    items = [Item("test_error_row[a]"), Item("test_stateless[signupStart]", True), Item("test_expiry[b]"),
             Item("test_stateful[signup]", True), Item("test_stateless[token]", True), Item("test_chaining[c]")]
    options.pytest_collection_modifyitems(items)  # type: ignore[arg-type]
    assert [item.name for item in items] == [
        "test_stateful[signup]", "test_stateless[signupStart]", "test_stateless[token]",
        "test_error_row[a]", "test_expiry[b]", "test_chaining[c]",
    ]


def test_a_run_without_fuzz_tests_keeps_its_order() -> None:
    items = [Item("b"), Item("a")]
    options.pytest_collection_modifyitems(items)  # type: ignore[arg-type]
    assert [item.name for item in items] == ["b", "a"]
