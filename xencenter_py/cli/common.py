"""What every verb that talks to a pool shares: the connection options, the password
(never required on the command line), one connected :class:`Connection`, and errors
reported as one translated line.

A verb module exposes ``add_arguments(parser)`` and ``run(args) -> int``; verbs that talk
to a pool call :func:`add_connection_arguments` and run their coroutine with
:func:`run_with_connection`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from xencenter_py.i18n import gettext as _
from xencenter_py.i18n import set_language

PASSWORD_ENV = "XENCENTER_PASSWORD"


class CommandError(Exception):
    """A problem to report on one line (already translated)."""


SERVER_HELP = "server address: host, host:port or http(s)://host:port"


def add_connection_arguments(parser: argparse.ArgumentParser, *, server: bool = True) -> None:
    """The options of a pool connection; ``server=False`` when the verb adds ``--server`` itself."""
    if server:
        parser.add_argument("--server", required=True, metavar="URL", help=SERVER_HELP)
    parser.add_argument("--user", default="root", help="user name (default: root)")
    parser.add_argument("--password", help=f"password (prefer --password-file or ${PASSWORD_ENV})")
    parser.add_argument("--password-file", metavar="FILE", help="read the password from the first line of FILE")
    parser.add_argument("--trust-fingerprint", metavar="SHA256", help="accept the server certificate with this SHA-256")
    parser.add_argument(
        "--follow-coordinator", action="store_true", help="when given a pool supporter, connect to its coordinator"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the server (default: 30)")
    parser.add_argument("--lang", choices=("en", "ja"), default=None, help="language of the output")


def password(args: argparse.Namespace) -> str:
    if args.password is not None:
        return str(args.password)
    if args.password_file:
        try:
            return Path(args.password_file).read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError, UnicodeDecodeError) as exc:
            raise CommandError(
                _("Cannot read the password file {path}: {error}").format(path=args.password_file, error=exc)
            ) from None
    if PASSWORD_ENV in os.environ:
        return os.environ[PASSWORD_ENV]
    raise CommandError(
        _("No password given: use --password-file, the {env} variable or --password").format(env=PASSWORD_ENV)
    )


@asynccontextmanager
async def connected(args: argparse.Namespace) -> AsyncIterator[Any]:
    """A connected, fully loaded :class:`Connection`; every failure becomes a :class:`CommandError`."""
    from xencenter_py.model.connection import Connection
    from xencenter_py.xapi.client import parse_address
    from xencenter_py.xapi.errors import CertificateChanged, CertificateUnknown, Failure, XapiClientError
    from xencenter_py.xapi.trust import TrustStore

    secret = password(args)
    with tempfile.TemporaryDirectory(prefix="xencenter-py-") as tmp:
        trust = TrustStore(Path(tmp) / "known-servers.json")
        try:
            if args.trust_fingerprint:
                trust.remember(parse_address(args.server).key, args.trust_fingerprint)
            conn = Connection(args.server, args.user, secret, trust=trust, login_timeout=args.timeout)
            try:
                await conn.connect(follow_coordinator=args.follow_coordinator)
                yield conn
            finally:
                await conn.disconnect()
        except CommandError:
            raise
        except CertificateUnknown as exc:
            raise CommandError(
                _(
                    "The certificate of {host} is not trusted; if its SHA-256 fingerprint {fp} is right, pass "
                    "--trust-fingerprint {fp}"
                ).format(host=exc.host, fp=exc.fingerprint)
            ) from None
        except CertificateChanged as exc:
            raise CommandError(str(exc)) from None
        except Failure as f:
            if f.code == "HOST_IS_SLAVE":
                raise CommandError(
                    _(
                        "{server} is a pool supporter; its coordinator is {coordinator} (use --follow-coordinator)"
                    ).format(server=args.server, coordinator=f.param(0))
                ) from None
            raise CommandError(f.message()) from None
        except (XapiClientError, OSError, ValueError) as exc:
            raise CommandError(connection_error_text(exc, args.server)) from None


def connection_error_text(exc: BaseException, server: str) -> str:
    """One translated sentence for a failure to reach or talk to ``server`` (the same the
    console shows)."""
    message = getattr(exc, "message", None)
    if callable(message):
        return str(message())
    text = str(exc) or type(exc).__name__
    return _("Cannot connect to {server}: {error}").format(server=server, error=text)


def report(command: str, work: Callable[[], Any]) -> int:
    """Run ``work()`` and turn a :class:`CommandError` into one line on stderr and exit 1."""
    try:
        work()
    except CommandError as exc:
        print(f"xencenter-py {command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def run_with_connection(command: str, args: argparse.Namespace, work: Callable[[Any], Awaitable[None]]) -> int:
    """Connect as ``args`` say, await ``work(connection)``, report errors as one line."""
    set_language(getattr(args, "lang", None))

    async def main() -> None:
        async with connected(args) as conn:
            await work(conn)

    return report(command, lambda: asyncio.run(main()))
