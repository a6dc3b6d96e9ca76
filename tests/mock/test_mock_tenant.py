"""Tenant configuration: the bundled default, custom files, and one-line refusals naming the bad key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from mock_support import in_process

from conformance.contract import openapi
from conformance.contract.vocabulary import usage
from conformance.mock import TenantConfigError, create_app, load_tenant
from conformance.mock.cli import mock as mock_cli
from conformance.mock.config import (
    DEFAULT_TENANT_PATH,
    AttemptLimits,
    AttributeConfig,
    Retention,
    UserFlowConfig,
    parse_tenant,
)
from conformance.mock.deviations import SWITCHES
from conformance.mock.validation import check_attributes

MINIMAL = """
[tenant]
subdomain = "fabrikam"

[[user_flows]]
name = "otp"
authentication_method = "email_otp"

[[applications]]
client_id = "aaaaaaaa-1111-2222-3333-444444444444"
name = "first"
user_flow = "otp"

[[applications]]
client_id = "{second}"
name = "second"
user_flow = "otp"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tenant.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_tenant_has_every_kind_of_app() -> None:
    """The bundled tenant serves password+SSPR+MFA, OTP, confidential and disabled apps."""
    tenant = load_tenant()
    flows = {app.name: tenant.flow_of(app) for app in tenant.applications}
    assert flows["password-mfa"].uses_password and flows["password-mfa"].sspr and flows["password-mfa"].mfa
    assert flows["otp"].authentication_method == "email_otp"
    assert [app.public for app in tenant.applications].count(False) == 1
    assert [app.native_auth for app in tenant.applications].count(False) == 1
    assert tenant.otp_length == 8 and tenant.lifetimes.continuation_token == 600
    assert tenant.retention == Retention() and tenant.attempt_limits == AttemptLimits() and tenant.origin is None


def test_bounds_limits_and_origin_are_read_from_the_tenant_file(tmp_path: Path) -> None:
    """`[retention]`, `[attempt_limits]` and `[tenant] origin` reach the tenant; absent keys keep their defaults."""
    text = MINIMAL.replace('subdomain = "fabrikam"', 'subdomain = "fabrikam"\norigin = "https://login.fabrikam.test/"')
    text += "\n[retention]\nflows = 20\noutbox_max_age = 0\n\n[attempt_limits]\nwrong_otp = 5\n"
    text += 'response = "temporarily_unavailable"\n'
    tenant = load_tenant(_write(tmp_path, text.format(second="bbbbbbbb-1111-2222-3333-444444444444")))
    assert tenant.retention == Retention(flows=20, outbox_max_age=0)
    assert tenant.attempt_limits == AttemptLimits(wrong_otp=5, response="temporarily_unavailable")
    assert tenant.attempt_limits.status is None and AttemptLimits().status == 429
    assert tenant.origin == "https://login.fabrikam.test"


def test_custom_tenant_is_served_under_its_subdomain(tmp_path: Path) -> None:
    """A tenant file's subdomain is the path prefix; the default tenant's prefix is then unknown."""
    app = create_app(load_tenant(_write(tmp_path, MINIMAL.format(second="bbbbbbbb-1111-2222-3333-444444444444"))))
    with in_process(app) as client:
        ok = client.post("/fabrikam.onmicrosoft.com" + openapi.path_of("signupStart"), data={
            "client_id": "aaaaaaaa-1111-2222-3333-444444444444", "challenge_type": usage().everything(),
            "username": "new@fabrikam.com"})
        assert ok.status_code == 200
        assert client.post("/contoso.onmicrosoft.com" + openapi.path_of("signupStart")).status_code == 404


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("{second}", "not-a-guid"),
         "tenant.toml: applications[1].client_id: not a GUID: 'not-a-guid'"),
        (lambda t: t.replace('user_flow = "otp"\n', 'user_flow = "nope"\n', 1),
         "tenant.toml: applications[0].user_flow: no user flow named 'nope'"),
        (lambda t: t.replace('name = "first"', 'name = "first"\ncolour = "blue"'),
         "tenant.toml: applications[0].colour: unknown key"),
        (lambda t: t.replace('authentication_method = "email_otp"', 'authentication_method = "sms"'),
         "tenant.toml: user_flows[0].authentication_method: must be one of email_otp, email_password; got 'sms'"),
        (lambda t: t.replace('authentication_method = "email_otp"', 'authentication_method = "email_otp"\nmfa = true'),
         "tenant.toml: user_flows[0].mfa: needs authentication_method = email_password"),
        (lambda t: t + '\n[lifetimes]\ncontinuation_token = "ten"\n',
         "tenant.toml: lifetimes.continuation_token: expected int, got str"),
        (lambda t: t + '\n[[user_flows.attributes]]\nname = "city"\nregex = ".*@.**$"\n',
         "tenant.toml: user_flows[0].attributes[0].regex: not a valid regular expression"),
        (lambda t: t.replace("{second}", "aaaaaaaa-1111-2222-3333-444444444444"),
         "tenant.toml: applications[1].client_id: duplicate client_id"),
        (lambda t: t + '\n[[users]]\nemail = "x@y.z"\n[[users.mfa_methods]]\nchannel = "sms"\ntarget = "123"\n',
         "tenant.toml: users[0].mfa_methods[0].target: not a phone number in E.164 form"),
        (lambda t: t + "\n[tenant\n", "tenant.toml: not valid TOML: "),
        (lambda t: t + "\n[retention]\nflows = 0\n",
         "tenant.toml: retention.flows: must be between 1 and 10000000; got 0"),
        (lambda t: t + "\n[retention]\noutbox_max_age = -1\n",
         "tenant.toml: retention.outbox_max_age: must be between 0 and 1000000000; got -1"),
        (lambda t: t + "\n[retention]\nflow = 10\n", "tenant.toml: retention.flow: unknown key (did you mean flows?)"),
        (lambda t: t + '\n[attempt_limits]\nwrong_otp = "3"\n',
         "tenant.toml: attempt_limits.wrong_otp: expected int, got str '3'"),
        (lambda t: t + "\n[attempt_limits]\nlockout_seconds = 0\n",
         "tenant.toml: attempt_limits.lockout_seconds: must be between 1 and 1000000000; got 0"),
        (lambda t: t + '\n[attempt_limits]\nresponse = "503"\n',
         "tenant.toml: attempt_limits.response: must be one of http_429, temporarily_unavailable; got '503'"),
        (lambda t: t.replace('subdomain = "fabrikam"', 'subdomain = "fabrikam"\norigin = "http://mock.test/base"'),
         "tenant.toml: tenant.origin: not an origin (scheme://host[:port], no path): 'http://mock.test/base'"),
    ],
    ids=["guid", "flow-ref", "unknown-key", "choice", "mfa-otp", "type", "regex", "duplicate", "phone", "syntax",
         "retention-count", "retention-age", "retention-key", "limit-type", "lockout", "throttle-response", "origin"],
)
def test_bad_tenant_file_is_refused_in_one_line(tmp_path: Path, edit, message: str) -> None:
    """A bad file is refused with one line: `file: key: problem`."""
    with pytest.raises(TenantConfigError) as caught:
        load_tenant(_write(tmp_path, edit(MINIMAL).replace("{second}", "bbbbbbbb-1111-2222-3333-444444444444")))
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_a_tenant_file_that_cannot_be_read_is_refused_in_one_line(tmp_path: Path) -> None:
    """A missing file and one that is not UTF-8 are refused as a profile is: `file: problem`, one line."""
    with pytest.raises(TenantConfigError, match=r"^nowhere\.toml: cannot read: No such file or directory$"):
        load_tenant(tmp_path / "nowhere.toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'[tenant]\nname = "Caf\xe9"\n')
    with pytest.raises(TenantConfigError, match=r"^latin\.toml: not UTF-8 text \(byte 0xe9 at offset \d+\)"):
        load_tenant(latin)


def test_unknown_deviation_in_tenant_is_refused() -> None:
    """Deviations named in the tenant file must exist."""
    data = tomllib.loads(DEFAULT_TENANT_PATH.read_text(encoding="utf-8"))
    data["deviations"] = ["teleport"]
    with pytest.raises(TenantConfigError, match="deviations: unknown deviation 'teleport'"):
        create_app(parse_tenant(data))


def test_cli_lists_deviations_and_refuses_bad_tenant(tmp_path: Path) -> None:
    """`mock deviations` prints one line per deviation; `mock serve` exits with the one-line config error."""
    runner = CliRunner()
    listing = runner.invoke(mock_cli, ["deviations"])
    assert listing.exit_code == 0 and len(listing.output.splitlines()) == len(SWITCHES)
    bad = _write(tmp_path, MINIMAL.format(second="xyz"))
    result = runner.invoke(mock_cli, ["serve", "--tenant", str(bad), "--port", "0"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: tenant.toml: applications[1].client_id: not a GUID: 'xyz'"


ONE_FLOW_TENANTS = Path(__file__).resolve().parents[2] / "examples" / "tenants"


@pytest.mark.parametrize(
    ("file", "flow_method"), [("otp-only.toml", "email_otp"), ("password-sspr.toml", "email_password")]
)
def test_the_one_flow_example_tenants_have_one_user_flow(file: str, flow_method: str) -> None:
    """examples/tenants/: one user flow each (no MFA), every application linked to it, attributes with data types."""
    tenant = load_tenant(ONE_FLOW_TENANTS / file)
    assert [(flow.authentication_method, flow.mfa) for flow in tenant.user_flows] == [(flow_method, False)]
    assert {attribute.type for attribute in tenant.user_flows[0].attributes} > {"string"}


@pytest.mark.parametrize(
    ("kind", "good", "bad"), [("boolean", "true", "Casey Jensen"), ("int", "34", "thirty-four")]
)
def test_a_typed_attribute_takes_only_values_of_its_type(kind: str, good: str, bad: str) -> None:
    """A Boolean attribute takes `true`/`false`, an Int digits; anything else is attribute_validation_failed (§7.4)."""
    flow = UserFlowConfig("f", "email_otp", attributes=(AttributeConfig("a", kind, required=True),))
    assert check_attributes(flow, {"a": good}).accepted == {"a": good}
    assert [item["name"] for item in check_attributes(flow, {"a": bad}).invalid] == ["a"]
