"""Command-line entry point: ``xencenter-py [gui options] | sim ... | tree ... | vm ... | ...``.

Each command lives in its own module exposing ``add_arguments(parser)`` and
``run(args) -> int``; a verb group (``vm``, ``ha``, ...) is a module with a ``VERBS``
table of the same form instead. Modules are imported only when their command runs, so
starting the simulator never loads Qt.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from xencenter_py import __version__

# command -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "gui": ("xencenter_py.ui.app", "open the console (the default)"),
    "sim": ("xencenter_py.sim.cli", "run a simulated XenServer pool"),
    "tree": ("xencenter_py.cli.tree", "print a pool's navigation tree"),
    "ha": ("xencenter_py.cli.ha", "high availability: status, enable, disable, plan, what-if"),
    "vm": ("xencenter_py.cli.vm", "VM commands: new, copy, delete, export, import, migrate, disk, snapshot, revert"),
    "host": ("xencenter_py.cli.host", "server commands"),
    "sr": ("xencenter_py.cli.sr", "storage repository commands"),
    "pool": ("xencenter_py.cli.pool", "pool commands"),
    "perf": ("xencenter_py.cli.perf", "print or export a host's or VM's performance data"),
    "network": ("xencenter_py.cli.network", "network verbs: create, bond"),
    "user": ("xencenter_py.cli.user", "user verbs: add, role"),
}


def _run(prog: str, module_path: str, help_text: str, argv: list[str]) -> int:
    """Run one command or verb group; a group picks its verb from ``argv[0]``."""
    module = importlib.import_module(module_path)
    verbs = getattr(module, "VERBS", None)
    if verbs is None:
        parser = argparse.ArgumentParser(prog=prog, description=help_text)
        module.add_arguments(parser)
        return int(module.run(parser.parse_args(argv)) or 0)
    if argv and argv[0] in verbs:
        sub_module, sub_help = verbs[argv[0]]
        return _run(f"{prog} {argv[0]}", sub_module, sub_help, argv[1:])
    parser = argparse.ArgumentParser(prog=prog, description=help_text)
    sub = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    for name, (_, verb_help) in verbs.items():
        sub.add_parser(name, help=verb_help, add_help=False)
    parser.parse_args(argv)  # prints the usage or the error
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] not in (*COMMANDS, "-h", "--help", "--version"):
        args_list.insert(0, "gui")
    if args_list[0] in COMMANDS:
        module, help_text = COMMANDS[args_list[0]]
        return _run(f"xencenter-py {args_list[0]}", module, help_text, args_list[1:])
    parser = argparse.ArgumentParser(prog="xencenter-py", description="Console for XenServer / XCP-ng pools.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    parser.parse_args(args_list)
    return 0
