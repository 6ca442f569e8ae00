"""A PostgreSQL of our own (the Debian package's initdb / pg_ctl) in a work directory:
the county's database for tests, `hall-hil tiers` and the benchmark. It listens on a
Unix socket in its directory (and, if asked, on one TCP address); as root it runs as
the unprivileged `postgres` user, which owns the directory. restart() is the
"database restarted" fault."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

USER = "postgres"


def bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise FileNotFoundError("PostgreSQL is not installed (Debian package postgresql; `make test` installs it)")
    return Path(found[-1]).parent


class Postgres:
    def __init__(self, workdir: Path, port: int = 5432, listen: str = "", db: str = "county"):
        self.workdir = Path(workdir).resolve()
        self.data = self.workdir / "pgdata"
        self.sock = self.workdir / "pgsock"
        self.port, self.listen, self.db = port, listen, db
        self.bin = bindir()

    @property
    def dsn(self) -> str:
        return f"host={self.sock} port={self.port} dbname={self.db} user={USER}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", USER, "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    def init(self) -> Postgres:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if not (self.data / "PG_VERSION").exists():
            self.sock.mkdir(exist_ok=True)
            if os.geteuid() == 0:
                pw = pwd.getpwnam(USER)
                for p in (self.workdir, self.sock):
                    os.chown(p, pw.pw_uid, pw.pw_gid)
                # the user must be able to reach the work directory through its parents
                for parent in self.workdir.parents:
                    if parent == Path("/"):
                        break
                    mode = parent.stat().st_mode
                    if not mode & 0o001:
                        os.chmod(parent, mode | 0o001)
            self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8",
                      "--locale=C.UTF-8")
            conf = self.data / "postgresql.conf"
            with open(conf, "a") as f:
                f.write(f"\nlisten_addresses = '{self.listen}'\nport = {self.port}\n"
                        f"unix_socket_directories = '{self.sock}'\n"
                        # small and quick: two cores shared with the halls
                        "shared_buffers = 32MB\nmax_connections = 60\nfsync = on\nsynchronous_commit = on\n")
            if self.listen:
                with open(self.data / "pg_hba.conf", "a") as f:
                    f.write("host all all 10.77.0.0/16 trust\nhost all all 127.0.0.1/32 trust\n")
        return self

    def start(self) -> Postgres:
        self.init()
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.workdir / "postgres.log"), "-w", "-t", "60",
                  "start")
        end = time.monotonic() + 30
        while time.monotonic() < end:
            r = self._run("psql", "-h", str(self.sock), "-p", str(self.port), "-U", USER, "-d", "postgres",
                          "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{self.db}'", check=False)
            if r.returncode == 0:
                if r.stdout.strip() != "1":
                    self._run("createdb", "-h", str(self.sock), "-p", str(self.port), "-U", USER, self.db)
                return self
            time.sleep(0.2)
        raise TimeoutError("PostgreSQL did not come up")

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def restart(self, down_seconds: float = 1.0) -> None:
        self.stop("immediate")  # as a crash would: no checkpoint, recovery from the WAL
        time.sleep(down_seconds)
        self.start()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
