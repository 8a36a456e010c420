"""``xencenter-py perf``: a host's or VM's performance series over a time range, printed
as a table or written as CSV, with the same archive keeper, graph layout and export code
as the Performance tab."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from xencenter_py.cli.common import CommandError, add_connection_arguments, run_with_connection
from xencenter_py.cli.lookup import find
from xencenter_py.i18n import gettext as _
from xencenter_py.model.perf.ranges import BY_KEY


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_arguments(parser)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--vm", metavar="NAME", help="the VM (name or uuid)")
    target.add_argument("--host", metavar="NAME", help="the server (name or uuid)")
    parser.add_argument("--range", default="10m", choices=list(BY_KEY), help="how far back (default: 10m)")
    parser.add_argument("--csv", metavar="FILE", help="write CSV to FILE ('-' for standard output)")


async def series(conn: Any, args: argparse.Namespace) -> tuple[Any, list[str], float, float]:
    """(window, data source names, start, end) for what ``args`` ask."""
    from xencenter_py.model.perf import layout
    from xencenter_py.model.perf.keeper import ArchiveKeeper

    obj = (
        find(conn, "VM", args.vm, lambda v: v.is_real_vm, _("VM"))
        if args.vm
        else find(conn, "host", args.host, what=_("server"))
    )
    graphs, _defaults = layout.graphs_for(obj)
    names = list(dict.fromkeys(n for g in graphs for n in g.sources))
    keeper = ArchiveKeeper(conn, obj)
    try:
        await keeper.update_once()
    except Exception as exc:
        raise CommandError(_("Could not read performance data: {error}").format(error=exc)) from None
    finally:
        await keeper.stop()
    last = keeper.archive.rings[5].last
    end = float(last) if last is not None else keeper.server_now()
    start = end - BY_KEY[args.range].seconds
    return keeper.archive.window(start, end, names), names, start, end


def run(args: argparse.Namespace) -> int:
    from xencenter_py.model.perf import export

    async def work(conn: Any) -> None:
        window, names, start, end = await series(conn, args)
        if args.csv:
            text = export.to_csv(window, names, start, end)
            if args.csv == "-":
                print(text, end="")
            else:
                try:
                    Path(args.csv).write_text(text, encoding="utf-8")
                except OSError as exc:
                    raise CommandError(_("Cannot write {path}: {error}").format(path=args.csv, error=exc)) from None
            return
        print(table(window, names, start, end))

    return run_with_connection("perf", args, work)


def table(window: Any, names: list[str], start: float, end: float) -> str:
    """A readable table: local time, then each series in its unit."""
    from xencenter_py.model.perf import sources, units
    from xencenter_py.model.perf.export import local_time

    header = [_("Time"), *(sources.friendly_name(n) for n in names)]
    rows = [header]
    for i, t in enumerate(window.times):
        if not start <= t <= end:
            continue
        cells = [local_time(float(t))]
        for n in names:
            column = window.series.get(n)
            value = float(column[i]) * sources.info(n).scale if column is not None else float("nan")
            cells.append(units.format_value(sources.info(n).unit, value))
        rows.append(cells)
    widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
    return "\n".join(
        "  ".join(cell.rjust(w) if c else cell.ljust(w) for c, (cell, w) in enumerate(zip(r, widths, strict=True)))
        for r in rows
    )
