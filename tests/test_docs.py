"""The docs that are generated from the program stay true to it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_options_reference_matches_the_real_help_of_every_command() -> None:
    answer = subprocess.run([sys.executable, str(ROOT / "tools" / "cli_reference.py"), "--check"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert answer.returncode == 0, answer.stderr
