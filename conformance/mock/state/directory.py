"""The directory of users: the tenant file's seeded users, and those added at run time (bounded, oldest first out)."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

from conformance.mock.config import UserSeed


@dataclass(slots=True)
class MfaMethod:
    """A registered strong authentication method."""

    id: str
    channel: str
    target: str


@dataclass(slots=True)
class User:
    """An account in the mock directory."""

    email: str
    oid: str = field(default_factory=lambda: str(uuid.uuid4()))
    password: str | None = None
    password_history: list[str] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    methods: list[MfaMethod] = field(default_factory=list)
    interaction_required: bool = False

    @classmethod
    def from_seed(cls, seed: UserSeed) -> User:
        """Build a user from its tenant-file seed; method ids default to fresh GUIDs."""
        methods = [MfaMethod(m.id or str(uuid.uuid4()), m.channel, m.target) for m in seed.mfa_methods]
        return cls(
            email=seed.email.lower(),
            password=seed.password,
            password_history=list(seed.password_history),
            attributes=dict(seed.attributes),
            methods=methods,
            interaction_required=seed.interaction_required,
        )


class Directory:
    """Users by lower-cased email. At most `limit` users added at run time are kept: beyond it the one added longest
    ago is forgotten (a seeded user it had replaced comes back as seeded); seeded users are never forgotten."""

    def __init__(self, seeds: tuple[UserSeed, ...], limit: int) -> None:
        self.seeds = {seed.email.lower(): seed for seed in seeds}
        self.users = {email: User.from_seed(seed) for email, seed in self.seeds.items()}
        self.added: OrderedDict[str, None] = OrderedDict()
        self.limit = limit

    def get(self, email: str) -> User | None:
        """The user with this email (case-insensitive), if any."""
        return self.users.get(email.lower())

    def add(self, user: User) -> None:
        """Insert or replace a user."""
        email = user.email.lower()
        self.users[email] = user
        self.added[email] = None
        self.added.move_to_end(email)
        if len(self.added) > self.limit:
            oldest, _ = self.added.popitem(last=False)
            seed = self.seeds.get(oldest)
            if seed is None:
                del self.users[oldest]
            else:
                self.users[oldest] = User.from_seed(seed)
