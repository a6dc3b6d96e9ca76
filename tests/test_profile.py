"""Target profiles: the examples load, every kind of mistake is one line naming the key, secrets never show."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.contract import openapi
from conformance.otp import CommandSource, ImapSource, OutboxSource, otp_source_from_profile
from conformance.profile import (
    CommandOtp,
    ImapOtp,
    OutboxOtp,
    ProfileError,
    Secret,
    load_profile,
    mock_profile,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "targets"
STAGING_ENV = {
    "QA_PASSWORD_USER_PASSWORD": "s3cret-user",
    "QA_IMAP_USERNAME": "qa",
    "QA_IMAP_PASSWORD": "s3cret-imap",
}
MOCK_HTTP_ENV = {
    "MOCK_CASEY_PASSWORD": "Casey-Pass-2026!",
    "MOCK_ROBIN_PASSWORD": "Robin-Pass-2026!",
    "MOCK_BLOCKED_PASSWORD": "Blocked-Pass-2026!",
}

Writer = Callable[[str], Path]
METHOD = 'auth_method = "email_password"'
START = openapi.path_of("signupStart")
GUID = "00001111-aaaa-2222-bbbb-3333cccc4444"
CLIENT_ID = f'client_id = "{GUID}"'
IMAP = 'type = "imap"\nhost = "imap.example.com"\nusername_env = "HOME"\npassword_env = "HOME"'
MINIMAL = """\
base_url = "https://contoso.ciamlogin.com/contoso.onmicrosoft.com"
client_id = "00001111-aaaa-2222-bbbb-3333cccc4444"

[tenant]
auth_method = "email_password"

[signup]
address_template = "qa+{id}@example.com"

[otp]
type = "command"
argv = ["print-code"]
"""


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Writer:
    """Write a profile as `profile.toml` in a fresh working directory and return its (relative) path."""
    monkeypatch.chdir(tmp_path)

    def _write(text: str) -> Path:
        path = Path("profile.toml")
        path.write_text(text)
        return path

    return _write


def test_complete_example_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    """`staging.example.toml` uses every section and loads into the documented shape."""
    for name, value in STAGING_ENV.items():
        monkeypatch.setenv(name, value)
    profile = load_profile(EXAMPLES / "staging.example.toml")
    assert profile.name == "contoso-staging"
    assert profile.base_url == "https://contoso.ciamlogin.com/contoso.onmicrosoft.com"
    assert profile.scopes == ("openid", "offline_access")
    assert (profile.tenant.auth_method, profile.tenant.sspr, profile.tenant.otp_length) == ("email_password", True, 8)
    assert [a.input_type for a in profile.tenant.attributes] == ["TextBox", "TextBox", "CheckboxMultiSelect"]
    assert profile.users[0].password is not None and profile.users[0].password.reveal() == "s3cret-user"
    assert profile.users[1].password is None
    assert [u.interaction_required for u in profile.users] == [False, False]
    assert (profile.tenant.sms_blocked_by_admin, profile.tenant.sms_blocked_by_rep) == ("+79161234567", None)
    assert isinstance(profile.otp, ImapOtp)
    assert (profile.otp.port, profile.otp.ssl, profile.otp.mailbox) == (993, True, "INBOX")
    assert profile.otp.password.reveal() == "s3cret-imap"
    assert profile.control_url is None
    assert profile.signup.address("run1-0") == "qa+run1-0@example.com"
    assert isinstance(otp_source_from_profile(profile), ImapSource)
    assert "s3cret" not in repr(profile)


def test_mock_http_example_describes_the_bundled_mock(monkeypatch: pytest.MonkeyPatch) -> None:
    """`mock-http.toml` says what `mock_profile` reads from the mock's default tenant, so the two cannot drift."""
    for name, value in MOCK_HTTP_ENV.items():
        monkeypatch.setenv(name, value)
    example = load_profile(EXAMPLES / "mock-http.toml")
    built = mock_profile("http://127.0.0.1:8765/contoso.onmicrosoft.com", "http://127.0.0.1:8765")
    assert example.tenant == built.tenant
    assert example.apps() == built.apps()
    assert example.base_url == built.base_url and example.control_url == built.control_url
    ids = ("client_id", "second_client_id", "confidential_client_id", "disabled_client_id")
    assert [getattr(example, key) for key in ids] == [getattr(built, key) for key in ids]
    assert [(u.email, u.auth_method, u.mfa_methods, u.interaction_required) for u in example.users] == [
        (u.email, u.auth_method, u.mfa_methods, u.interaction_required) for u in built.users
    ]
    assert [u.password.reveal() for u in example.users if u.password] == [
        u.password.reveal() for u in built.users if u.password
    ]
    assert example.limits.continuation_token_lifetime_s == built.limits.continuation_token_lifetime_s
    assert isinstance(example.otp, CommandOtp)
    assert isinstance(otp_source_from_profile(example), CommandSource)


def test_mock_profile_reads_the_bundled_tenant() -> None:
    """The embedded mock's profile: outbox OTPs, the control API, unpaced, secrets shown by label only."""
    profile = mock_profile("http://mock.embedded/contoso.onmicrosoft.com/", "http://mock.embedded")
    assert profile.base_url == "http://mock.embedded/contoso.onmicrosoft.com"
    assert profile.otp == OutboxOtp("http://mock.embedded", timeout_s=5.0, poll_interval_s=0.02)
    assert profile.control_url == "http://mock.embedded"
    assert profile.pacing.requests_per_second == 0
    assert profile.client_id == "00001111-aaaa-2222-bbbb-3333cccc4444"
    assert profile.confidential_client_id == "33334444-dddd-5555-eeee-6666ffff7777"
    assert profile.disabled_client_id == "44445555-eeee-6666-ffff-7777aaaa8888"
    assert (profile.tenant.sms_blocked_by_admin, profile.tenant.sms_blocked_by_rep) == ("+79161234567", "+14255550199")
    assert [u.email for u in profile.users if u.interaction_required] == ["blocked@contoso.com"]
    user = profile.users[0]
    assert user.password is not None and repr(user.password) == f"Secret('mock:{user.email}')"
    assert isinstance(otp_source_from_profile(profile), OutboxSource)


def test_minimal_profile_takes_the_defaults(write: Writer) -> None:
    """Optional keys default as documented; the name defaults to the file's stem."""
    profile = load_profile(write(MINIMAL))
    assert profile.name == "profile"
    assert profile.scopes == ("openid", "offline_access")
    assert profile.second_client_id is None and profile.users == () and profile.expected_deviations == ()
    assert (profile.pacing.requests_per_second, profile.pacing.max_retries) == (2.0, 3)
    assert profile.limits.continuation_token_lifetime_s is None
    assert profile.otp == CommandOtp(argv=("print-code",))


def test_severity_makes_soft_rules_strict_or_turns_them_off(write: Writer) -> None:
    """`[severity]` names bases or rules that are not documented: strict ones fail, off ones are not checked, the
    rest warn; documented rules always fail."""
    from conformance.verdicts import Severity

    default = load_profile(write(MINIMAL)).severity
    assert default.severity("R-CORRELATION-HEADERS") is Severity.WARNING  # observed
    assert default.severity("G-token.invalid_grant") is Severity.WARNING  # inferred (Seed002)
    assert default.severity("R-TOKEN-EXPIRY") is Severity.FAILURE  # documented
    strict = load_profile(write(MINIMAL + '[severity]\nstrict = ["observed"]\noff = ["R-CORRELATION-ECHO"]\n'))
    assert strict.severity.severity("R-CORRELATION-HEADERS") is Severity.FAILURE
    assert strict.severity.severity("G-token.invalid_grant") is Severity.WARNING
    assert strict.severity.severity("R-CORRELATION-ECHO") is None
    assert strict.severity.severity("E1.user_already_exists") is Severity.FAILURE


MISTAKES = [
    ("clientid = 'x'\n", "clientid: unknown key (did you mean client_id?)"),
    ("[pacing]\nrequests_per_secnd = 1\n", "pacing.requests_per_secnd: unknown key (did you mean requests_per_second"),
    ("expected_deviations = [1]\n", "expected_deviations[0]: expected a non-empty string, got 1"),
    ("[limits]\ncontinuation_token_lifetime_s = 0\n", "limits.continuation_token_lifetime_s: must be at least 1"),
    ("[pacing]\nrequests_per_second = -1\n", "pacing.requests_per_second: must be at least 0; got -1"),
    ("[pacing]\nmax_retries = 1.5\n", "pacing.max_retries: expected int, got float 1.5"),
    ("[control]\nurl = 'localhost:8765'\n", "control.url: expected an http(s) URL without query or fragment"),
    (
        "[[users]]\nemail = 'a@example.com'\nmfa_methods = ['voice']\npassword_env = 'HOME'\n",
        "users[0].mfa_methods[0]: must be one of email, sms; got 'voice'",
    ),
    (
        "[[users]]\nemail = 'a@example.com'\nauth_method = 'email_otp'\npassword_env = 'HOME'\n",
        'users[0].password_env: only for auth_method = "email_password" users',
    ),
    ("[[users]]\nemail = 'not-an-address'\npassword_env = 'HOME'\n", "users[0].email: not an email address: 'not-an"),
    ("[[users]]\nemail = 'a@example.com'\n", "users[0].password_env: missing"),
    (
        "[[users]]\nemail = 'a@example.com'\npassword_env = 'HOME'\ninteraction_required = 'yes'\n",
        "users[0].interaction_required: expected bool, got str 'yes'",
    ),
    ("[severity]\nstrict = ['documented']\n", "severity.strict[0]: documented rules always fail"),
    ("[severity]\nstrict = ['R-TOKEN-EXPIRY']\n", "severity.strict[0]: R-TOKEN-EXPIRY is a documented rule"),
    ("[severity]\noff = ['E1.user_already_exists']\n", "severity.off[0]: E1.user_already_exists is a documented"),
    ("[severity]\noff = ['R-NO-SUCH']\n", "severity.off[0]: 'R-NO-SUCH' is neither observed, inferred nor"),
    ("[severity]\nstrict = ['observed']\noff = ['observed']\n", "severity.off: observed is also in strict"),
    ("[severity]\nstrict = 'observed'\n", "severity.strict: expected"),
    ("[severity]\nstrikt = []\n", "severity.strikt: unknown key (did you mean strict?)"),
]


@pytest.mark.parametrize(("extra", "message"), MISTAKES)
def test_mistake_is_one_line_naming_the_key(write: Writer, extra: str, message: str) -> None:
    """Each kind of mistake (unknown key, wrong type, out of range, bad value) names the file and the key."""
    top, tables = MINIMAL.split("\n[tenant]", 1)
    text = (top + extra + "\n[tenant]" + tables) if not extra.startswith("[") else MINIMAL + extra
    with pytest.raises(ProfileError) as raised:
        load_profile(write(text))
    assert str(raised.value).startswith(f"profile.toml: {message}")
    assert "\n" not in str(raised.value)


REPLACEMENTS = [
    ('client_id = "00001111-aaaa-2222-bbbb-3333cccc4444"\n', "", "client_id: missing"),
    (METHOD, 'auth_method = "sms"', "tenant.auth_method: must be one of email_otp, email_password; got 'sms'"),
    (METHOD, METHOD + '\notp_length = "8"',
     "tenant.otp_length: expected int, got str '8'"),
    (METHOD, METHOD + '\notp_length = true',
     "tenant.otp_length: expected int, got bool True"),
    (METHOD, METHOD + '\nsspr = "yes"', "tenant.sspr: expected bool"),
    (METHOD, 'auth_method = "email_otp"\nsspr = true', 'tenant.sspr: needs auth_method = "email_password"'),
    (METHOD, METHOD + '\nsms_blocked_by_admin = "79161234567"',
     "tenant.sms_blocked_by_admin: not a phone number in E.164 form"),
    (METHOD, METHOD + "\nsms_blocked_by_rep = 14255550199", "tenant.sms_blocked_by_rep: expected str, got int"),
    (METHOD, METHOD + '\n[[tenant.attributes]]\nname = "x"\nregex = "("',
     "tenant.attributes[0].regex: not a valid regular expression"),
    (METHOD, METHOD + '\n[[tenant.attributes]]\nname = "lang"\ninput_type = "SingleRadioSelect"',
     "tenant.attributes[0].options: required for SingleRadioSelect"),
    (METHOD, METHOD + '\n[[tenant.attributes]]\nname = "a"\ninput = "x"',
     "tenant.attributes[0].input: unknown key (did you mean input_type?)"),
    (METHOD, METHOD + '\n[[tenant.attributes]]\nname = "a"\ntype = "Float"',
     "tenant.attributes[0].type: must be one of string, boolean, int, datetime, stringcollection (or Text), in any "
     "case"),
    ("contoso.onmicrosoft.com\"", f"contoso.onmicrosoft.com{START}\"",
     f"base_url: give the part before {START} (the tenant's base URL)"),
    ('"qa+{id}@example.com"', '"qa@example.com"', "signup.address_template: must be an email address containing {id}"),
    ('"qa+{id}@example.com"', '"qa+{id}{run}@example.com"', "signup.address_template: must be an email address"),
    ('type = "command"', 'type = "pop3"', "otp.type: must be one of outbox, imap, command; got 'pop3'"),
    ('argv = ["print-code"]', "argv = []", "otp.argv: must name a command"),
    ('argv = ["print-code"]', 'argv = ["print-code"]\ntimeout_s = "soon"', "otp.timeout_s: expected int or float"),
    ('type = "command"\nargv = ["print-code"]', 'type = "imap"\nusername_env = "HOME"\npassword_env = "HOME"',
     "otp.host: missing"),
    ('type = "command"\nargv = ["print-code"]', 'type = "outbox"', "otp.control_url: missing"),
    ("[tenant]\nauth_method = \"email_password\"\n", "", "tenant: missing"),
    ("[tenant]", "tenant = 1\n[x]", "tenant: expected dict, got int 1"),
    ('base_url = "', 'base_url = "https://x.example.com\nbroken = "', "not valid TOML: "),
    ('argv = ["print-code"]', 'argv = ["print-code"]\ntimeout_s = inf',
     "otp.timeout_s: must be a finite number; got inf"),
    ('argv = ["print-code"]', 'argv = ["print-code"]\npoll_interval_s = nan',
     "otp.poll_interval_s: must be a finite number; got nan"),
    ('argv = ["print-code"]', 'argv = ["print-code"]\n[pacing]\nmax_retry_after_s = -inf',
     "pacing.max_retry_after_s: must be a finite number; got -inf"),
    ('argv = ["print-code"]', 'argv = ["print-code"]\n[pacing]\nrequest_timeout_s = 0',
     "pacing.request_timeout_s: must be at least 0.1; got 0"),
    (CLIENT_ID, 'client_id = "my-app"',
     f"client_id: not a GUID (an application (client) ID is like {GUID}); got 'my-app'"),
    (CLIENT_ID, f'client_id = "{GUID}\\n"', "client_id: not a GUID"),
    (CLIENT_ID, f'{CLIENT_ID}\nsecond_client_id = "contoso-app"', "second_client_id: not a GUID"),
    (CLIENT_ID, f'{CLIENT_ID}\ndisabled_client_id = "{GUID[:-1]}"', "disabled_client_id: not a GUID"),
    ('argv = ["print-code"]', 'argv = ["print-code"]\n[[applications]]\nname = "otp"\nclient_id = "otp-app"\n'
     '[applications.tenant]\nauth_method = "email_otp"', "applications[0].client_id: not a GUID"),
    ('type = "command"\nargv = ["print-code"]', f'{IMAP}\nstarttls = true', "otp.starttls: only with ssl = false"),
    ('type = "command"\nargv = ["print-code"]', f'{IMAP}\nca_file = "nowhere.pem"',
     "otp.ca_file: no readable file at 'nowhere.pem'"),
]


@pytest.mark.parametrize(("old", "new", "message"), REPLACEMENTS)
def test_malformed_value_is_one_line_naming_the_key(write: Writer, old: str, new: str, message: str) -> None:
    """Missing keys, wrong types, bad choices and cross-field conflicts each give one line naming the key."""
    assert old in MINIMAL
    with pytest.raises(ProfileError) as raised:
        load_profile(write(MINIMAL.replace(old, new, 1)))
    assert str(raised.value).startswith(f"profile.toml: {message}")
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    "extra",
    [
        "[[users]]\nemail = 'qa@example.com'\npassword = 'hunter2-secret'\n",
        "password = 'hunter2-secret'\n",
    ],
)
def test_password_in_the_file_is_refused(write: Writer, extra: str) -> None:
    """A literal password is refused wherever it appears, with a message pointing at password_env."""
    with pytest.raises(ProfileError) as raised:
        load_profile(write(MINIMAL.replace('argv = ["print-code"]\n', 'argv = ["print-code"]\n' + extra)))
    message = str(raised.value)
    assert "password: passwords never go in a profile; name an environment variable with password_env" in message
    assert "hunter2" not in message


def test_unset_environment_variable_is_named(write: Writer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A profile naming an unset variable fails at load with the file, the key and the variable."""
    monkeypatch.delenv("QA_PASSWORD", raising=False)
    path = write(MINIMAL + "\n[[users]]\nemail = 'qa@example.com'\npassword_env = 'QA_PASSWORD'\n")
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    assert str(raised.value) == "profile.toml: users[0].password_env: environment variable QA_PASSWORD is not set"


def test_a_profile_that_is_not_utf8_is_one_line(write: Writer) -> None:
    """A profile saved in another encoding (Latin-1 here) is refused in one line saying where, not a traceback."""
    path = write("")
    path.write_bytes(MINIMAL.encode() + 'name = "Contoso Qualität"\n'.encode("latin-1"))
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    offset = len(MINIMAL.encode()) + len('name = "Contoso Qualit')
    assert str(raised.value) == (
        f"profile.toml: not UTF-8 text (byte 0xe4 at offset {offset}); save the file as UTF-8"
    )


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ("ssl = false", "only with ssl = true or starttls = true"),
        ("", "not a PEM file of CA certificates"),
    ],
)
def test_an_unusable_ca_file_is_one_line(write: Writer, settings: str, problem: str) -> None:
    """`ca_file` names a PEM file of CA certificates, relative to the profile, for a TLS connection."""
    Path("ca.pem").write_text("not a certificate\n")
    text = MINIMAL.replace('type = "command"\nargv = ["print-code"]', f'{IMAP}\n{settings}\nca_file = "ca.pem"')
    with pytest.raises(ProfileError) as raised:
        load_profile(write(text))
    assert str(raised.value).startswith(f"profile.toml: otp.ca_file: {problem}")
    assert "\n" not in str(raised.value)


def test_missing_file_is_one_line(write: Writer) -> None:
    """A path that does not exist is a ProfileError naming it."""
    with pytest.raises(ProfileError, match=r"^nowhere\.toml: cannot read: No such file or directory$"):
        load_profile("nowhere.toml")


def test_secret_is_resolved_lazily_and_never_shown(write: Writer, monkeypatch: pytest.MonkeyPatch) -> None:
    """`repr`/`str`/f-strings show the variable's name; `reveal` reads it now; unset later → same one-line error."""
    monkeypatch.setenv("QA_PASSWORD", "first-value")
    profile = load_profile(write(MINIMAL + "\n[[users]]\nemail = 'qa@example.com'\npassword_env = 'QA_PASSWORD'\n"))
    secret = profile.users[0].password
    assert isinstance(secret, Secret)
    assert repr(secret) == str(secret) == f"{secret}" == "Secret('QA_PASSWORD')"
    monkeypatch.setenv("QA_PASSWORD", "rotated-value")
    assert secret.reveal() == "rotated-value"
    assert "first-value" not in repr(profile) and "rotated-value" not in repr(profile)
    monkeypatch.delenv("QA_PASSWORD")
    with pytest.raises(ProfileError) as raised:
        secret.reveal()
    assert str(raised.value) == "profile.toml: users[0].password_env: environment variable QA_PASSWORD is not set"


def test_attribute_types_take_the_docs_vocabulary(write: Writer):
    """`type` is read in the docs' words (S1 `string`, S13 `Text`/`Boolean`, S15 `Int`), in any case."""
    attributes = "".join(
        f'\n[[tenant.attributes]]\nname = "a{i}"\ntype = "{kind}"' for i, kind in enumerate(("Text", "Boolean", "INT"))
    )
    profile = load_profile(write(MINIMAL.replace(METHOD, METHOD + attributes)))
    assert [a.type for a in profile.tenant.attributes] == ["string", "boolean", "int"]


def test_input_types_take_the_portals_name(write: Writer):
    """`input_type` also takes the portal's and Graph's `RadioSingleSelect` (api-reference.md §7.4), read as the
    documented `SingleRadioSelect`, which chooses among `options`."""
    attribute = '\n[[tenant.attributes]]\nname = "lang"\ninput_type = "RadioSingleSelect"\noptions = ["nb", "en"]'
    profile = load_profile(write(MINIMAL.replace(METHOD, METHOD + attribute)))
    assert profile.tenant.attributes[0].input_type == "SingleRadioSelect"
