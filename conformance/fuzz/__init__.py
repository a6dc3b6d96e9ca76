"""Schemathesis fuzzing driven by `specs/native-auth.openapi.yaml`, run inside pytest against the session's target.

`stateless` fuzzes each operation with positive and negative form bodies; `stateful` follows the OpenAPI links
(continuation-token chain) through sign-up, sign-in and SSPR, reading OTPs from the target's OTP source. Every response
goes through schemathesis's checks and ours (`checks`); failures carry a redacted curl reproducer (`findings`).
"""
