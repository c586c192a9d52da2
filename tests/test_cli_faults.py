"""A fault of ours in a command (not a problem in the input) ends with exit 2 and a plain
sentence on standard error, never a traceback; exit 1 stays "the input has problems"."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAULT = """
import runpy, cipdash.cli
def broken(argv=None):
    raise RuntimeError("the image renderer fell over")
cipdash.cli.main = broken
runpy.run_module("cipdash", run_name="__main__")
"""


def run(env_extra: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CIPDASH_SHOW_ERRORS"} | env_extra
    return subprocess.run([sys.executable, "-c", FAULT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_a_fault_is_exit_2_with_a_sentence_and_no_traceback():
    out = run({})
    assert out.returncode == 2, out.stderr
    assert "The command could not finish: RuntimeError: the image renderer fell over" in out.stderr
    assert "Traceback" not in out.stderr and 'File "' not in out.stderr


def test_with_show_errors_the_traceback_is_there_for_whoever_looks():
    out = run({"CIPDASH_SHOW_ERRORS": "1"})
    assert out.returncode == 1 and "Traceback" in out.stderr
