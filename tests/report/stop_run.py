"""Passed on the command line by tests/report/test_partial.py: stops the run the way Ctrl-C does."""


def test_stop_the_run():
    """Stops the run (report test)."""
    raise KeyboardInterrupt
