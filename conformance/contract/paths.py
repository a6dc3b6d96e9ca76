"""Where the contract data lives: `specs/` and `schemas/` under the repository root."""

from __future__ import annotations

import os
from pathlib import Path

#: Repository root; `CONFORMANCE_SPEC_ROOT` points the package at another checkout of `specs/` + `schemas/`.
REPO_ROOT = Path(os.environ.get("CONFORMANCE_SPEC_ROOT") or Path(__file__).resolve().parents[2])
SPECS_DIR = REPO_ROOT / "specs"
SCHEMAS_DIR = REPO_ROOT / "schemas"
EXAMPLES_DIR = SPECS_DIR / "examples"
OPENAPI_PATH = SPECS_DIR / "native-auth.openapi.yaml"
