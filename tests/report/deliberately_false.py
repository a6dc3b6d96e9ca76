"""Extra tests passed on the command line by tests/report (not collected on their own): one of each verdict.

`test_deliberately_false` and `test_harness_error` also try to leak raw secrets (printed, in the failure message, as
traceback arguments): the reports and the run's output must show only fingerprints.
"""

import pytest

from conformance.client import TargetUnreachable


@pytest.mark.requirement("E1")
def test_deliberately_false(steps, verdict, target):
    """A sign-up start answers with a continuation token equal to a made-up value (deliberately false)."""
    response = steps.signup_start(target.new_address(), password="Sup3r!secret-value")
    print("continuation token:", response.continuation_token)
    verdict.equal(response.continuation_token, "not-the-token", "E1", "continuation token")


@pytest.mark.requirement("R-CORRELATION-HEADERS")
def test_passes_with_a_warning(steps, verdict, target):
    """A rule the docs do not state (observed in a client library) is reported as a warning, not a failure."""
    steps.signup_start(target.new_address())
    verdict.check(False, "R-CORRELATION-HEADERS", "observed in client libraries only (report test)")


@pytest.mark.requirement("E11")
def test_skips_with_the_profile_reason(steps):
    """A feature the profile lacks is skipped with the profile's reason (report test)."""
    pytest.skip("target profile: the report test's tenant has no such feature")


def _next_step(continuation_token: str, password: str) -> None:
    """Fails the way a lost connection does; the traceback shows the raw arguments (which reports must redact)."""
    raise TargetUnreachable("http://unreachable.invalid: ConnectError (report test)")


@pytest.mark.requirement("E4")
def test_harness_error(steps, target):
    """A target that cannot be reached is an error of the run, not a verdict (report test)."""
    password = "Harness!secret-42"
    response = steps.signup_start(target.new_address(), password=password)
    _next_step(response.continuation_token, password)
