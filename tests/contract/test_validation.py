"""`conformance spec validate` passes on this checkout and names the problem in a broken one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conformance.contract import paths

CLI = [sys.executable, "-c", "from conformance.cli import main; main()", "spec", "validate"]


def _validate(root: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONFORMANCE_SPEC_ROOT": str(root)} if root else dict(os.environ)
    return subprocess.run(CLI, capture_output=True, text=True, env=env, timeout=120, check=False)


def test_this_specification_is_valid() -> None:
    result = _validate()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "specification valid"


def test_an_error_value_missing_from_the_table_is_named(tmp_path: Path) -> None:
    for name in ("specs", "schemas"):
        shutil.copytree(paths.REPO_ROOT / name, tmp_path / name)
    table = tmp_path / "specs" / "errors.yaml"
    text = table.read_text(encoding="utf-8")
    table.write_text(text.replace("error: user_already_exists", "error: user_exists_already", 1), encoding="utf-8")
    result = _validate(tmp_path)
    assert result.returncode == 1
    assert "error: " in result.stderr and "user_exists_already" in result.stderr


def test_an_unknown_condition_is_named(tmp_path: Path) -> None:
    for name in ("specs", "schemas"):
        shutil.copytree(paths.REPO_ROOT / name, tmp_path / name)
    vocabulary = tmp_path / "specs" / "conditions.yaml"
    text = vocabulary.read_text(encoding="utf-8")
    vocabulary.write_text(text.replace("fallback: invalid_parameter", "fallback: nothing_like_it", 1), encoding="utf-8")
    result = _validate(tmp_path)
    assert result.returncode == 1
    assert "conditions: conditions.yaml: condition unknown_client: fallback: unknown condition 'nothing_like_it'" in (
        result.stderr
    )
