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
    socket_errors: str = ""
    fatal: str = ""

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
            socket_errors=errors.group(0) if errors else "",
            fatal=fatal.group(0).strip() if (fatal := re.search(r"unable to .*", text)) else "",
        )

    @property
    def failure(self) -> str | None:
        """Why this side's figures mean nothing (None when every request got a 2xx/3xx):
        a server that answers errors or drops connections is fast at failing, not at serving."""
        reasons = [f"wrk: {self.fatal}"] if self.fatal else []
        if self.requests == 0:
            reasons.append("no request completed")
        if self.non_2xx:
            reasons.append(f"{self.non_2xx} of {self.requests} answers non-2xx")
        if self.errors:
            reasons.append(self.socket_errors.replace("Socket errors", "socket errors"))
        return "; ".join(reasons) or None

    def cells(self) -> list[str]:
        """req/s, p50, p99 as printed, or FAILED (never a figure for a failed side)."""
        if self.failure:
            return ["FAILED", "-", "-"]
        rps = self.requests_per_s
        return [
            f"{rps:.0f}" if rps >= 10 else f"{rps:.1f}",
            f"{self.p50_ms:.1f}",
            f"{self.p99_ms:.1f}",
        ]


def ratio(ours: WrkResult | None, other: WrkResult | None) -> float | None:
    """ours / other in requests per second, or None when either side failed or is absent."""
    if ours is None or other is None or ours.failure or other.failure:
        return None
    if not other.requests_per_s:
        return None
    return ours.requests_per_s / other.requests_per_s


def ratio_cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def wrk_command(
    url: str, seconds: int = 20, connections: int = 16, script: str | None = None
) -> list[str]:
    """The wrk command line every measure uses: 2 threads, latency percentiles, 5 s timeout."""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", script]
    return [*cmd, url]


def wrk(url: str, seconds: int = 20, connections: int = 16, script: str | None = None) -> WrkResult:
    done = subprocess.run(
        wrk_command(url, seconds, connections, script), capture_output=True, text=True
    )
    # wrk exits non-zero when it cannot connect at all: that is a failed side, not a crash.
    return WrkResult.parse(done.stdout + done.stderr)


def lua_file(lua: str) -> str:
    """The path of a temporary file holding the wrk Lua script ``lua``."""
    handle = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    handle.write(lua)
    handle.close()
    return handle.name


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
    return lua_file(lua)


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
    return lua_file(lua)


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


class Served:
    """A server process on a free port (see ``free_port``) for the time of a ``with`` block:
    ``command(port)`` is its command line; ready once ``ready_path`` answers anything."""

    def __init__(self, name, command, port, env, cwd, ready_path="/healthz", timeout=60):
        self.name, self.command, self.env, self.cwd = name, command, env, cwd
        self.port = port or free_port()
        self.ready_path, self.timeout = ready_path, timeout
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                raise RuntimeError(f"port {self.port} is already in use (another bench running?)")
        self.process = subprocess.Popen(
            self.command(self.port), cwd=self.cwd, env=self.env, start_new_session=True
        )
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode} at start")
            try:
                fetch(self.url + self.ready_path, timeout=2)
                return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"{self.name} did not start on port {self.port}")

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


class Gunicorn(Served):
    """A gunicorn server with ``workers`` sync workers (the .venv's gunicorn)."""

    def __init__(self, app: str, port: int | None, env: dict, cwd: Path, workers: int = 2):
        gunicorn = Path(os.sys.executable).with_name("gunicorn")
        self.app, self.workers = app, workers
        super().__init__(
            app,
            lambda p: [
                str(gunicorn),
                app,
                "--bind",
                f"127.0.0.1:{p}",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--timeout",
                "30",
                "--log-level",
                "warning",
            ],
            port,
            env,
            cwd,
        )
