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
import sys
from pathlib import Path
from typing import Any

from xencenter_py.cli.common import SERVER_HELP, CommandError, add_connection_arguments, connected
from xencenter_py.i18n import gettext as _
from xencenter_py.i18n import set_language


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--server", metavar="URL", help=SERVER_HELP)
    source.add_argument("--from-db", metavar="FILE", help="read a XAPI database dump instead of connecting")
    add_connection_arguments(parser, server=False)
    parser.add_argument(
        "--view",
        choices=("infrastructure", "objects", "tags", "folders", "custom-fields", "vapps"),
        default="infrastructure",
        help="the navigation view to print (the organisation views: tags, folders, custom-fields, vapps)",
    )
    parser.add_argument(
        "--search-file",
        metavar="FILE",
        help="print the results of the saved search in a XenCenter .xensearch file (the first one in it)",
    )
    parser.add_argument("--search", default="", help="show only objects matching this text")
    flag = argparse.BooleanOptionalAction
    parser.add_argument("--show-default-templates", action=flag, default=False, help="View ▸ server templates")
    parser.add_argument("--show-custom-templates", action=flag, default=True, help="View ▸ custom templates")
    parser.add_argument("--show-local-storage", action=flag, default=True, help="View ▸ local storage")
    parser.add_argument("--show-hidden", action=flag, default=False, help="View ▸ hidden objects")


def _tree_lines(connection: Any, args: argparse.Namespace) -> list[str]:
    from xencenter_py.model.tree import NavigationTree, TreeOptions, TreeView

    options = TreeOptions(
        show_default_templates=args.show_default_templates,
        show_custom_templates=args.show_custom_templates,
        show_local_storage=args.show_local_storage,
        show_hidden=args.show_hidden,
    )
    saved = getattr(args, "saved_search", None)
    view = TreeView.SEARCH if saved is not None else TreeView(args.view)
    tree = NavigationTree([connection], view, options, args.search, saved)
    lines = tree.render_lines()
    tree.close()
    return lines


async def _from_server(args: argparse.Namespace) -> list[str]:
    async with connected(args) as conn:
        return _tree_lines(conn, args)


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


def _load_search_file(path: str) -> Any:
    from xencenter_py.model.search import SearchFormatError, parse_search_file

    try:
        text = Path(path).read_text(encoding="utf-8-sig")
        return parse_search_file(text)[0]
    except (OSError, UnicodeDecodeError, SearchFormatError) as exc:
        raise CommandError(_("Cannot read the saved search {path}: {error}").format(path=path, error=exc)) from None


def run(args: argparse.Namespace) -> int:
    set_language(args.lang)
    try:
        args.saved_search = _load_search_file(args.search_file) if args.search_file else None
        lines = _from_db(args) if args.from_db else asyncio.run(_from_server(args))
    except CommandError as exc:
        print(f"xencenter-py tree: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    sys.stdout.write("".join(line + "\n" for line in lines))
    return 0
