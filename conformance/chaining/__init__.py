"""Continuation-token chaining (api-reference.md §2.1, §7.1): the cases the chaining suite runs and what they use.

- `ledger`: the session's client, remembering which token each answer handed out for which presented token;
- `chain`: a chaining test's run context (target, verdict, actors whose requests go through the ledger);
- `operations`: what the OpenAPI document says of a chain's operations (which begin a flow, which grant types each
  takes a token with, a request with another grant type);
- `refusals`: the error rows that refuse a token at a step, and the rule each refusal is under;
- `recipes`: how each OpenAPI link's target step is reached, and what that walk needs of a user flow;
- `cases`: every consuming step, one case per link feeding it (and per grant type where one link feeds several).
"""
