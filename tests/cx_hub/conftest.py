"""Run `manage.py` (or Python) in a fresh process with exactly the environment a test gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PROJECT_ROOT = Path(settings.BASE_DIR)

# Only these pass from the test run to the child: whatever configures CX Hub is left behind.
PASSED_THROUGH = ("PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "SYSTEMROOT", "VIRTUAL_ENV")


@pytest.fixture
def run_child(tmp_path):
    """`run_child(args, **env)`: run `python <args>` in the project folder and return the result.

    The child starts from the embedded default (a throw-away SQLite file, no Redis) plus `env`;
    pass a value of None to leave a variable unset.
    """

    def run(args: list[str], timeout: float = 60, **env: str | None) -> subprocess.CompletedProcess:
        child_env = {k: os.environ[k] for k in PASSED_THROUGH if k in os.environ}
        child_env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'child.sqlite3'}"
        child_env["DJANGO_SETTINGS_MODULE"] = "cx_hub.settings"
        for name, value in env.items():
            if value is None:
                child_env.pop(name, None)
            else:
                child_env[name] = value
        return subprocess.run(
            [sys.executable, *args],
            cwd=PROJECT_ROOT,
            env=child_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


@pytest.fixture
def manage(run_child):
    """`manage("check", "--deploy", DEBUG="false", ...)` runs manage.py in a child process."""

    def run(*args: str, **env: str | None) -> subprocess.CompletedProcess:
        return run_child(["manage.py", *args], **env)

    return run
