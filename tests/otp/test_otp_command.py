"""The command OTP source: runs `argv + [address]`, re-runs until a new code shows, fails in one line."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from conformance.otp import CommandSource, OtpError, OtpTimeout
from conformance.profile import CommandOtp
from conformance.redaction import REMEMBERED

# Prints the file named after the address (the last argument) in the directory given first, or nothing.
PRINT_MAILBOX = """
import pathlib, sys
box = pathlib.Path(sys.argv[1]) / sys.argv[-1]
print(box.read_text() if box.exists() else "")
"""
ADDRESS = "qa+7@example.com"


@pytest.fixture
def mailbox(tmp_path: Path) -> Path:
    """A directory with one file per address, holding what the command will print for it."""
    (tmp_path / "box").mkdir()
    (tmp_path / "print_mailbox.py").write_text(PRINT_MAILBOX)
    return tmp_path / "box"


def source_for(mailbox: Path, **timing: float) -> CommandSource:
    """A command source running the printing script with this interpreter (`{python}`)."""
    argv = ("{python}", str(mailbox.parent / "print_mailbox.py"), str(mailbox))
    return CommandSource(CommandOtp(argv=argv, timeout_s=timing.get("timeout_s", 5), poll_interval_s=0.02))


def test_code_printed_after_mark_is_returned(mailbox: Path) -> None:
    """Nothing printed at mark time; the first code printed afterwards is the answer; the address is the last arg."""
    source = source_for(mailbox)
    mark = source.mark(ADDRESS)
    (mailbox / ADDRESS).write_text("Your code is 12345678\n")
    (mailbox / "other@example.com").write_text("Your code is 99999999\n")
    assert source.fetch(ADDRESS, after=mark, code_length=8) == "12345678"


def test_code_printed_at_mark_time_is_stale(mailbox: Path) -> None:
    """The code the command printed before the challenge is not returned; the source waits for a new one."""
    (mailbox / ADDRESS).write_text("11111111")
    source = source_for(mailbox)
    mark = source.mark(ADDRESS)
    later = threading.Timer(0.3, (mailbox / ADDRESS).write_text, ("22222222",))
    later.start()
    try:
        assert source.fetch(ADDRESS, after=mark, code_length=8) == "22222222"
    finally:
        later.join()


def test_timeout_names_address_and_command(mailbox: Path) -> None:
    """No new code: one line naming the address and the command."""
    source = source_for(mailbox)
    mark = source.mark(ADDRESS)
    with pytest.raises(OtpTimeout) as raised:
        source.fetch(ADDRESS, after=mark, code_length=8, timeout=0.2)
    message = str(raised.value)  # under load the last run may still be going at the deadline: "(still running)"
    assert message.removesuffix(" (still running)") == f"no OTP for {ADDRESS} from {source.label} within 0.2 s"
    assert source.label.startswith("command {python} ")


def test_failing_command_is_retried_until_the_timeout_with_the_contract_in_one_line(tmp_path: Path) -> None:
    """A command that exits non-zero is taken to mean "no code yet": re-run until the timeout, which then says the
    last status and stderr line and how to follow the contract; a command that never succeeded is not run again."""
    script = tmp_path / "fail.py"
    script.write_text("import sys\nprint('Traceback (most recent call last):', file=sys.stderr)\n"
                      "print('RuntimeError: mailbox locked', file=sys.stderr)\nsys.exit(3)\n")
    source = CommandSource(CommandOtp(argv=(sys.executable, str(script)), poll_interval_s=0.02))
    mark = source.mark(ADDRESS)
    with pytest.raises(OtpTimeout) as raised:
        source.fetch(ADDRESS, after=mark, code_length=8, timeout=0.3)
    message = str(raised.value)
    assert "\n" not in message
    assert "failed on every run (exit status 3: RuntimeError: mailbox locked)" in message
    assert message.endswith("must print nothing and exit 0 while no code has come (README: the OTP command contract)")
    with pytest.raises(OtpError, match="has never succeeded"):
        source.mark(ADDRESS)


def test_a_command_that_exits_non_zero_for_not_yet_still_delivers_the_code(tmp_path: Path) -> None:
    """A command breaking the contract (exit 1 while no code) still works: its later code is read."""
    box = tmp_path / "code.txt"
    script = tmp_path / "strict.py"
    script.write_text(f"import pathlib, sys\nbox = pathlib.Path({str(box)!r})\n"
                      "sys.exit(1) if not box.exists() else print(box.read_text())\n")
    source = CommandSource(CommandOtp(argv=(sys.executable, str(script)), timeout_s=5, poll_interval_s=0.02))
    mark = source.mark(ADDRESS)
    later = threading.Timer(0.3, box.write_text, ("Your code is 24681357",))
    later.start()
    try:
        assert source.fetch(ADDRESS, after=mark, code_length=8) == "24681357"
    finally:
        later.join()


def test_a_code_of_another_length_than_announced_is_returned(mailbox: Path) -> None:
    """Every code-shaped string counts: a 6-digit code where 8 were announced is read, so its length is the target's
    failure (R-OTP-CODE-LENGTH), not a harness timeout."""
    source = source_for(mailbox)
    mark = source.mark(ADDRESS)
    (mailbox / ADDRESS).write_text("Your code is 123456\n")
    assert source.fetch(ADDRESS, after=mark, code_length=8) == "123456"


def test_missing_command_is_one_line(tmp_path: Path) -> None:
    """A command that cannot be started is an OtpError, not a traceback from subprocess."""
    source = CommandSource(CommandOtp(argv=(str(tmp_path / "no-such-command"),)))
    with pytest.raises(OtpError, match=r"^command .*no-such-command: cannot run: "):
        source.mark(ADDRESS)


def test_hanging_command_times_out(tmp_path: Path) -> None:
    """A command still running at the deadline is killed and reported as a timeout."""
    script = tmp_path / "hang.py"
    script.write_text("import time\ntime.sleep(30)\n")
    source = CommandSource(CommandOtp(argv=(sys.executable, str(script)), timeout_s=0.5))
    with pytest.raises(OtpTimeout, match=r"within 0\.5 s \(still running\)$"):
        source.mark(ADDRESS)


def test_output_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    """The command's contract is UTF-8 text: Latin-1 output stops the fetch with one line saying where, not a
    UnicodeDecodeError (which, in a run, was every OTP test's traceback)."""
    script = tmp_path / "latin1.py"
    script.write_text("import sys\nsys.stdout.buffer.write('Ihr Code: 12345678 (gültig)'.encode('latin-1'))\n")
    source = CommandSource(CommandOtp(argv=("{python}", str(script))))
    with pytest.raises(OtpError) as raised:
        source.mark(ADDRESS)
    assert str(raised.value) == (
        f"command {{python}} {script} printed output that is not UTF-8 for {ADDRESS} (byte 0xfc at offset 21)"
    )


def test_codes_it_returns_are_remembered_for_redaction(mailbox: Path) -> None:
    """Whatever code the source returns, and the one it saw before the challenge, is redacted from then on."""
    (mailbox / ADDRESS).write_text("old code 40404040")
    source = source_for(mailbox)
    mark = source.mark(ADDRESS)
    (mailbox / ADDRESS).write_text("new code 50505050")
    assert source.fetch(ADDRESS, after=mark, code_length=8) == "50505050"
    assert {"40404040", "50505050"} <= {code for code in ("40404040", "50505050") if code in REMEMBERED}
