"""Skips as data: reasons counted by what ruled the test out (conformance.skips)."""

from __future__ import annotations

from conformance import skips

PROFILE = "target profile: no user flow with MFA (tenant.mfa)"
SSPR = "target profile: no user flow with self-service password reset (tenant.sspr)"
SLOW = "needs --slow: the run waits once, 607 s, for every expiry probe"
ROW = "cannot be triggered from outside (fault): no client request provokes it"


def test_reasons_are_counted_by_category_and_by_reason_most_frequent_first():
    found = skips.tally([SSPR, PROFILE, SLOW, PROFILE, ROW, "something else"])
    assert found["total"] == 6
    assert found["by_category"] == {"profile": 3, "option": 1, "untriggerable": 1, "other": 1}
    assert [(item["reason"], item["tests"]) for item in found["by_reason"]] == [
        (PROFILE, 2), (SSPR, 1), (SLOW, 1), (ROW, 1), ("something else", 1),
    ]


def test_the_run_says_how_many_the_profile_ruled_out_and_why():
    lines = skips.lines(skips.tally([PROFILE, PROFILE, SLOW]))
    assert lines[0] == "3 skipped: 2 ruled out by the profile, 1 need --slow"
    assert lines[1:] == [f"    2  {PROFILE}", f"    1  {SLOW}"]
    assert skips.lines(skips.tally([])) == []
