"""The container image (issue 15): built with no image registry and smoke-tested.

tools/build_container.sh makes a Debian base image with debootstrap, builds the
Dockerfile on it and checks that the image (a) refuses to serve beyond the container
without sign-in, exit 2, and (b) with [auth] in a mounted secrets file answers
/_stcore/health and is reported healthy by Docker's HEALTHCHECK, as a non-root user.

It takes ~5 minutes the first time (debootstrap ~160 s, build ~100 s) and ~3 once the base
image exists, so it is out of the default run: set CIPDASH_CONTAINER_TEST=1 to run it (as
root, with Debian's docker.io and debootstrap installed).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "build_container.sh"


def _why_not() -> str | None:
    if os.environ.get("CIPDASH_CONTAINER_TEST") != "1":
        return "slow (~3-5 min): set CIPDASH_CONTAINER_TEST=1 to build and smoke-test the container image"
    missing = [t for t in ("docker", "dockerd", "debootstrap") if shutil.which(t) is None]
    if missing:
        return f"{', '.join(missing)} missing: apt-get install docker.io debootstrap"
    if os.geteuid() != 0:
        return "debootstrap and dockerd need root"
    return None


@pytest.mark.skipif(_why_not() is not None, reason=_why_not() or "")
def test_the_image_builds_refuses_without_sign_in_and_is_healthy_with_it():
    done = subprocess.run(["bash", str(SCRIPT)], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert "refused, exit 2: Refusing to listen on 0.0.0.0 without sign-in" in out
    assert "GET /_stcore/health -> ok" in out
    assert "user in the container: cipdash (uid 10001)" in out
    assert "docker HEALTHCHECK: healthy" in out
    assert "Chromium" in out
