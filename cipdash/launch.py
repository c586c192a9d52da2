"""How bin/run-dashboard starts Streamlit: on this machine only unless sign-in is set up.

- Without `[auth]` in the secrets file the dashboard listens on 127.0.0.1, and asking for
  any other address is refused (exit 2) unless explicitly allowed with
  `--allow-no-sign-in` (or CIPDASH_ALLOW_NO_SIGN_IN=1), which prints a warning.
- The server takes only the host names it is reached by (`server.allowedHosts`, against
  DNS rebinding): CIPDASH_ALLOWED_HOSTS (comma-separated), else the host of `[auth]
  redirect_uri`, plus localhost and 127.0.0.1; beyond loopback a name is required.

`python -m cipdash.launch [--address ADDR] [--allow-no-sign-in] [streamlit options]`.
"""
from __future__ import annotations

import ipaddress
import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SECRETS = PROJECT_DIR / ".streamlit" / "secrets.toml"
LOOPBACK_ADDRESS = "127.0.0.1"
EXIT_REFUSED = 2
WARNING = ("WARNING: serving beyond this machine WITHOUT SIGN-IN (--allow-no-sign-in). Anyone who can reach "
           "{address} can read every figure and upload files. Set up sign-in instead (README: Sign-in).")
REFUSAL = ("Refusing to listen on {address} without sign-in: anyone who could reach it could read and change the "
           "data. Set up sign-in ([auth] in {secrets}; README: Sign-in), or listen on 127.0.0.1 (the default), "
           "or, knowing the risk, pass --allow-no-sign-in.")


class LaunchRefused(Exception):
    pass


@dataclass
class Launch:
    streamlit_args: list[str]
    warnings: list[str] = field(default_factory=list)


def is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def read_auth(secrets: Path) -> dict | None:
    """The [auth] section of the secrets file, or None when there is none (or no file)."""
    try:
        data = tomllib.loads(secrets.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LaunchRefused(f"{secrets} cannot be read ({exc}); fix it or remove it.")
    auth = data.get("auth")
    return auth if isinstance(auth, dict) and auth else None


def plan(argv: list[str], env: dict[str, str]) -> Launch:
    """The options to run Streamlit with, or LaunchRefused."""
    rest: list[str] = []
    address = env.get("CIPDASH_ADDRESS") or LOOPBACK_ADDRESS
    allow = env.get("CIPDASH_ALLOW_NO_SIGN_IN", "") == "1"
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("--address", "--server.address") and i + 1 < len(argv):
            address, i = argv[i + 1], i + 2
            continue
        if arg.startswith(("--address=", "--server.address=")):
            address, i = arg.split("=", 1)[1], i + 1
            continue
        if arg == "--allow-no-sign-in":
            allow, i = True, i + 1
            continue
        rest.append(arg)
        i += 1
    secrets = Path(env.get("CIPDASH_SECRETS") or DEFAULT_SECRETS)
    auth = read_auth(secrets)
    launch = Launch(["--server.headless", "true", "--server.address", address])
    if secrets != DEFAULT_SECRETS:
        launch.streamlit_args += ["--secrets.files", str(secrets)]
    hosts = [h.strip() for h in env.get("CIPDASH_ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not hosts and auth is not None and auth.get("redirect_uri"):
        hosts = [urlparse(str(auth["redirect_uri"])).hostname or ""]
    hosts = [h for h in hosts if h]
    if not is_loopback(address):
        if auth is None:
            if not allow:
                raise LaunchRefused(REFUSAL.format(address=address, secrets=secrets))
            launch.warnings.append(WARNING.format(address=address))
        if not hosts:
            raise LaunchRefused(f"Listening on {address}: name the host names people will use in "
                                f"CIPDASH_ALLOWED_HOSTS (comma-separated), e.g. dashboard.council.gov.uk, so that "
                                f"no other site can reach the dashboard through DNS rebinding.")
    # Always a list of the names the dashboard answers to (on loopback too: a DNS-rebinding
    # page aims at exactly a service on localhost); localhost stays for the health check.
    for host in dict.fromkeys(hosts + ["localhost", "127.0.0.1"]):
        launch.streamlit_args += ["--server.allowedHosts", host]
    launch.streamlit_args += rest
    return launch


def main(argv: list[str] | None = None) -> int:
    try:
        launch = plan(list(sys.argv[1:] if argv is None else argv), dict(os.environ))
    except LaunchRefused as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REFUSED
    for warning in launch.warnings:
        print(warning, file=sys.stderr)
    os.chdir(PROJECT_DIR)
    command = [sys.executable, "-m", "streamlit", "run", "dashboard.py", *launch.streamlit_args]
    os.execv(sys.executable, command)
    return 0  # not reached: the process is Streamlit now


if __name__ == "__main__":
    sys.exit(main())
