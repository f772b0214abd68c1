import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import ImproperlyConfiguredEnv, env_bool, env_int, env_str

ROOT = Path(__file__).resolve().parents[2]


def test_env_bool_refuses_a_typo(monkeypatch):
    monkeypatch.setenv("X_FLAG", "ture")
    with pytest.raises(ImproperlyConfiguredEnv):
        env_bool("X_FLAG")


def test_env_int_refuses_text(monkeypatch):
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfiguredEnv):
        env_int("X_NUM", 1)


def test_a_blank_variable_means_the_default(monkeypatch):
    monkeypatch.setenv("X_TEXT", "  ")
    assert env_str("X_TEXT", "fallback") == "fallback"
    monkeypatch.setenv("X_TEXT", "set")
    assert env_str("X_TEXT", "fallback") == "set"


def _manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "HTTPS"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True
    )


def test_production_settings_pass_the_deployment_check(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x" * 20 + "a-real-production-secret-of-decent-length-0123456789",
        ALLOWED_HOSTS="peixun.example.org",
        PEIXUN_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_debug_off_without_a_secret_refuses_to_start(tmp_path):
    result = _manage("check", DEBUG="0", PEIXUN_VAR_DIR=str(tmp_path))
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
