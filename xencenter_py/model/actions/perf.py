"""Performance graph actions: save a graph layout (XenCenter's ``SaveDataSourceStateAction``),
list an object's data sources, and turn recording of a data source on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions.base import ActionError, Progress, no_progress
from xencenter_py.model.perf import layout
from xencenter_py.model.perf.sources import GraphDef


@dataclass(frozen=True)
class DataSource:
    """One ``data_source`` record of ``host/VM.get_data_sources``."""

    name: str
    description: str
    units: str
    enabled: bool
    standard: bool


def _class(obj: Any) -> str:
    return "host" if layout.kind_of(obj) == "host" else "VM"


def _session(connection: Any) -> Any:
    session = getattr(connection, "session", None)
    if session is None:
        raise ActionError(_("Not connected to the pool."))
    return session


async def save_layout(
    connection: Any,
    obj: Any,
    graphs: list[GraphDef] | None,
    colours: dict[str, int] | None = None,
    progress: Progress = no_progress,
) -> None:
    """Store ``graphs`` (None: back to the defaults) and series colours for ``obj`` in the
    pool's ``gui_config``, in one ``pool.set_gui_config`` as XenCenter does, so a console
    never sees half a layout; the map is read fresh just before, so other keys survive."""
    session = _session(connection)
    pool = connection.cache.pool
    if pool is None:
        raise ActionError(_("The pool is not loaded yet."))
    progress(0.0, _("Saving graph layout"))
    config = dict(await session.call("pool.get_gui_config", pool.ref))
    remove, put = layout.changes(config, layout.kind_of(obj), obj.uuid, graphs, colours)
    if remove or put:
        for key in remove:
            config.pop(key, None)
        config.update(put)
        await session.call("pool.set_gui_config", pool.ref, config)
    progress(1.0, "")


async def data_sources(connection: Any, obj: Any) -> list[DataSource]:
    """The object's data sources, as ``get_data_sources`` lists them."""
    records = await _session(connection).call(f"{_class(obj)}.get_data_sources", obj.ref)
    return sorted(
        (
            DataSource(
                str(r.get("name_label", "")),
                str(r.get("name_description", "")),
                str(r.get("units", "")),
                bool(r.get("enabled", False)),
                bool(r.get("standard", False)),
            )
            for r in records
        ),
        key=lambda d: d.name,
    )


async def record_data_source(connection: Any, obj: Any, name: str) -> None:
    """Start recording a disabled data source (``record_data_source``)."""
    await _session(connection).call(f"{_class(obj)}.record_data_source", obj.ref, name)
