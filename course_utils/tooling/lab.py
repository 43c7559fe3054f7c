"""Start JupyterLab on the notebooks, safely: localhost and a token by default.

``make lab`` runs ``python -m course_utils.tooling.lab``. Environment variables:

- ``JUPYTER_HOST`` (default ``127.0.0.1``): set it to ``0.0.0.0`` only when you mean to
  serve other machines (a lab server, a container); the token still protects it.
- ``JUPYTER_PORT`` (default 8888).
- ``JUPYTER_TOKEN``: a token of your choosing; when unset a random one is made. An
  empty token is refused: without one anybody who reaches the port runs code as you.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
MIN_TOKEN_LENGTH = 16


def lab_command(env: Mapping[str, str], notebook_dir: Path) -> tuple[list[str], str, str]:
    """The ``jupyter lab`` argument list, the token and the URL to open, from ``env``."""
    host = env.get("JUPYTER_HOST", "127.0.0.1").strip() or "127.0.0.1"
    port_text = env.get("JUPYTER_PORT", "8888").strip() or "8888"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"JUPYTER_PORT={port_text!r} is not a port number (1–65535)")
    if "JUPYTER_TOKEN" in env:
        token = env["JUPYTER_TOKEN"]
        if len(token.strip()) < MIN_TOKEN_LENGTH:
            raise ValueError(
                f"JUPYTER_TOKEN must be at least {MIN_TOKEN_LENGTH} characters; an empty or short "
                "token lets anybody who reaches the port run code as you. Unset it to get a "
                "random token."
            )
    else:
        token = secrets.token_hex(24)
    if not notebook_dir.is_dir():
        raise ValueError(f"notebook folder {notebook_dir} does not exist")
    args = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.ip={host}",
        f"--ServerApp.port={port_text}",
        f"--ServerApp.root_dir={notebook_dir}",
        f"--IdentityProvider.token={token}",
        "--ServerApp.password=",
        "--ServerApp.allow_remote_access=" + ("False" if host in LOCAL_HOSTS else "True"),
    ]
    if env.get("JUPYTER_NO_BROWSER") or host not in LOCAL_HOSTS:
        args.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and lab VMs often run as root
        args.append("--allow-root")
    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
    url = f"http://{shown}:{port_text}/lab?token={token}"
    return args, token, url


def main() -> int:
    root = Path(__file__).resolve().parents[2]
    try:
        args, _token, url = lab_command(os.environ, root / "notebooks")
    except ValueError as exc:
        print(f"make lab: {exc}", file=sys.stderr)
        return 2
    host = next(a.split("=", 1)[1] for a in args if a.startswith("--ServerApp.ip="))
    if host not in LOCAL_HOSTS:
        print(
            f"make lab: serving on {host} (all interfaces): anyone who reaches the port "
            "needs the token below.",
            file=sys.stderr,
        )
    print(
        f"JupyterLab on the course notebooks. Open:\n    {url}\n(RISE: open a notebook, "
        "then press Alt+R or the 'Render as slideshow' button to present it.)",
        flush=True,
    )
    os.execv(args[0], args)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
