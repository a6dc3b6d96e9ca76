"""The benchmark scripts import their sibling modules by name, as `python benchmarks/server_load.py` lets them."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
