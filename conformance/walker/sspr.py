"""Self-service password reset (api-reference.md §2.1, §6: E11 → E12 → E13 → E14 → E15 → E6): the whole flow, and
walks to each of its steps."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.client import ApiResponse
from conformance.walker.actor import Actor, FlowStopped, Reached, User, Wait, challenge_types, new_password


@dataclass
class ResetOutcome:
    """Every answer of one password reset (§2.1 SSPR): E11 start, E12 challenge, E13 continue, E14 submit, last E15."""

    start: ApiResponse
    challenge: ApiResponse
    verified: ApiResponse
    submitted: ApiResponse
    polled: ApiResponse


def sspr_start(actor: Actor, user: User, *, capabilities: str | None = None) -> Reached:
    """E11 for `user`, advertising `capabilities` when given."""
    address, password = user
    form = actor.form(username=address, challenge_type=challenge_types(actor.tenant, "sspr"), capabilities=capabilities)
    return Reached("E11", "ssprStart", form, address, actor, password=password)


def sspr_challenge(actor: Actor, user: User, **start: str | None) -> Reached:
    """E12 (sends the reset code)."""
    begun = sspr_start(actor, user, **start)
    answer = begun.expect()
    return begun.then(
        answer,
        "E12",
        "ssprChallenge",
        actor.form(continuation_token=answer.continuation_token, challenge_type=challenge_types(actor.tenant, "sspr")),
    )


def sspr_continue(actor: Actor, user: User, **start: str | None) -> Reached:
    """E13 with the e-mailed reset code."""
    challenged = sspr_challenge(actor, user, **start)
    answer, code = actor.challenge_with_code(challenged.address, challenged.send, "E12")
    form = actor.form(continuation_token=answer.continuation_token, grant_type="oob", oob=code)
    return challenged.then(answer, "E13", "ssprContinue", form, code)


def sspr_submit(actor: Actor, user: User, *, new: str | None = None, **start: str | None) -> Reached:
    """E14 with a new password (`new`, else a fresh one)."""
    verified = sspr_continue(actor, user, **start)
    answer = verified.expect()
    form = actor.form(continuation_token=answer.continuation_token, new_password=new or new_password())
    return verified.then(answer, "E14", "ssprSubmit", form)


def sspr_poll(actor: Actor, user: User, **submit: str | None) -> Reached:
    """E15 after the new password was submitted."""
    submitted = sspr_submit(actor, user, **submit)
    answer = submitted.expect()
    return submitted.then(answer, "E15", "ssprPollCompletion", actor.form(continuation_token=answer.continuation_token))


PENDING_POLL = ("not_started", "in_progress")  # poll_completion statuses that ask to poll again (§E15)


def reset_password_outcome(
    actor: Actor, address: str, password: str, wait: Wait, *, capabilities: str | None = None
) -> ResetOutcome:
    """Reset the password of `address` to `password` (§2.1 SSPR), polling as `poll_interval` asks; every step's
    answer is kept."""
    reached = sspr_poll(actor, (address, None), new=password, capabilities=capabilities)
    submitted = reached.trail["E14"]
    polled = poll_until_done(actor, reached.token, wait, interval=poll_interval(submitted))
    trail = reached.trail
    return ResetOutcome(trail["E11"], trail["E12"], trail["E13"], submitted, polled)


def poll_interval(submitted: ApiResponse) -> float:
    """The seconds E14's `poll_interval` asks a client to wait between polls (1 when it gives none)."""
    interval = submitted.json.get("poll_interval")
    return float(interval) if type(interval) is int and interval > 0 else 1.0


def poll_until_done(
    actor: Actor,
    token: str,
    wait: Wait,
    *,
    interval: float = 1.0,
    max_polls: int = 20,
    pending: ApiResponse | None = None,
) -> ApiResponse:
    """Poll E15 with E14's `token` until the reset has succeeded or failed, letting `interval` seconds (E14's
    `poll_interval`) pass between polls (§E15); `pending` is a pending answer the caller already has.

    Like the client libraries, every poll sends E14's token (R-SSPR-POLL-REPOLL, ERR-71). A target that refuses
    it again but handed out a token with its pending answer gets a warning, and the walk goes on with that token."""
    crid, chained = None, False
    handed = pending.continuation_token if pending is not None else None
    if pending is not None:
        crid = wait(interval)
    for _ in range(max_polls):
        polled = actor.steps.with_request_id(crid).sspr_poll_completion(token)
        if polled.status != 200 and not chained and handed:
            actor.verdict.check(
                False,
                "R-SSPR-POLL-REPOLL",
                f"polling again with E14's token was refused ({polled.error}); polling on with the token the "
                "pending answer handed out",
            )
            token, chained = handed, True
            polled = actor.steps.with_request_id(crid).sspr_poll_completion(token)
        polled = actor.expect(polled, "E15")
        status = polled.json.get("status")
        if status in {"succeeded", "failed"}:
            return polled
        actor.verdict.check(status in PENDING_POLL, "R-SSPR-POLL", f"unknown status {status!r}")
        handed = polled.continuation_token
        if chained and handed:
            token = handed
        crid = wait(interval)
    raise FlowStopped(f"password reset still not complete after {max_polls} polls")


def after_reset(actor: Actor, user: User, wait: Wait) -> Reached:
    """SSPR polled until `succeeded`; that answer's token at E6 with `grant_type=continuation_token` (§2.1)."""
    polled = sspr_poll(actor, user)
    answer = poll_until_done(actor, polled.token, wait)
    if not actor.verdict.equal(answer.json.get("status"), "succeeded", "R-SSPR-POLL", "final poll status"):
        raise FlowStopped(f"the password reset ended {answer.json.get('status')!r}")
    form = actor.form(
        continuation_token=answer.continuation_token,
        grant_type="continuation_token",
        username=polled.address,
        scope=actor.scope,
    )
    return polled.then(answer, "E6", "token", form)
