"""The project's tests. This file puts `tests/` on `sys.path`, so that helpers shared by several test folders
(`browser_support`) import by name, like each folder's own `*_support` modules.

It also schedules them over xdist workers (README: `pytest -n auto`). Some fixtures build a whole run (or a browser)
once per worker that uses them; the tests sharing one such build form a group, which goes to one worker, so it is
built once. The groups go out largest first, then the tests marked `long`, then the rest, so that the run does not end
on a long test while the other worker idles. xdist's own `--dist loadgroup` would carry the groups in the test ids,
which pytest 9.2 no longer lets it change (pytest-dev/pytest-xdist#1386): each worker here writes the groups it
collected to a folder the controller gave it, and the controller's scheduler reads them. An explicit `--dist` other
than `load` or `loadgroup` is left to xdist.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

#: Session- or module-scoped fixtures that take seconds to build: each worker using one would build its own. A
#: parametrized one is built per parameter, and grouped so.
SHARED_FIXTURES = ("kill_table", "full_run", "suite_run", "outputs", "msal_bundle")
LONG = "long"
GROUPS = "test_groups_dir"  # the workerinput key naming the folder the workers write their groups to
GROUPS_DIR = pytest.StashKey[tempfile.TemporaryDirectory[str]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{LONG}: takes seconds (a whole run in a subprocess, a real wait); started early under xdist"
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    if folder := config.stash.get(GROUPS_DIR, None):
        folder.cleanup()


def _group(item: pytest.Item) -> str | None:
    """The group of a test: the shared fixtures it uses (with their parameters), or its explicit `xdist_group`."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    names = [name for name in SHARED_FIXTURES if name in getattr(item, "fixturenames", ())]
    names = [f"{name}[{params[name]}]" if name in params else name for name in names]
    names += [str(mark.args[0] if mark.args else mark.kwargs.get("name")) for mark in item.iter_markers("xdist_group")]
    return "+".join(sorted(names)) or None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker: the groups first, then the long tests (the order the controller hands the others out in),
    and the groups written for the controller."""
    workerinput: dict[str, Any] = getattr(config, "workerinput", {})
    if GROUPS not in workerinput:
        return
    groups = {item.nodeid: group for item in items if (group := _group(item))}
    items.sort(key=lambda item: item.nodeid not in groups and item.get_closest_marker(LONG) is None)
    Path(workerinput[GROUPS], f"{workerinput['workerid']}.json").write_text(json.dumps(groups), encoding="utf-8")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Give each worker the folder to write its groups to (one per run, made by the controller)."""
    config: pytest.Config = node.config
    if GROUPS_DIR not in config.stash:
        config.stash[GROUPS_DIR] = tempfile.TemporaryDirectory(prefix="pytest-groups-")
    node.workerinput[GROUPS] = config.stash[GROUPS_DIR].name


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> LoadScopeScheduling | None:
    if config.getoption("dist") not in ("load", "loadgroup") or GROUPS_DIR not in config.stash:
        return None
    return GroupScheduling(config, Path(config.stash[GROUPS_DIR].name), log)


class GroupScheduling(LoadScopeScheduling):
    """xdist's scope scheduling with the groups the workers wrote: a group is one unit of work, every other test its
    own; units with more tests go first (`--loadscope-reorder`, the default), the rest in collection order."""

    def __init__(self, config: pytest.Config, folder: Path, log: Any) -> None:
        super().__init__(config, log)
        self.folder = folder
        self.groups: dict[str, str] | None = None

    def _split_scope(self, nodeid: str) -> str:
        if self.groups is None:  # first asked once every worker has collected (and so written its groups)
            self.groups = {}
            for file in self.folder.glob("*.json"):
                self.groups.update(json.loads(file.read_text(encoding="utf-8")))
        return self.groups.get(nodeid, nodeid)
