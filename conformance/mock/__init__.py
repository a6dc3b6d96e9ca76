"""The mock tenant: a stateful, documentation-faithful native-authentication server (Starlette ASGI)."""

from conformance.mock.app import create_app
from conformance.mock.config import TenantConfig, TenantConfigError, load_tenant

__all__ = ["TenantConfig", "TenantConfigError", "create_app", "load_tenant"]
