"""``xencenter-py user role``: the Users tab's Change Role."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli import lookup
from xencenter_py.cli.common import CommandError, add_connection_arguments, run_with_connection
from xencenter_py.datamodel import ROLES
from xencenter_py.i18n import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subject", required=True, help="user or group name (as listed) or subject identifier")
    parser.add_argument("--role", choices=ROLES, required=True)
    add_connection_arguments(parser)


def _subject(conn: Any, key: str) -> Any:
    for s in conn.cache.all("subject"):
        oc = s.other_config
        names = {s.get("subject_identifier"), oc.get("subject-name"), oc.get("subject-displayname")}
        short = str(oc.get("subject-name", "")).split("\\")[-1]
        if key in names or key == short:
            return s
    raise CommandError(_("No user or group '{name}' has access").format(name=key))


def run(args: argparse.Namespace) -> int:
    from xencenter_py.model.actions import users

    async def work(conn: Any) -> None:
        subject = _subject(conn, args.subject)
        await lookup.reported(users.change_role(conn, subject, args.role))
        print(_("'{subject}' now has the role {role}").format(subject=args.subject, role=args.role))

    return run_with_connection("user role", args, work)
