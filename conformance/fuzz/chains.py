"""One continuation-token chain of a stateful scenario: its user, its OTPs, and the data each next step needs.

A chain starts at a flow's entry operation with a fresh username (`Target.new_address()`); sign-in and SSPR chains
need an existing user, so on a target with a control API (the mock) one is created for the chain. Later steps inherit
the chain through the link they follow. Before a step that sends an OTP the chain marks the OTP source; before a step
that needs `oob` it fetches the code for the address the previous answer sent it to, so chains reach the token
endpoint (E6).
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from schemathesis import Case
from schemathesis.core.errors import format_transition

from conformance.contract import openapi
from conformance.contract.vocabulary import usage
from conformance.fuzz import shaping
from conformance.otp import OtpError
from conformance.profile import Attribute
from conformance.target import Target
from conformance.walker.mfa import all_capabilities

OTP_SENDERS = frozenset({"signupChallenge", "signinChallenge", "ssprChallenge", "registerChallenge"})
ATTRIBUTE_CANDIDATES = ("Fuzz Tester", "98052", "fuzz")
DUMMY_CODE = "00000000"


def strong_password() -> str:
    """A password every documented policy accepts (four character classes, no banned word, 18 characters)."""
    return f"Fz-{secrets.token_hex(6)}-Q9!"


@dataclass(slots=True)
class Answer:
    """What a step sent and got: status, JSON body, the form fields as sent."""

    case_id: str
    operation: str
    status: int
    body: dict[str, Any]
    sent: dict[str, str]


@dataclass(slots=True)
class Chain:
    """The state one chain keeps across its steps."""

    flow: str
    username: str
    client_id: str = ""  # the application the chain acts for ("": the profile's main one)
    password: str = field(default_factory=strong_password)
    methods: dict[str, str] = field(default_factory=dict)  # strong-method id -> address its OTPs go to
    register_target: str | None = None
    poll_interval: float = 2.0
    started: bool = False
    reached_token: bool = False
    tokens_issued: bool = False


def attribute_value(attribute: Attribute | None, regex: str | None = None) -> str:
    """A value the attribute accepts: its first option, else a candidate matching its regex."""
    if attribute is not None and attribute.options:
        return attribute.options[0]
    pattern = regex or (attribute.regex if attribute is not None else None)
    for candidate in ATTRIBUTE_CANDIDATES:
        try:
            if pattern is None or re.search(pattern, candidate):
                return candidate
        except re.error:
            return candidate
    return ATTRIBUTE_CANDIDATES[0]


@dataclass(slots=True)
class OtpMark:
    """Where a step's OTP goes and the OTP source's state right before the step."""

    address: str
    mark: object
    code: str | None = None


@cache
def _links() -> dict[str, openapi.Link]:
    """The spec's links by the name schemathesis gives their transitions."""
    label = {op.operation_id: f"POST {op.path}" for op in openapi.operations()}
    return {
        format_transition(label[link.source], str(link.status), link.name, label[link.target]): link
        for link in openapi.links()
    }


def _link(transition_id: str) -> openapi.Link | None:
    return _links().get(transition_id)


class ChainKeeper:
    """Creates chains at entry steps and prepares each later step from the answer it follows."""

    def __init__(self, target: Target, flow: str, report_problem: Any) -> None:
        self.target = target
        self.flow = flow
        self.report_problem = report_problem  # (case, title, detail) -> None, a WARNING finding
        self.chains: dict[str, Chain] = {}
        self.answers: dict[str, Answer] = {}
        self.marks: dict[str, OtpMark] = {}
        self._serial = 0
        self._started = 0

    # --- chain creation -----------------------------------------------------------------------------------------------

    def start(self, case: Case) -> Chain:
        """A new chain for an entry step; a positive one gets a fresh user (created first for sign-in and SSPR)."""
        body = case.body if isinstance(case.body, dict) else {}
        if not shaping.is_positive(case):
            return Chain(self.flow, str(body.get("username", "")))
        chain = Chain(self.flow, self.target.new_address(), self._client_id())
        shaping.assign(case, "username", chain.username)
        shaping.assign(case, "password", chain.password)
        shaping.assign(case, "attributes", self._attributes_json(a.name for a in self.target.profile.tenant.attributes))
        if self.flow in ("signup", "sspr"):  # like MSAL: where MFA applies, the auto sign-in goes on to registration
            shaping.assign(case, "capabilities", all_capabilities(), add=True)
        if self.flow != "signup":
            self._create_user(case, chain)
        return chain

    def _client_id(self) -> str:
        """The application of a new chain: the profile's main one, and for every other sign-up or password-reset
        chain one whose user flow has no MFA (and resets passwords, for SSPR) when the profile has one, so that these
        chains also end in tokens rather than always in registering a second factor, which seldom fits in a scenario
        (sign-in chains alternate users with and without a strong method instead)."""
        self._started += 1
        main = self.target.profile.client_id
        if self.flow == "signin" or self._started % 2:
            return main
        plain = [app for app in self.target.profile.apps() if not app.tenant.mfa and (app.tenant.sspr or
                                                                                       self.flow != "sspr")]
        return plain[0].client_id if plain else main

    def _create_user(self, case: Case, chain: Chain) -> None:
        """Create the chain's user through the control API; every other sign-in user gets an email strong method."""
        control = self.target.control()
        if control is None:
            return  # a real tenant: the fresh address does not exist, the chain ends at user_not_found
        self._serial += 1
        user: dict[str, Any] = {"email": chain.username, "password": chain.password,
                                "attributes": {"displayName": "Fuzz Tester"}}
        if self.flow == "signin" and self._serial % 2 == 0:
            method_id, address = str(uuid.uuid4()), self.target.new_address()
            user["mfa_methods"] = [{"channel": "email", "target": address, "id": method_id}]
            chain.methods[method_id] = address
        with control:
            response = control.post("/_mock/users", json=user)
        if response.status_code != 201:
            self.report_problem(case, "the control API refused to create a chain's user", response.text)

    def link_applies(self, transition: Any, parent_id: str) -> bool:
        """Whether the link a step follows applies to the answer it follows (e.g. `AttributesRequired` only to an
        `attributes_required` error); a step along a link that does not apply leaves the answer's token unspent."""
        answer = self.answers.get(parent_id)
        link = _link(getattr(transition, "id", "")) if answer is not None else None
        if answer is None or link is None:
            return True
        return link.applies(answer.body)

    # --- step preparation ---------------------------------------------------------------------------------------------

    def prepare(self, case: Case, parent_id: str | None, entry: bool) -> Chain:
        """Find or start the case's chain and fill what the step needs (positive cases only)."""
        op = shaping.operation_id(case)
        chain = self.chains.get(parent_id) if parent_id else None
        if chain is None:
            chain = self.start(case) if entry else Chain(self.flow, "")
        self.chains[case.id] = chain
        shaping.assign(case, "client_id", chain.client_id or self.target.profile.client_id)
        if not shaping.is_positive(case) or not chain.username:
            return chain
        parent = self.answers.get(parent_id) if parent_id else None
        if parent is not None and parent.body.get("continuation_token"):
            # the token the followed answer handed out, also when schemathesis chose to explore another value: a
            # chain's steps carry their flow's token (stateless cases and the chaining suite try the wrong ones)
            shaping.assign(case, "continuation_token", parent.body["continuation_token"], add=True)
        if "challenge_type" in (case.body or {}) and op != "registerChallenge":
            # the one list a client sends to every flow (MSAL JS `customAuth.challengeTypes`; password reset, ERR-72)
            shaping.assign(case, "challenge_type", usage().everything())
        step = {
            "signinChallenge": self._signin_challenge,
            "registerChallenge": self._register_challenge,
            "signupContinue": self._signup_continue,
            "token": self._token,
            "ssprContinue": self._sspr_continue,
            "ssprSubmit": self._sspr_submit,
            "registerContinue": self._register_continue,
        }.get(op)
        if step is not None:
            step(case, chain, parent)
        if op in OTP_SENDERS:
            self._mark(case, chain, op)
        return chain

    def _signin_challenge(self, case: Case, chain: Chain, parent: Answer | None) -> None:
        if parent is None or parent.operation != "signinIntrospect":
            body = dict(case.body)
            body.pop("id", None)
            case.body = body

    def _register_challenge(self, case: Case, chain: Chain, parent: Answer | None) -> None:
        chain.register_target = chain.register_target or self.target.new_address()
        case.body = {**case.body, "challenge_type": " ".join(usage().step("E9")), "challenge_channel": "email",
                     "challenge_target": chain.register_target}

    def _signup_continue(self, case: Case, chain: Chain, parent: Answer | None) -> None:
        if parent is None:
            return
        if parent.status == 200 and parent.body.get("challenge_type") == "oob":
            shaping.rebuild(case, {"grant_type": "oob", "oob": self._code(case, chain, parent)})
        elif parent.status == 200 and parent.body.get("challenge_type") == "password":
            shaping.rebuild(case, {"grant_type": "password", "password": chain.password})
        elif parent.status == 400 and parent.body.get("error") == "attributes_required":
            shaping.rebuild(case, {"grant_type": "attributes", "attributes": self._attributes(parent)})

    def _token(self, case: Case, chain: Chain, parent: Answer | None) -> None:
        scope = " ".join(self.target.profile.scopes)
        if parent is None or parent.status != 200:
            return
        if parent.operation == "signinChallenge":
            if parent.body.get("challenge_type") == "password":
                shaping.rebuild(case, {"grant_type": "password", "password": chain.password, "scope": scope})
            elif parent.body.get("challenge_type") == "oob":
                grant = "mfa_oob" if parent.sent.get("id") else "oob"
                shaping.rebuild(case, {"grant_type": grant, "oob": self._code(case, chain, parent), "scope": scope})
        elif parent.operation in ("signupContinue", "registerContinue", "ssprPollCompletion"):
            fields = {"grant_type": "continuation_token", "scope": scope}
            if parent.operation == "signupContinue":
                fields["username"] = chain.username
            shaping.rebuild(case, fields)

    def _sspr_continue(self, case: Case, chain: Chain, parent: Answer | None) -> None:
        if parent is not None and parent.status == 200 and parent.body.get("challenge_type") == "oob":
            shaping.rebuild(case, {"grant_type": "oob", "oob": self._code(case, chain, parent)})

    def _sspr_submit(self, case: Case, chain: Chain, parent: Answer | None) -> None:
        chain.password = strong_password()
        shaping.rebuild(case, {"new_password": chain.password})

    def _register_continue(self, case: Case, chain: Chain, parent: Answer | None) -> None:
        if parent is None or parent.status != 200:
            return
        if parent.body.get("challenge_type") == "oob":
            shaping.rebuild(case, {"grant_type": "oob", "oob": self._code(case, chain, parent)})
        elif parent.body.get("challenge_type") == "preverified":
            shaping.rebuild(case, {"grant_type": "continuation_token"})

    # --- OTPs and attributes ------------------------------------------------------------------------------------------

    def _mark(self, case: Case, chain: Chain, op: str) -> None:
        """Remember the OTP source's state for the address this step (case) will send a code to."""
        body = case.body if isinstance(case.body, dict) else {}
        if op == "registerChallenge":
            address = chain.register_target
        elif op == "signinChallenge" and body.get("id"):
            address = chain.methods.get(str(body["id"]))
        else:
            address = chain.username
        if address:
            self.marks[case.id] = OtpMark(address, self.target.otp.mark(address))

    def _code(self, case: Case, chain: Chain, parent: Answer) -> str:
        """The OTP the previous step sent, from the target's OTP source (a dummy code when none can be read)."""
        sent = self.marks.get(parent.case_id)
        if sent is None:
            return DUMMY_CODE
        if sent.code is None:
            length = parent.body.get("code_length")
            code_length = length if isinstance(length, int) and length > 0 else self.target.profile.tenant.otp_length
            try:
                sent.code = self.target.otp.fetch(sent.address, after=sent.mark, code_length=code_length)
            except OtpError as exc:
                self.report_problem(case, "no OTP could be read for a chain", str(exc))
                sent.code = DUMMY_CODE
        return sent.code

    def _attributes(self, parent: Answer) -> str:
        """A JSON object with an acceptable value for every attribute the previous answer asked for."""
        asked = {}
        for item in parent.body.get("required_attributes") or []:
            name = item.get("name") if isinstance(item, dict) else None
            if isinstance(name, str):
                regex = (item.get("options") or {}).get("regex")
                asked[name] = regex if isinstance(regex, str) else None
        return self._attributes_json(asked, asked)

    def _attributes_json(self, names: Iterable[str], regexes: dict[str, str | None] | None = None) -> str:
        """A JSON object with an acceptable value for each named attribute (the profile says what is acceptable)."""
        known = {attribute.name: attribute for attribute in self.target.profile.tenant.attributes}
        regexes = regexes or {}
        return json.dumps({name: attribute_value(known.get(name), regexes.get(name)) for name in names})

    # --- answers ------------------------------------------------------------------------------------------------------

    def observe(self, case: Case, status: int, body: Any, sent: dict[str, str], linked: bool) -> None:
        """Remember a step's answer for the steps that follow it, and what the chain reached."""
        op = shaping.operation_id(case)
        body = body if isinstance(body, dict) else {}
        self.answers[case.id] = Answer(case.id, op, status, body, sent)
        chain = self.chains.get(case.id)
        if chain is None:
            return
        if not linked and status == 200 and body.get("continuation_token"):
            chain.started = True
        if op == "token" and linked:
            chain.reached_token = True
            chain.tokens_issued = chain.tokens_issued or (status == 200 and "access_token" in body)
        if op == "ssprSubmit" and isinstance(body.get("poll_interval"), int | float):
            chain.poll_interval = float(body["poll_interval"])
