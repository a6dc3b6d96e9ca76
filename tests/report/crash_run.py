"""Passed on the command line by tests/report/test_report_partial.py: a fixture crash, then the process dies."""

import os
import time

import pytest


@pytest.fixture
def broken_fixture():
    raise RuntimeError("the fixture crashed (report test)")


def test_fixture_crash(broken_fixture):
    """A test whose fixture crashes is an error of the run (report test)."""


def test_takes_a_while():
    """Gives the run time to write its summary on the way (report test)."""
    time.sleep(2.2)


def test_process_dies():
    """The process dies without finishing its session (report test)."""
    os._exit(70)
