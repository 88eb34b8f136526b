"""The production stack in processes, for the hardening tests: gunicorn with the project's
gunicorn.conf.py serving the app, ``bcapp worker`` pools, ``bcapp tick``, on a PostgreSQL
database and a Redis key prefix of the test's own, with the BigCommerce and AFAS sandboxes
served on localhost ports by this process.

Every ``bcapp`` command runs through :data:`LAUNCHER`: the real command line (``bcapp worker
--queue orders --concurrency 4 --simple``...) on an app built from the test's configuration
(JSON in ``TEST_APP_CONFIG``), optionally with a test hook module imported first
(``TEST_HOOK``, e.g. :mod:`tests.hardening.hooks`). Logs go to files (a full pipe would
block a process); :meth:`Stack.log` reads them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]

LAUNCHER = """
import importlib, json, os, sys
config = json.loads(os.environ["TEST_APP_CONFIG"])
if os.environ.get("TEST_HOOK"):
    importlib.import_module(os.environ["TEST_HOOK"]).install(config)
from flask.cli import ScriptInfo
from bcapp import create_app
from bcapp.cli import build_cli
from bcapp.logs import configure_logging
configure_logging()  # as the bcapp script does
info = ScriptInfo(create_app=lambda: create_app(config))
build_cli().main(args=sys.argv[1:], prog_name="bcapp", obj=info)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(wsgi_app: Any) -> tuple[str, Any]:
    """``wsgi_app`` on a free localhost port, in a thread; (base URL, server)."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def wait_port(port: int, proc: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with {proc.returncode}")
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port}")


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (Linux)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split() if alive(int(p))]
    except FileNotFoundError:
        return []


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


@dataclass
class Stack:
    """Processes of one test; :meth:`stop` (or the fixture) ends every one of them."""

    config: dict[str, Any]
    logs: Path
    procs: dict[str, Any] = field(default_factory=dict)
    files: list[Any] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        env = {**os.environ, "TEST_APP_CONFIG": json.dumps(self.config), "PYTHONPATH": str(ROOT)}
        env.pop("TEST_HOOK", None)
        env.update(extra)
        return env

    def _start(self, name: str, args: list[str], env: dict[str, str]) -> Any:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed by stop()
        self.files.append(log)
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=log, stderr=log,
                                start_new_session=True)  # fmt: skip
        self.procs[name] = proc
        return proc

    def bcapp(self, name: str, *args: str, hook: str = "") -> Any:
        """``bcapp ARGS`` on the test's app (and ``hook`` installed first)."""
        env = self.env(**({"TEST_HOOK": hook} if hook else {}))
        return self._start(name, [sys.executable, "-c", LAUNCHER, *args], env)

    def gunicorn(self, port: int, workers: int = 2) -> Any:
        """The web process as the Procfile runs it: gunicorn reading ./gunicorn.conf.py."""
        env = self.env(WEB_CONCURRENCY=str(workers),
                       **{k: str(v) for k, v in self.config.items() if _env_value(v)})  # fmt: skip
        conf = str(ROOT / "gunicorn.conf.py")
        args = [sys.executable, "-m", "gunicorn", "--config", conf, "--bind", f"127.0.0.1:{port}",
                "--log-level", "warning", "bcapp:create_app()"]  # fmt: skip
        proc = self._start("web", args, env)
        wait_port(port, proc)
        return proc

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """SIGTERM every process group, then SIGKILL what is left (and any orphan)."""
        everyone = {pid for proc in self.procs.values() for pid in descendants(proc.pid)}
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)  # the group outlives a dead leader
        deadline = time.monotonic() + 15
        for proc in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(max(0.1, deadline - time.monotonic()))
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        for pid in everyone:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for log in self.files:
            log.close()


def _env_value(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)
