"""A chaining test's run context: the target, the test's verdict, and actors whose requests go through a ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from conformance import checks
from conformance.chaining.ledger import Ledger
from conformance.chaining.operations import start_operations
from conformance.client import ApiResponse, NativeAuthClient
from conformance.profile import Application
from conformance.steps import NativeAuthSteps
from conformance.target import Target
from conformance.verdicts import Verdict
from conformance.walker import Actor, Feature, Reached, app_with, sspr
from conformance.walker.features import needs
from conformance.walker.routes import REACH


@dataclass
class Chain:
    """What a chaining test uses: the target and actors whose requests go through the ledger."""

    target: Target
    client: NativeAuthClient
    verdict: Verdict
    ledger: Ledger = field(init=False)

    def __post_init__(self) -> None:
        self.ledger = Ledger(self.client)

    def actor_for(self, app: Application) -> Actor:
        steps = NativeAuthSteps(cast(NativeAuthClient, self.ledger), app.client_id)
        return Actor(steps, self.target.otp, self.verdict, self.target.profile, app.tenant)

    def actor(self, *features: Feature) -> Actor:
        """An actor of an application whose user flow has `features` (`Lacking` when none does)."""
        return self.actor_for(app_with(self.target.profile, *features))

    def reach(self, step: str, actor: Actor) -> Reached:
        """The walker's walk up to `step`, with this chain's `actor`."""
        return REACH[step](actor, self.target)

    def accepted(self, reached: Reached, response: ApiResponse) -> bool:
        """The step took its token as documented (`checks.took_token`). A pending poll (E15) is the same step again:
        it is polled with the same token until the reset is done (ERR-71), and that answer is judged."""
        pending = response.status == 200 and response.json.get("status") in sspr.PENDING_POLL
        if reached.operation == "ssprPollCompletion" and pending:
            response = sspr.poll_until_done(reached.actor, reached.token, self.target.waiter(), pending=response)
        scopes = (reached.form.get("scope") or "").split()
        return checks.took_token(self.verdict, response, reached.step, reached.token, scopes)

    def other_client(self, reached: Reached) -> str:
        """A public client of the tenant other than the one the token was issued to."""
        second = self.target.profile.second_client_id or ""
        needs(bool(second), "no second_client_id for this negative test")
        own = reached.actor.steps.client_id
        return self.target.profile.client_id if second.lower() == own.lower() else second

    def foreign_token(self, reached: Reached) -> str:
        """A fresh, unused token of another flow for the same client: the answer of another flow's start step."""
        origin = self.ledger.origin(reached.token)
        start = next(op for op in start_operations() if op.operation_id != origin)
        begun = self.reach(start.doc_tag, reached.actor)
        return begun.actor.expect(begun.send(), start.doc_tag).continuation_token or ""
