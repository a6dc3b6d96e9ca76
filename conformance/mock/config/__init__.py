"""The mock tenant's configuration: its types (`model`) and the TOML tenant file they are read from (`reader`)."""

from conformance.mock.config.model import (
    AppConfig,
    AttemptLimits,
    AttributeConfig,
    Lifetimes,
    MfaMethodSeed,
    PasswordPolicy,
    Retention,
    TenantConfig,
    UserFlowConfig,
    UserSeed,
)
from conformance.mock.config.reader import (
    DEFAULT_TENANT_PATH,
    TenantConfigError,
    load_tenant,
    parse_tenant,
    user_from_mapping,
)

__all__ = [
    "DEFAULT_TENANT_PATH",
    "AppConfig",
    "AttemptLimits",
    "AttributeConfig",
    "Lifetimes",
    "MfaMethodSeed",
    "PasswordPolicy",
    "Retention",
    "TenantConfig",
    "TenantConfigError",
    "UserFlowConfig",
    "UserSeed",
    "load_tenant",
    "parse_tenant",
    "user_from_mapping",
]
