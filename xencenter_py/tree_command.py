"""``xencenter-py tree``: print a pool's navigation tree, the scripting twin of the tree pane.

One node per line: two spaces of indent per level, the label, a tab, the icon name (see
``xencenter_py.model.tree`` for the icon vocabulary). Errors (wrong password, unreachable
server, untrusted certificate, unreadable dump) print one clear line on stderr and exit 1.
The password can come from ``--password-file`` or the ``XENCENTER_PASSWORD`` environment
variable so scripts need not put it on the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from xencenter_py.i18n import gettext as _
from xencenter_py.i18n import set_language

PASSWORD_ENV = "XENCENTER_PASSWORD"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--server", metavar="URL", help="server address: host, host:port or http(s)://host:port")
    source.add_argument("--from-db", metavar="FILE", help="read a XAPI database dump instead of connecting")
    parser.add_argument("--user", default="root", help="user name (default: root)")
    parser.add_argument("--password", help=f"password (prefer --password-file or ${PASSWORD_ENV})")
    parser.add_argument("--password-file", metavar="FILE", help="read the password from the first line of FILE")
    parser.add_argument("--view", choices=("infrastructure", "objects"), default="infrastructure")
    parser.add_argument("--lang", choices=("en", "ja"), default=None, help="language of the labels")
    parser.add_argument("--search", default="", help="show only objects matching this text")
    flag = argparse.BooleanOptionalAction
    parser.add_argument("--show-default-templates", action=flag, default=False, help="View ▸ server templates")
    parser.add_argument("--show-custom-templates", action=flag, default=True, help="View ▸ custom templates")
    parser.add_argument("--show-local-storage", action=flag, default=True, help="View ▸ local storage")
    parser.add_argument("--show-hidden", action=flag, default=False, help="View ▸ hidden objects")
    parser.add_argument("--trust-fingerprint", metavar="SHA256", help="accept the server certificate with this SHA-256")
    parser.add_argument(
        "--follow-coordinator", action="store_true", help="when given a pool supporter, connect to its coordinator"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the server (default: 30)")


class CommandError(Exception):
    """A problem to report on one line (already translated)."""


def _password(args: argparse.Namespace) -> str:
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


def _tree_lines(connection: Any, args: argparse.Namespace) -> list[str]:
    from xencenter_py.model.tree import NavigationTree, TreeOptions, TreeView

    options = TreeOptions(
        show_default_templates=args.show_default_templates,
        show_custom_templates=args.show_custom_templates,
        show_local_storage=args.show_local_storage,
        show_hidden=args.show_hidden,
    )
    tree = NavigationTree([connection], TreeView(args.view), options, args.search)
    lines = tree.render_lines()
    tree.close()
    return lines


async def _from_server(args: argparse.Namespace) -> list[str]:
    from xencenter_py.model.connection import Connection
    from xencenter_py.xapi.client import parse_address
    from xencenter_py.xapi.errors import CertificateChanged, CertificateUnknown, Failure, XapiClientError
    from xencenter_py.xapi.trust import TrustStore

    password = _password(args)
    with tempfile.TemporaryDirectory(prefix="xencenter-py-") as tmp:
        trust = TrustStore(Path(tmp) / "known-servers.json")
        try:
            if args.trust_fingerprint:
                trust.remember(parse_address(args.server).key, args.trust_fingerprint)
            conn = Connection(args.server, args.user, password, trust=trust, login_timeout=args.timeout)
            try:
                await conn.connect(follow_coordinator=args.follow_coordinator)
                return _tree_lines(conn, args)
            finally:
                await conn.disconnect()
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
            text = str(exc) or type(exc).__name__
            if args.server not in text:
                text = _("Cannot connect to {server}: {error}").format(server=args.server, error=text)
            raise CommandError(text) from None


def _from_db(args: argparse.Namespace) -> list[str]:
    from xencenter_py.model.connection import Connection
    from xencenter_py.sim import xmldb
    from xencenter_py.sim.store import Store

    store = Store()
    try:
        xmldb.load(args.from_db, store)
    except (xmldb.DatabaseError, OSError) as exc:
        raise CommandError(_("Cannot read {path}: {error}").format(path=args.from_db, error=exc)) from None
    tables = {cls: store.all(cls) for cls in store.tables}
    name = Path(args.from_db).name
    return _tree_lines(Connection.from_records(name, tables), args)


def run(args: argparse.Namespace) -> int:
    set_language(args.lang)
    try:
        lines = _from_db(args) if args.from_db else asyncio.run(_from_server(args))
    except CommandError as exc:
        print(f"xencenter-py tree: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    sys.stdout.write("".join(line + "\n" for line in lines))
    return 0
