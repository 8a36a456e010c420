"""Command-line entry point: ``xencenter-py [gui options] | sim ... | tree ...``.

Each subcommand lives in its own module exposing ``add_arguments(parser)`` and
``run(args) -> int``; modules are imported only when their command runs, so starting
the simulator never loads Qt.
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
    "tree": ("xencenter_py.tree_command", "print a pool's navigation tree"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xencenter-py", description="Console for XenServer / XCP-ng pools.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module).add_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] not in (*COMMANDS, "-h", "--help", "--version"):
        args_list.insert(0, "gui")
    command = args_list[0] if args_list[0] in COMMANDS else None
    if command:
        # Build only the chosen subcommand's parser: keeps `sim` free of Qt imports.
        module = importlib.import_module(COMMANDS[command][0])
        parser = argparse.ArgumentParser(prog=f"xencenter-py {command}", description=COMMANDS[command][1])
        module.add_arguments(parser)
        return int(module.run(parser.parse_args(args_list[1:])) or 0)
    _parser().parse_args(args_list)
    return 0
