"""Running wrk and gunicorn for bench/serving.py, and reading their figures."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    errors: int

    @classmethod
    def parse(cls, text: str) -> WrkResult:
        def latency(pct):
            m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
            return float(m.group(1)) * UNITS[m.group(2)] if m else float("nan")

        rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
        total = re.search(r"(\d+) requests in", text)
        non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
        errors = re.search(
            r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
        )
        return cls(
            requests_per_s=float(rps.group(1)) if rps else 0.0,
            p50_ms=latency(50),
            p99_ms=latency(99),
            requests=int(total.group(1)) if total else 0,
            non_2xx=int(non2xx.group(1)) if non2xx else 0,
            errors=sum(int(x) for x in errors.groups()) if errors else 0,
        )


def wrk_command(
    url: str, seconds: int = 20, connections: int = 16, script: str | None = None
) -> list[str]:
    """The wrk command line every measure uses: 2 threads, latency percentiles, 5 s timeout."""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", script]
    return [*cmd, url]


def wrk(url: str, seconds: int = 20, connections: int = 16, script: str | None = None) -> WrkResult:
    out = subprocess.run(
        wrk_command(url, seconds, connections, script), capture_output=True, text=True, check=True
    ).stdout
    return WrkResult.parse(out)


def mix_script(paths: list[str]) -> str:
    """A wrk Lua script that cycles over ``paths``."""
    lua = "local paths = {" + ", ".join(f'"{p}"' for p in paths) + "}\n"
    lua += (
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        "  return wrk.format('GET', paths[(i % #paths) + 1])\n"
        "end\n"
    )
    handle = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    handle.write(lua)
    handle.close()
    return handle.name


def varied_script(template: str, spread: float = 0.1) -> str:
    """A wrk Lua script whose every request moves the query by a random offset (up to
    ``spread`` degrees): ``template`` has four %.4f slots (bbox) or two (near point), filled
    from the centre values given after a ``|``:
    ``/q1?bbox=%.4f,%.4f,%.4f,%.4f|5.9,43.9,6.5,44.3``.
    No two requests ask the same thing, so no response cache can answer: the uncached cost."""
    path, centre = template.split("|")
    values = [float(v) for v in centre.split(",")]
    pairs = ", ".join(f"{v} + {'dy' if k % 2 else 'dx'}" for k, v in enumerate(values))
    lua = (
        "math.randomseed(os.time())\n"
        "request = function()\n"
        f"  local dx = (math.random() * 2 - 1) * {spread}\n"
        f"  local dy = (math.random() * 2 - 1) * {spread}\n"
        f"  return wrk.format('GET', string.format('{path}', {pairs}))\n"
        "end\n"
    )
    handle = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    handle.write(lua)
    handle.close()
    return handle.name


def fetch(url: str, headers: dict | None = None, timeout: float = 10):
    """(status, headers, body, seconds) of one GET, errors included."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (http only)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read()
            return response.status, dict(response.headers), body, time.perf_counter() - started
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read(), time.perf_counter() - started


def port_range() -> range | None:
    """``MAILLAGE_BENCH_PORTS`` ("8370-8389"): the ports this bench may use, or None for any."""
    spec = os.environ.get("MAILLAGE_BENCH_PORTS", "").strip()
    if not spec:
        return None
    low, _, high = spec.partition("-")
    return range(int(low), int(high or low) + 1)


_taken: set[int] = set()


def free_port() -> int:
    """A port nobody listens on: the first free one of ``MAILLAGE_BENCH_PORTS`` (or
    ``--ports``), else one the system chooses. Never the same twice in one process, so that two
    benches run at the same time (each with its own range) do not measure each other."""
    candidates = port_range()
    if candidates is None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        _taken.add(port)
        return port
    for port in candidates:
        if port in _taken:
            continue
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _taken.add(port)
        return port
    raise RuntimeError(f"no free port in MAILLAGE_BENCH_PORTS={os.environ['MAILLAGE_BENCH_PORTS']}")


class Gunicorn:
    """A gunicorn server with ``workers`` sync workers, for the time of a ``with`` block."""

    def __init__(self, app: str, port: int | None, env: dict, cwd: Path, workers: int = 2):
        port = port or free_port()
        self.app, self.port, self.env, self.cwd, self.workers = app, port, env, cwd, workers
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                raise RuntimeError(f"port {self.port} is already in use (another bench running?)")
        gunicorn = Path(os.sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                self.app,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--timeout",
                "30",
                "--log-level",
                "warning",
            ],
            cwd=self.cwd,
            env=self.env,
            start_new_session=True,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                fetch(self.url + "/healthz", timeout=2)
                return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn {self.app} did not start on port {self.port}")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(x) for x in out.stdout.split()]

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            kb = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
            sizes.append(round(kb / 1024, 1))
        return sizes

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        return False
