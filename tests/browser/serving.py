"""A real `streamlit run` of the dashboard on a free loopback port, for the browser tests
(conftest.py) and the benchmarks (benchmarks/server.py): one way to start it, wait until
it answers its health check, and stop it."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Served:
    url: str
    process: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db: Path, plan_dir: Path, data_dir: Path, log: Path, extra_args: tuple[str, ...] = (),
          startup_seconds: float = 120) -> Served:
    """`streamlit run dashboard.py` over `db`; returns once /_stcore/health answers. Raises
    RuntimeError with the server's log if it exits or is not healthy in time."""
    port = free_port()
    env = dict(os.environ, CIPDASH_DB=str(db), CIPDASH_PLAN_DIR=str(plan_dir), CIPDASH_DATA_DIR=str(data_dir))
    with open(log, "wb") as out:  # a file, not a pipe: a pipe nobody reads fills up and blocks the server
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", *extra_args],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    served = Served(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + startup_seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{served.log_tail()}")
        try:
            with urllib.request.urlopen(f"{served.url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return served
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop(served)
            raise RuntimeError(f"streamlit did not become healthy in {startup_seconds:.0f}s:\n{served.log_tail()}")
        time.sleep(0.2)


def stop(served, wait: float = 15) -> None:
    """Stop a server started by serve() (anything with its `process`)."""
    if served.process.poll() is None:
        served.process.terminate()
        try:
            served.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            served.process.kill()
            served.process.wait(timeout=wait)
