"""Where the contract data lives: `specs/` and `schemas/`, beside this module in a wheel, else in the checkout.

The package never reads anything else from outside itself at run time.
"""

from __future__ import annotations

import os
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_SHIPPED = _HERE if (_HERE / "specs").is_dir() else _HERE.parents[1]

#: The folder holding `specs/` and `schemas/` (the repository root in a checkout); `CONFORMANCE_SPEC_ROOT` points the
#: package at another one.
REPO_ROOT = Path(os.environ.get("CONFORMANCE_SPEC_ROOT") or _SHIPPED)
SPECS_DIR = REPO_ROOT / "specs"
SCHEMAS_DIR = REPO_ROOT / "schemas"
EXAMPLES_DIR = SPECS_DIR / "examples"
OPENAPI_PATH = SPECS_DIR / "native-auth.openapi.yaml"
