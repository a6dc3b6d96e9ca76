"""An extra test passed on the command line by tests/report (not collected on its own): it skips after the mock has
sent, and logged, a one-time code."""

import pytest

from conformance.walker.signup import sign_up


@pytest.mark.requirement("E2")
def test_skips_after_a_code_was_sent(actor, target):
    """A test that skips once a code has been sent (its captured log holds the code, report test)."""
    sign_up(actor, target.new_address())
    pytest.skip("target profile: the report test's tenant has no such feature")
