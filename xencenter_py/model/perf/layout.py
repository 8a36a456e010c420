"""Graph layouts and series colours in the pool's ``gui_config``, with XenCenter's keys
(``Palette.cs``), so XenCenter and this console show the same graphs:

- ``XenCenter.GraphLayout.<i>.host|vm.<uuid>`` = comma-separated data source names;
- ``XenCenter.GraphName.<i>.host|vm.<uuid>`` = the graph's title (absent when empty);
- ``XenCenter.DataSource.host|vm.<uuid>.<source>`` = the series colour as a signed
  32-bit ARGB integer (.NET's ``Color.ToArgb()``).

No layout keys for an object means "the default graphs".
"""

from __future__ import annotations

from typing import Any

from xencenter_py.model.perf.sources import GraphDef, default_graphs


def kind_of(obj: Any) -> str:
    return "host" if obj.cls == "host" else "vm"


def layout_key(index: int, kind: str, uuid: str) -> str:
    return f"XenCenter.GraphLayout.{index}.{kind}.{uuid}"


def name_key(index: int, kind: str, uuid: str) -> str:
    return f"XenCenter.GraphName.{index}.{kind}.{uuid}"


def colour_key(kind: str, uuid: str, source: str) -> str:
    return f"XenCenter.DataSource.{kind}.{uuid}.{source}"


def load(gui_config: dict[str, str], kind: str, uuid: str) -> list[GraphDef] | None:
    """The stored graphs of one object, or None when it shows the default graphs."""
    graphs: list[GraphDef] = []
    index = 0
    while (value := gui_config.get(layout_key(index, kind, uuid))) is not None:
        sources = [s.strip() for s in value.split(",") if s.strip()]
        graphs.append(GraphDef(gui_config.get(name_key(index, kind, uuid), ""), sources))
        index += 1
    return graphs or None


def graphs_for(obj: Any) -> tuple[list[GraphDef], bool]:
    """(graphs, whether they are the defaults) for a host or VM from its pool's config."""
    pool = obj.cache.pool
    config = dict(pool.get("gui_config") or {}) if pool is not None else {}
    stored = load(config, kind_of(obj), obj.uuid)
    if stored is None:
        return default_graphs(obj), True
    return stored, False


def colours(gui_config: dict[str, str], kind: str, uuid: str) -> dict[str, int]:
    """Stored series colours (source name → 0xAARRGGBB, unsigned)."""
    prefix = f"XenCenter.DataSource.{kind}.{uuid}."
    out: dict[str, int] = {}
    for key, value in gui_config.items():
        if key.startswith(prefix):
            try:
                out[key[len(prefix) :]] = int(value) & 0xFFFFFFFF
            except ValueError:
                continue
    return out


def argb_text(rgb: int) -> str:
    """An opaque 0xRRGGBB colour as .NET's signed ``ToArgb()`` text."""
    argb = 0xFF000000 | (rgb & 0xFFFFFF)
    return str(argb - (1 << 32))


def changes(
    gui_config: dict[str, str],
    kind: str,
    uuid: str,
    graphs: list[GraphDef] | None,
    new_colours: dict[str, int] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """(keys to remove, keys to set) turning ``gui_config`` into one that stores
    ``graphs`` for the object (None = back to the default graphs)."""
    remove = [
        key
        for key in gui_config
        if key.endswith(f".{kind}.{uuid}")
        and (key.startswith("XenCenter.GraphLayout.") or key.startswith("XenCenter.GraphName."))
    ]
    put: dict[str, str] = {}
    for index, graph in enumerate(graphs or []):
        put[layout_key(index, kind, uuid)] = graph.layout_value()
        if graph.title:
            put[name_key(index, kind, uuid)] = graph.title
    for source, rgb in (new_colours or {}).items():
        put[colour_key(kind, uuid, source)] = argb_text(rgb)
    put = {k: v for k, v in put.items() if gui_config.get(k) != v}
    unchanged = {k for k in remove if k not in put and k in gui_config and _kept(k, graphs, kind, uuid)}
    remove = [k for k in remove if k not in unchanged]
    remove += [k for k in put if k in gui_config and k not in remove]  # a map key is replaced by remove + add
    return remove, put


def _kept(key: str, graphs: list[GraphDef] | None, kind: str, uuid: str) -> bool:
    """Whether a layout/name key already holds what ``graphs`` stores there."""
    for index, graph in enumerate(graphs or []):
        if key == layout_key(index, kind, uuid) or (graph.title and key == name_key(index, kind, uuid)):
            return True
    return False
