"""Start JupyterLab on the notebooks, safely: localhost and a token by default.

``make lab`` runs ``python -m course_utils.tooling.lab``. Environment variables:

- ``JUPYTER_HOST`` (default ``127.0.0.1``): set it to ``0.0.0.0`` only when you mean to
  serve other machines (a lab server, a container); the token still protects it.
- ``JUPYTER_PORT`` (default 8888).
- ``JUPYTER_TOKEN``: a token of your choosing; when unset a random one is made. An
  empty token is refused: without one anybody who reaches the port runs code as you.

The server keeps notebooks as ``make execute`` wrote them when nothing in them changed:
opening a notebook as a RISE slideshow saves it, and a plain save adds a trailing newline,
which git reports as a modification. ``UnchangedNotebooksContentsManager`` leaves the file
alone when the saved notebook equals the one on disk.

RISE links two optional stylesheets into every slideshow, ``rise.css`` and ``<notebook>.css``
beside the notebook (jupyterlab-contrib/rise, ``packages/application/src/plugins/rise.ts``).
Where neither exists, Jupyter answers with an HTML 404 page, which the browser refuses as a
stylesheet and logs as a console error on every slideshow. The same contents manager's file
handler answers such a missing stylesheet with an empty one; a file that exists is served as is.
"""

from __future__ import annotations

import functools
import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path

CONTENTS_MANAGER = "course_utils.tooling.lab.UnchangedNotebooksContentsManager"
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
        f"--ServerApp.contents_manager_class={CONTENTS_MANAGER}",
        "--ServerApp.allow_remote_access=" + ("False" if host in LOCAL_HOSTS else "True"),
    ]
    if env.get("JUPYTER_NO_BROWSER") or host not in LOCAL_HOSTS:
        args.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and lab VMs often run as root
        args.append("--allow-root")
    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
    url = f"http://{shown}:{port_text}/lab?token={token}"
    return args, token, url


def same_notebook(content: dict, on_disk: Path) -> bool:
    """True when the notebook ``content`` (a save's JSON model) equals the file ``on_disk``,
    formatting (key order, indentation, a trailing newline) aside."""
    import nbformat

    try:
        disk = nbformat.read(on_disk, as_version=4)
        new = nbformat.from_dict(content)
    except (OSError, ValueError, TypeError, AttributeError):
        return False
    return nbformat.writes(disk) == nbformat.writes(new)


def is_rise_stylesheet(path: str, root: Path) -> bool:
    """True when ``path`` (relative to ``root``) is a stylesheet RISE asks for: ``rise.css``
    in a folder, or ``<name>.css`` beside a notebook ``<name>.ipynb``."""
    parts = Path(path.strip("/"))
    if parts.suffix != ".css" or ".." in parts.parts:
        return False
    return parts.name == "rise.css" or (root / parts.with_suffix(".ipynb")).is_file()


EMPTY_RISE_STYLESHEET = "/* no course style for this slideshow */\n"


@functools.cache
def _files_handler_class():
    from jupyter_server.auth.decorator import authorized
    from jupyter_server.base.handlers import AuthenticatedFileHandler
    from tornado import web

    class RiseStylesheetsFileHandler(AuthenticatedFileHandler):
        """Jupyter's /files/ handler, except that a missing RISE stylesheet is an empty one."""

        @web.authenticated
        @authorized
        def get(self, path: str, **kwargs):
            root = Path(self.root)
            if not (root / path).exists() and is_rise_stylesheet(path, root):
                self.check_xsrf_cookie()
                self.set_header("Content-Type", "text/css; charset=UTF-8")
                self.set_header("Cache-Control", "no-cache")
                return self.finish(EMPTY_RISE_STYLESHEET)
            return super().get(path, **kwargs)

    return RiseStylesheetsFileHandler


@functools.cache
def _contents_manager_class():
    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
    from traitlets import default

    class UnchangedNotebooksContentsManager(AsyncLargeFileManager):
        """Jupyter's file manager, except that saving an unchanged notebook writes nothing and
        a missing RISE stylesheet is served empty (``RiseStylesheetsFileHandler``)."""

        @default("files_handler_class")
        def _files_handler_class_default(self):
            return _files_handler_class()

        async def save(self, model, path=""):
            path = path.strip("/")
            if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
                os_path = Path(self._get_os_path(path))
                if os_path.is_file() and same_notebook(model["content"], os_path):
                    self.log.info("%s unchanged: not written", path)
                    return await self.get(path, content=False)
            return await super().save(model, path)

    return UnchangedNotebooksContentsManager


def __getattr__(name: str):
    # jupyter_server imports the class by name; jupyter_server itself is imported only then
    if name == "UnchangedNotebooksContentsManager":
        return _contents_manager_class()
    raise AttributeError(name)


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
    if os.name == "nt":  # Windows has no exec: the server runs as a child until Ctrl+C
        import subprocess

        try:
            return subprocess.call(args)
        except KeyboardInterrupt:
            return 0
    os.execv(args[0], args)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
