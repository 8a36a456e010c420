"""``xencenter-py user add``: the Users tab's Add (the pool must have joined a domain)."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli import lookup
from xencenter_py.cli.common import add_connection_arguments, run_with_connection
from xencenter_py.datamodel import ROLES
from xencenter_py.i18n import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subject", required=True, help="user or group, e.g. DOMAIN\\\\alice")
    parser.add_argument("--role", choices=ROLES, default="read-only")
    add_connection_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from xencenter_py.model.actions import users

    async def work(conn: Any) -> None:
        await lookup.reported(users.add_subject(conn, args.subject, args.role))
        print(_("Gave '{subject}' access as {role}").format(subject=args.subject, role=args.role))

    return run_with_connection("user add", args, work)
