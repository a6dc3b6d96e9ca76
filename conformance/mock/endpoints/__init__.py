"""The fifteen native-auth endpoints (api-reference.md §2): path → error table → handler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.mock.endpoints import register, signin, signup, sspr, token
from conformance.mock.endpoints.base import Call, Mock

Handler = Callable[[Call], dict[str, Any]]

# Path under `/{tenant}.onmicrosoft.com` → (error table for request-level problems, handler).
ENDPOINTS: dict[str, tuple[str, Handler]] = {
    "/signup/v1.0/start": ("E1", signup.start),
    "/signup/v1.0/challenge": ("E2", signup.challenge),
    "/signup/v1.0/continue": ("E3a", signup.continue_),
    "/oauth2/v2.0/initiate": ("E4", signin.initiate),
    "/oauth2/v2.0/challenge": ("E5", signin.challenge),
    "/oauth2/v2.0/token": ("E6", token.token),
    "/oauth2/v2.0/introspect": ("E7", signin.introspect),
    "/register/v1.0/introspect": ("E8", register.introspect),
    "/register/v1.0/challenge": ("E9", register.challenge),
    "/register/v1.0/continue": ("E10", register.continue_),
    "/resetpassword/v1.0/start": ("E11", sspr.start),
    "/resetpassword/v1.0/challenge": ("E12", sspr.challenge),
    "/resetpassword/v1.0/continue": ("E13", sspr.continue_),
    "/resetpassword/v1.0/submit": ("E14", sspr.submit),
    "/resetpassword/v1.0/poll_completion": ("E15", sspr.poll_completion),
}

__all__ = ["ENDPOINTS", "Call", "Handler", "Mock"]
