"""Passed on the command line by tests/report/test_report_partial.py: the run is killed (SIGKILL) part way."""

import os
import signal
import time


def test_takes_a_while():
    """Gives the run time to write its reports on the way (report test)."""
    time.sleep(2.2)


def test_the_run_is_killed():
    """`kill -9`, as a CI job's timeout does (report test)."""
    os.kill(os.getpid(), signal.SIGKILL)
