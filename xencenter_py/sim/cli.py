"""``xencenter-py sim``: run a simulated XenServer pool on a real socket.

Prints ``listening on http(s)://HOST:PORT`` once it accepts connections, then the
certificate's ``fingerprint sha256 ...`` with ``--tls``, then with ``--members`` one
``member HOSTNAME on http(s)://IP:PORT`` line per supporter; stops cleanly on SIGTERM or
SIGINT, committing the state and writing ``--dump-db`` if asked.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import secrets
import signal
import sys
import tempfile
from pathlib import Path

from xencenter_py.datamodel import ROLES
from xencenter_py.sim.sessions import ROOT

DEFAULT_PORT = 8080
DEFAULT_TLS_PORT = 8443


class UsageError(Exception):
    """A command-line value that cannot be used (reported, exit status 2)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--listen", default="127.0.0.1", metavar="ADDRESS", help="address to bind (default: loopback only)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"TCP port (default {DEFAULT_PORT}, {DEFAULT_TLS_PORT} with --tls; 0 = any free port)",
    )
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a self-signed certificate")
    parser.add_argument(
        "--state", type=Path, metavar="PATH", help="keep the pool in this file across restarts (kill-safe)"
    )
    parser.add_argument("--password", help="root password (default: a random one, printed)")
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the root password from the first line of standard input"
    )
    parser.add_argument(
        "--stop-with-stdin",
        action="store_true",
        help="stop cleanly when standard input closes (a parent that dies, however it dies, stops the simulator)",
    )
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        metavar="NAME:PASSWORD:ROLE",
        help=f"add a user with a role ({', '.join(ROLES)}); repeatable",
    )
    parser.add_argument(
        "--seed", default="demo", choices=("demo", "standalone", "empty"), help="starting pool contents (default demo)"
    )
    parser.add_argument(
        "--from-db", type=Path, metavar="FILE", help="start from a XAPI XML database dump instead of a seed"
    )
    parser.add_argument(
        "--dump-db",
        type=Path,
        metavar="FILE",
        help="write the pool as a XAPI XML database on shutdown and pool.sync_database",
    )
    parser.add_argument(
        "--pool-size", metavar="HOSTS:VMS", help="generate a large pool instead of a seed, e.g. 64:5000"
    )
    parser.add_argument(
        "--members",
        action="store_true",
        help="serve every pool member on its own loopback address (the coordinator on --listen, the others on "
        "the next addresses, same port; each host's address is set to it): supporters answer HOST_IS_SLAVE "
        "with the coordinator's address, session.slave_local_login_with_password works on any member, and "
        "pool.designate_new_master moves the coordinator (sessions stay valid; calls and event long-polls at "
        "the old address then get HOST_IS_SLAVE). Needs an IPv4 loopback --listen address",
    )
    parser.add_argument(
        "--edition",
        choices=("free", "enterprise", "platinum"),
        help="license every host for this edition (free has no HA); default: as the pool says",
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, metavar="FACTOR", help="run operations FACTOR times faster (default 1)"
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="close a connection that sends no complete request for this long, and refuse a request body "
        "that takes longer (default 30)",
    )
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let web pages from ORIGIN (e.g. http://localhost:3000) call the API from a browser; repeatable. "
        "Browser requests from any other origin are refused",
    )


def parse_users(specs: list[str], root_password: str) -> dict[str, tuple[str, str]]:
    users = {ROOT: (root_password, "pool-admin")}
    for spec in specs:
        name, sep1, rest = spec.partition(":")
        password, sep2, role = rest.rpartition(":")
        if not (sep1 and sep2 and name and password):
            raise UsageError(f"--user {spec!r}: expected NAME:PASSWORD:ROLE")
        if role not in ROLES:
            raise UsageError(f"--user {spec!r}: unknown role {role!r}; choose one of {', '.join(ROLES)}")
        if name == ROOT:
            raise UsageError("--user: root is always pool-admin; set its password with --password")
        users[name] = (password, role)
    return users


def parse_pool_size(text: str) -> tuple[int, int]:
    hosts, sep, vms = text.partition(":")
    try:
        h, v = int(hosts), int(vms)
    except ValueError:
        h = v = -1
    if not sep or h < 1 or v < 0:
        raise UsageError(f"--pool-size {text!r}: expected HOSTS:VMS, e.g. 64:5000")
    return h, v


def populate(store: object, args: argparse.Namespace) -> None:
    """Fill a fresh store from --from-db, --pool-size or --seed."""
    if args.from_db:
        from xencenter_py.sim import xmldb

        try:
            xmldb.load(args.from_db, store)
        except (xmldb.DatabaseError, OSError) as e:
            raise UsageError(f"--from-db {args.from_db}: {e}") from None
    elif args.pool_size:
        from xencenter_py.sim.seeds import scale

        hosts, vms = parse_pool_size(args.pool_size)
        scale.build(store, hosts, vms)
    else:
        from xencenter_py.sim.seeds import seed

        seed(store, args.seed)  # type: ignore[arg-type]


async def _stop_at_eof(stop: asyncio.Event) -> None:
    """Set ``stop`` when standard input reaches end of file (its writer has gone)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        while await reader.read(4096):
            pass
    finally:
        transport.close()
        stop.set()


def _url_host(listen: str) -> str:
    host = "127.0.0.1" if listen in ("", "0.0.0.0") else "::1" if listen == "::" else listen
    return f"[{host}]" if ":" in host else host


async def _main(args: argparse.Namespace) -> int:
    from xencenter_py.sim.persistence import Persistence, StateError
    from xencenter_py.sim.server import serve
    from xencenter_py.sim.simulator import Simulator
    from xencenter_py.sim.store import Store

    # First of all: a SIGTERM at any moment from here on ends the simulator cleanly (final
    # save, --dump-db, no temporary key left behind), even right after "listening on".
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    if args.speed <= 0:
        raise UsageError("--speed must be positive")
    if args.request_timeout <= 0:
        raise UsageError("--request-timeout must be positive")
    if args.port is not None and not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: a TCP port is a number from 0 to 65535 (0 = any free port)")
    if args.pool_size:
        parse_pool_size(args.pool_size)
    password = args.password
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin: standard input gave no password")
    if not password:
        password = secrets.token_urlsafe(12)
        print(f"root password: {password}", flush=True)
    users = parse_users(args.user, password)

    store = Store()
    persistence = None
    # Building a pool makes millions of long-lived objects and no garbage: no GC passes
    # meanwhile, and afterwards keep the cyclic GC from rescanning them (on a
    # 40,000-object pool full collections would otherwise stall answers).
    gc.disable()
    try:
        if args.state:
            try:
                persistence = Persistence(args.state, store)
                if persistence.has_state():
                    persistence.load()  # the saved pool wins over any seed
                else:
                    populate(store, args)
                    persistence.save_all()
            except StateError as e:
                if persistence is not None:
                    persistence.close()
                raise UsageError(f"--state: {e}") from None
        else:
            populate(store, args)
    finally:
        gc.enable()
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)
    if args.edition:
        from xencenter_py.sim.editions import apply_edition

        apply_edition(store, args.edition)
    sim = Simulator(store, speed=args.speed, users=users)
    sim.persistence = persistence
    if args.members:
        from xencenter_py.sim.members import assign_addresses

        try:
            sim.endpoints = assign_addresses(store, sim.coordinator(), args.listen)
        except ValueError as e:
            raise UsageError(f"--members: {e}") from None
    sim.commit()
    if args.dump_db:
        from xencenter_py.sim import xmldb

        sim.sync_database_hooks.append(lambda: xmldb.dump(store, args.dump_db))

    ssl_context = None
    fingerprint = ""
    tmp: tempfile.TemporaryDirectory[str] | None = None
    runner = None
    await sim.start()
    try:
        if args.tls:
            from xencenter_py.sim.tls import server_context

            if args.state:
                ssl_context, fingerprint = server_context(args.state.resolve().parent, args.state.name)
            else:
                tmp = tempfile.TemporaryDirectory(prefix="xencenter-sim-tls-")
                ssl_context, fingerprint = server_context(Path(tmp.name))
        port = args.port if args.port is not None else (DEFAULT_TLS_PORT if args.tls else DEFAULT_PORT)
        supporters = tuple(address for address in sim.endpoints if address != args.listen)
        try:
            runner, bound = await serve(
                sim,
                args.listen,
                port,
                ssl_context,
                member_addresses=supporters,
                origins=frozenset(args.allow_origin),
                request_timeout=args.request_timeout,
            )
        except OSError as e:
            raise UsageError(f"cannot listen on {args.listen}:{port}: {e.strerror or e}") from None
        scheme = "https" if args.tls else "http"
        sim.url = f"{scheme}://{_url_host(args.listen)}:{bound}"
        print(f"listening on {scheme}://{_url_host(args.listen)}:{bound}", flush=True)
        if fingerprint:
            print(f"fingerprint sha256 {fingerprint}", flush=True)
        for address in supporters:
            name = store.get("host", sim.endpoints[address])["name_label"]
            print(f"member {name} on {scheme}://{address}:{bound}", flush=True)
        watch = asyncio.ensure_future(_stop_at_eof(stop)) if args.stop_with_stdin else None
        await stop.wait()
        if watch is not None:
            watch.cancel()
    finally:
        if runner is not None:
            await runner.cleanup()
        await sim.stop()
        if args.dump_db and runner is not None:
            from xencenter_py.sim import xmldb

            xmldb.dump(store, args.dump_db)
        if persistence is not None:
            persistence.close()
        if tmp is not None:
            tmp.cleanup()
    return 0


def _raise_file_limit() -> None:
    """Allow as many open connections as the system lets this process have: idle clients
    are timed out, but until then each holds a descriptor."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = hard if hard != resource.RLIM_INFINITY else 65536
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, 65536), hard))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform, or not allowed: keep the default


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _raise_file_limit()
    try:
        return asyncio.run(_main(args))
    except UsageError as e:
        print(f"xencenter-py sim: {e}", file=sys.stderr, flush=True)
        return 2
    except KeyboardInterrupt:
        return 0
