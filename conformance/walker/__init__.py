"""The walker: the documented flows composed from steps, and a walk to any step through the routes the profile's
user flows allow (api-reference.md §2.1).

- `actor`: the actor (an app acting for one user), the `Reached` step a walk hands over, the values it sends;
- `features`: what a walk needs of a user flow, which application offers it, `Lacking` when none does;
- `signup`, `signin`, `sspr`, `mfa`: each flow whole, and walks to each of its steps;
- `routes`: `reach(actor_for, target, step)`, to any table tag of specs/errors.yaml.
"""

from conformance.walker.actor import Actor, FlowStopped, Reached, User, Wait
from conformance.walker.features import Feature, Lacking, app_with
from conformance.walker.routes import reach

__all__ = ["Actor", "Feature", "FlowStopped", "Lacking", "Reached", "User", "Wait", "app_with", "reach"]
