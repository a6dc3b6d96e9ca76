"""The chaining suite's cases: every consuming step of a documented flow, one per OpenAPI link feeding it.

A case is the target of a link (`openapi.links()`), reached through that link by its recipe (`recipes.RECIPES`), one
case per grant type where a link feeds several. A link without a recipe still yields a case, which skips saying so.
Each kind of token a chaining test presents at the step (`TOKEN_KINDS`) applies to the cases where it can exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import pytest

from conformance.chaining.chain import Chain
from conformance.chaining.operations import grants, start_operations
from conformance.chaining.recipes import RECIPES, Variant, Walk
from conformance.contract import openapi
from conformance.expiry import Kit
from conformance.walker import Actor, Feature, Reached


@dataclass(frozen=True, slots=True)
class Case:
    """One consuming step of a flow, reached through one link."""

    step: str
    operation: str
    grant_type: str | None
    after: str | None
    walk: Walk
    needs: tuple[Feature, ...] = ()  # what the walk to it needs of a user flow
    fed_by: str = ""  # the operation whose answer hands out the case's token

    @property
    def fed_by_start(self) -> bool:
        """Whether the case's token comes from a start step (E1, E4, E11), which itself takes no token."""
        return self.fed_by in {op.operation_id for op in start_operations()}

    @property
    def path(self) -> str:
        return openapi.operation(self.operation).path

    @property
    def id(self) -> str:
        """The step tag, the operation's path, the grant type where the step takes one, `after TAG` for a later link."""
        parts = [self.step, self.path]
        if (
            self.grant_type
            and len(grants(self.operation)) > 1
            and self.step == openapi.operation(self.operation).doc_tag
        ):
            parts.append(f"grant_type={self.grant_type}")
        if self.after:
            parts.append(f"after {self.after}")
        return " ".join(parts)

    @property
    def takes_grant(self) -> bool:
        return bool(grants(self.operation))

    def reach(self, chain: Chain) -> Reached:
        """The case's step, walked to with an actor of an application whose user flow has what the walk needs
        (`Lacking`, naming it, when none has)."""
        return self.walk(chain, chain.actor(*self.needs))


def prepare(case: Case, kit: Kit) -> Reached:
    """The case's step reached with an expiry kit's client and verdict (the `expiry` marker's `prepare`)."""
    return case.reach(Chain(kit.target, kit.client, kit.verdict))


def _unrecipied(link: openapi.Link) -> Walk:
    def skip(chain: Chain, actor: Actor) -> Reached:
        pytest.skip(f"no reach recipe for the link {link.source} → {link.name} (conformance/chaining/recipes.py)")

    return skip


@cache
def cases() -> tuple[Case, ...]:
    """Every consuming step, one case per link feeding it (and per grant type where a link feeds several)."""
    found: dict[str, Case] = {}
    for link in openapi.links():
        body = dict(link.body)
        fallback = (Variant(openapi.operation(link.target).doc_tag, _unrecipied(link), (), after=link.source),)
        for variant in RECIPES.get((link.source, link.name), fallback):
            grant = variant.grant_type or body.get("grant_type")
            case = Case(variant.step, link.target, grant, variant.after, variant.walk, variant.needs, link.source)
            found.setdefault(case.id, case)
    order = [op.operation_id for op in openapi.operations()]
    return tuple(sorted(found.values(), key=lambda case: order.index(case.operation)))


#: The tokens the chaining suite presents at a case's step (one test each), with the cases each exists for: a token of
#: an earlier step only where the case's token is not a start step's answer (nothing came before it), another grant
#: type only where the step takes a grant type.
TOKEN_KINDS: dict[str, Callable[[Case], bool]] = {
    "right": lambda case: True,
    "reused": lambda case: True,
    "tampered": lambda case: True,
    "truncated": lambda case: True,
    "earlier_step": lambda case: not case.fed_by_start,
    "other_flow": lambda case: True,
    "other_client": lambda case: True,
    "other_grant": lambda case: case.takes_grant,
    "expired": lambda case: True,
}


def of_kind(kind: str) -> tuple[Case, ...]:
    """The cases a token of `kind` (`TOKEN_KINDS`) is presented in."""
    exists = TOKEN_KINDS[kind]
    return tuple(case for case in cases() if exists(case))
