"""A failing browser test leaves a screenshot behind: run one that fails on purpose, in a child
pytest with the browser plugin, and look for the PNG it left."""

import os
import subprocess
import sys

import pytest

from .browser import ROOT

pytestmark = pytest.mark.e2e

FAILING_TEST = """
def test_fails_on_purpose(page):
    page.set_content("<h1>故意失败</h1>")
    assert page.inner_text("h1") == "不是这个"
"""


def test_a_failing_browser_test_saves_a_screenshot(tmp_path):
    (tmp_path / "test_fails.py").write_text(FAILING_TEST, encoding="utf-8")
    artifacts = tmp_path / "artifacts"

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.e2e.browser",
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            str(tmp_path / "test_fails.py"),
        ],
        cwd=ROOT,
        env={**os.environ, "E2E_ARTIFACTS": str(artifacts)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1, result.stdout + result.stderr  # exactly: tests failed
    shots = list(artifacts.glob("*.png"))
    assert [s.name for s in shots] == ["test_fails.py_test_fails_on_purpose.png"]
    assert shots[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
