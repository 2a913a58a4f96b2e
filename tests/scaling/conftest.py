"""Real servers for the scaling checks (issue 14): a streaming replica of the private cluster,
a Redis server and two gunicorn instances reading both, over the session's test database.

The replica is ``pg_basebackup -R`` of the running cluster (scripts/pg.sh), in its own data
folder, .data/replica-<test database>, on a free port chosen now (recorded in
.data/replica-port); Redis on another (.data/redis-port). The test database created on the
primary replicates like the rest of the cluster. The folder is kept, stopped, between runs: a
copy of a cluster holding national benches takes half a minute, a restart a second; a replica
that cannot catch up (the primary no longer has the WAL it needs) is copied again. While the
module runs, a replication slot keeps the WAL the replica needs (it is stopped and started again
by a test; the other engineers' benches write hundreds of MB a minute), dropped at the end
(scripts/pg.sh caps what a forgotten slot may hold). Everything started here is stopped at the
end of the module.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connections

BASE = Path(settings.BASE_DIR)
DATA = BASE / ".data"
GUNICORN_PORTS = range(8390, 8400)
MAX_LAG_S = 30  # this work's range on the shared machine
AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        pytest.skip(f"{name} (PostgreSQL) is not installed")
    return str(found[-1])


def free_port(candidates=None) -> int:
    for port in candidates or [0]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    pytest.fail(f"no free port in {candidates}")


def wait_for(condition, timeout: float, what: str, interval: float = 0.1, explain=None):
    """Poll ``condition()`` until it returns something true; fail naming ``what`` (and what
    ``explain()`` says)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = condition()
        except Exception as exc:  # noqa: BLE001 (a server still starting)
            last = exc
        else:
            if last:
                return last
        time.sleep(interval)
    detail = f"; {explain()}" if explain else ""
    pytest.fail(f"timed out after {timeout} s waiting for {what} (last: {last!r}{detail})")


@dataclass
class Replica:
    primary_port: int
    folder: Path
    port: int = 0

    def sql(self, query: str, *params, dbname: str = "postgres"):
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, connect_timeout=2
        ) as conn:
            return conn.execute(query, params).fetchall()

    @property
    def slot(self) -> str:
        return re.sub(r"[^a-z0-9_]", "_", f"maillage_{self.folder.name}".lower())

    def primary_sql(self, query: str, *params):
        with psycopg.connect(
            host="127.0.0.1", port=self.primary_port, user="postgres", dbname="postgres"
        ) as conn:
            return conn.execute(query, params).fetchall()

    def primary_lsn(self) -> str:
        return self.primary_sql("SELECT pg_current_wal_lsn()::text")[0][0]

    def drop_slot(self) -> None:
        self.primary_sql(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
            " WHERE slot_name = %s AND NOT active",
            self.slot,
        )

    def caught_up(self, lsn: str) -> bool:
        return self.sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", lsn)[0][0]

    def choose_port(self) -> None:
        self.port = free_port()
        (DATA / "replica-port").write_text(f"{self.port}\n")

    def prepare(self) -> None:
        """Start the kept copy and let it catch up, or make a new one."""
        self.stop()
        self.drop_slot()
        self.primary_sql("SELECT pg_create_physical_replication_slot(%s, true)", self.slot)
        if (self.folder / "standby.signal").exists() and self.resume():
            return
        self.stop()
        self.discard()
        self.create()
        self.start()

    def resume(self) -> bool:
        """The kept copy, if the primary still has the WAL it needs: caught up within 15 s."""
        settings_file = self.folder / "postgresql.auto.conf"
        if f"primary_slot_name = '{self.slot}'" not in settings_file.read_text():
            with open(settings_file, "a") as conf:
                conf.write(f"primary_slot_name = '{self.slot}'\n")
        log = self.folder / "server.log"
        seen = log.stat().st_size if log.exists() else 0
        try:
            self.start()
            lsn = self.primary_lsn()
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                if self.caught_up(lsn):
                    return True
                with open(log, "rb") as text:
                    text.seek(seen)
                    if b"has already been removed" in text.read():
                        return False
                time.sleep(0.2)
        except (subprocess.CalledProcessError, psycopg.Error, pytest.fail.Exception):
            pass
        return False

    def discard(self) -> None:
        """Out of the way at once, removed in the background (a gigabyte takes seconds)."""
        if self.folder.exists():
            trash = self.folder.with_name(f"{self.folder.name}.old-{time.time_ns()}")
            self.folder.rename(trash)
            subprocess.Popen(["rm", "-rf", str(trash)], start_new_session=True)

    def create(self) -> None:
        subprocess.run(
            ["install", "-d", "-m", "700"]
            + (["-o", "postgres", "-g", "postgres"] if AS_POSTGRES else [])
            + [str(self.folder)],
            check=True,
        )
        subprocess.run(
            AS_POSTGRES
            + [pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary_port)]
            + ["-U", "postgres", "-D", str(self.folder), "-R", "-X", "stream", "-c", "fast"]
            + ["-S", self.slot],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder}"
            " -c shared_buffers=32MB -c hot_standby=on"
        )
        subprocess.run(
            AS_POSTGRES
            + [pg_bin("pg_ctl"), "-D", str(self.folder), "-l", str(self.folder / "server.log")]
            + ["-w", "-t", "30", "-o", options, "start"],
            check=True,
            capture_output=True,
        )
        wait_for(lambda: self.sql("SELECT pg_is_in_recovery()")[0][0], 30, "the replica")

    def stop(self, mode: str = "fast") -> None:
        """``fast`` writes a restart point (a start replays only what came since); at the end,
        ``immediate`` (the next run may well copy the cluster again)."""
        if (self.folder / "postmaster.pid").exists():
            subprocess.run(
                AS_POSTGRES + [pg_bin("pg_ctl"), "-D", str(self.folder), "-m", mode, "stop"],
                capture_output=True,
            )


@dataclass
class Redis:
    port: int = 0
    process: subprocess.Popen | None = None

    def start(self) -> None:
        if not shutil.which("redis-server"):
            pytest.skip("redis-server is not installed (scripts/system-deps.sh installs it)")
        self.port = self.port or free_port()
        (DATA / "redis-port").write_text(f"{self.port}\n")
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", ""]
            + ["--appendonly", "no", "--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"],
            stdout=subprocess.DEVNULL,
        )
        wait_for(self.ping, 10, "redis-server")

    def ping(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@dataclass
class Instance:
    """One app server: gunicorn with its own workers, file cache and application name."""

    name: str
    port: int
    env: dict
    workers: int = 2
    process: subprocess.Popen | None = None
    log: Path | None = None
    sessions: list = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, folder: Path) -> None:
        self.log = folder / f"gunicorn-{self.name}.log"
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "geo_directory.wsgi"]
            + ["--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)]
            + ["--preload", "--timeout", "30", "--graceful-timeout", "2"],
            cwd=BASE,
            env=self.env,
            stdout=open(self.log, "wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def ready(self) -> None:
        wait_for(lambda: self.get("/healthz").status_code == 200, 40, f"gunicorn {self.name}")

    def get(self, path: str, session: requests.Session | None = None) -> requests.Response:
        return (session or requests).get(self.url + path, timeout=15)

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None


@dataclass
class Servers:
    replica: Replica
    redis: Redis
    a: Instance
    b: Instance
    dbname: str

    def replica_backends(self) -> list[tuple[str, str]]:
        """(application name, last query) of the app servers' connections on the replica."""
        return self.replica.sql(
            "SELECT application_name, query FROM pg_stat_activity"
            " WHERE datname = %s AND application_name LIKE 'maillage-%%'",
            self.dbname,
        )


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker, tmp_path_factory):
    params = connections["default"].settings_dict
    dbname = params["NAME"]
    if not dbname.startswith("test_"):
        pytest.fail(f"the scaling servers would serve {dbname!r}: mark the module django_db")
    with django_db_blocker.unblock():
        connections["default"].ensure_connection()  # the test database exists and is loaded
    folder = tmp_path_factory.mktemp("scaling")
    started = time.monotonic()
    replica = Replica(int(params["PORT"]), DATA / f"replica-{dbname}")
    replica.choose_port()
    redis = Redis()
    redis.start()
    first = free_port(GUNICORN_PORTS)
    ports = [first, free_port([p for p in GUNICORN_PORTS if p > first])]
    instances = []
    for name, port in zip(("a", "b"), ports, strict=True):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "geo_directory.settings.test",
            "MAILLAGE_DB_NAME": dbname,
            "DATABASE_REPLICA_URLS": (
                f"postgis://postgres@127.0.0.1:{replica.port}/{dbname}"
                f"?application_name=maillage-{name}"
            ),
            "DB_CONN_MAX_AGE": "60",  # the replica's connections stay: seen in pg_stat_activity
            "CACHE_URL": f"redis://127.0.0.1:{redis.port}/0",
            "MAILLAGE_CACHE_DIR": str(folder / f"cache-{name}"),
            # The machine's other work (benches writing hundreds of MB of WAL a minute on 2
            # cores) can put the replica seconds behind: lag is not what these checks are about.
            "MAILLAGE_REPLICA_MAX_LAG_S": str(MAX_LAG_S),
            "MAILLAGE_REPLICA_HEALTH_S": "0.5",
            "MAILLAGE_RELEASE": "scaling-tests",  # both hosts: one release, one set of keys
        }
        env.pop("DATABASE_URL", None)
        # A: two workers (a browser's next request may reach the other one); B: one is enough.
        instances.append(Instance(name, port, env, workers=2 if name == "a" else 1))
    for instance in instances:  # they start while the replica is copied (they read the primary)
        instance.start(folder)
    try:
        replica.prepare()
        print(f"\nreplica ready in {time.monotonic() - started:.1f} s")
        for instance in instances:
            instance.ready()
        print(f"\nscaling servers ready in {time.monotonic() - started:.1f} s")
        yield Servers(replica, redis, *instances, dbname)
    finally:
        for instance in instances:
            instance.terminate()
        for instance in instances:
            instance.stop()
        redis.stop()
        replica.stop("immediate")
        replica.drop_slot()
