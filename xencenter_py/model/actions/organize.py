"""Organising pools as XenCenter does: tags, folders, custom field definitions, vApps.

Everything is written where XenCenter keeps it (see ``model.org``), so both consoles see
the same organisation. Folder and tag actions take several connections: a folder or a tag
is one thing across every connected pool (renaming ``/Web`` renames it in all of them).
Each action reports progress per object changed and stops between calls when cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from xencenter_py.i18n import gettext as _
from xencenter_py.model import org
from xencenter_py.model.actions.base import ActionError, Progress, no_progress

Call = tuple[Any, str, tuple[Any, ...]]
"""(connection, method, arguments)."""


async def _run(calls: Sequence[Call], progress: Progress, description: str) -> None:
    progress(0.0, description)
    for done, (conn, method, args) in enumerate(calls, 1):
        await conn.call(method, *args)
        progress(done / len(calls), "")
    progress(1.0, "")


def _set_other_config(obj: Any, key: str, value: str | None) -> list[Call]:
    conn, cls, ref = obj.connection, obj.cls, obj.ref
    out: list[Call] = []
    if key in (obj.get("other_config") or {}):
        out.append((conn, f"{cls}.remove_from_other_config", (ref, key)))
    if value:
        out.append((conn, f"{cls}.add_to_other_config", (ref, key, value)))
    return out


def _objects(connections: Iterable[Any]) -> Iterable[Any]:
    for conn in connections:
        for cls in org.FOLDER_CLASSES:
            yield from conn.cache.all(cls)


# -- tags ----------------------------------------------------------------------------------------
def check_tag(name: str) -> str:
    name = name.strip()
    if not name:
        raise ActionError(_("A tag cannot be empty."))
    return name


async def tag_objects(objects: Sequence[Any], tag: str, progress: Progress = no_progress) -> None:
    """Add ``tag`` to objects (a drop onto a tag): objects that have it are left alone."""
    tag = check_tag(tag)
    calls = [(o.connection, f"{o.cls}.add_tags", (o.ref, tag)) for o in objects if tag not in (o.get("tags") or ())]
    await _run(calls, progress, _("Adding tag '{tag}'").format(tag=tag))


async def untag_objects(objects: Sequence[Any], tag: str, progress: Progress = no_progress) -> None:
    calls = [(o.connection, f"{o.cls}.remove_tags", (o.ref, tag)) for o in objects if tag in (o.get("tags") or ())]
    await _run(calls, progress, _("Removing tag '{tag}'").format(tag=tag))


async def rename_tag(connections: Sequence[Any], old: str, new: str, progress: Progress = no_progress) -> None:
    """Rename a tag on every object of every pool that has it."""
    new = check_tag(new)
    if new == old:
        return
    calls: list[Call] = []
    for o in _objects(connections):
        tags = o.get("tags") or ()
        if old in tags:
            calls.append((o.connection, f"{o.cls}.remove_tags", (o.ref, old)))
            if new not in tags:
                calls.append((o.connection, f"{o.cls}.add_tags", (o.ref, new)))
    await _run(calls, progress, _("Renaming tag '{old}' to '{new}'").format(old=old, new=new))


async def delete_tag(connections: Sequence[Any], tag: str, progress: Progress = no_progress) -> None:
    calls = [
        (o.connection, f"{o.cls}.remove_tags", (o.ref, tag))
        for o in _objects(connections)
        if tag in (o.get("tags") or ())
    ]
    await _run(calls, progress, _("Deleting tag '{tag}'").format(tag=tag))


# -- folders -------------------------------------------------------------------------------------
def check_folder_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ActionError(_("A folder name cannot be empty."))
    if org.FOLDER_SEPARATOR in name or org.EMPTY_FOLDERS_SEPARATOR in name:
        raise ActionError(_("A folder name cannot contain '/' or ';'."))
    return name


def _empty_folder_calls(conn: Any, paths: Iterable[str]) -> list[Call]:
    pool = conn.cache.pool
    if pool is None:
        return []
    value = org.join_empty_folders(paths)
    return _set_other_config(pool, org.EMPTY_FOLDERS_KEY, value or None)


async def create_folder(conn: Any, parent: str, name: str, progress: Progress = no_progress) -> str:
    """Create folder ``name`` under ``parent`` ("" or "/" for the top) in one pool; returns its path."""
    path = org.folder_path([*org.folder_parts(parent), check_folder_name(name)])
    existing = set(org.empty_folders(conn.cache.pool))
    if path in existing or any(org.is_within(org.folder_of(o), path) for o in _objects([conn])):
        raise ActionError(_("The folder '{path}' already exists.").format(path=path))
    await _run(_empty_folder_calls(conn, existing | {path}), progress, _("Creating folder '{path}'").format(path=path))
    return path


async def rename_folder(connections: Sequence[Any], path: str, name: str, progress: Progress = no_progress) -> str:
    """Rename a folder (and move what is below it) in every pool; returns the new path."""
    parts = org.folder_parts(path)
    if not parts:
        raise ActionError(_("The top folder cannot be renamed."))
    new = org.folder_path([*parts[:-1], check_folder_name(name)])
    await move_folder(connections, path, new, progress)
    return new


async def move_folder(connections: Sequence[Any], path: str, new: str, progress: Progress = no_progress) -> None:
    """Move folder ``path`` to ``new`` (its objects and sub-folders follow) in every pool."""
    if new == path:
        return
    if org.is_within(new, path):
        raise ActionError(_("A folder cannot be moved into itself."))
    calls: list[Call] = []
    for conn in connections:
        for o in _objects([conn]):
            folder = org.folder_of(o)
            if org.is_within(folder, path):
                calls += _set_other_config(o, org.FOLDER_KEY, org.moved_path(folder, path, new))
        empties = org.empty_folders(conn.cache.pool)
        if any(org.is_within(e, path) for e in empties):
            calls += _empty_folder_calls(conn, [org.moved_path(e, path, new) for e in empties])
    await _run(calls, progress, _("Moving folder '{old}' to '{new}'").format(old=path, new=new))


async def delete_folder(connections: Sequence[Any], path: str, progress: Progress = no_progress) -> None:
    """Delete a folder in every pool: its objects leave the folder (they are not deleted)."""
    calls: list[Call] = []
    for conn in connections:
        for o in _objects([conn]):
            if org.is_within(org.folder_of(o), path):
                calls += _set_other_config(o, org.FOLDER_KEY, None)
        empties = org.empty_folders(conn.cache.pool)
        if any(org.is_within(e, path) for e in empties):
            calls += _empty_folder_calls(conn, [e for e in empties if not org.is_within(e, path)])
    await _run(calls, progress, _("Deleting folder '{path}'").format(path=path))


async def move_to_folder(objects: Sequence[Any], path: str, progress: Progress = no_progress) -> None:
    """File objects (of any pools) into folder ``path``; "" takes them out of folders."""
    path = org.normalise_folder(path)
    calls: list[Call] = []
    for o in objects:
        if org.folder_of(o) != path:
            calls += _set_other_config(o, org.FOLDER_KEY, path or None)
    await _run(calls, progress, _("Moving to folder '{path}'").format(path=path or "/"))


# -- custom fields -------------------------------------------------------------------------------
async def add_custom_field(conn: Any, definition: org.CustomFieldDefinition, progress: Progress = no_progress) -> None:
    pool = conn.cache.pool
    if pool is None:
        raise ActionError(_("The pool is not loaded yet."))
    if not definition.name.strip():
        raise ActionError(_("A custom field needs a name."))
    existing = org.custom_field_definitions(pool)
    if any(d.name == definition.name for d in existing):
        raise ActionError(_("A custom field called '{name}' already exists.").format(name=definition.name))
    xml = org.custom_fields_xml([*existing, definition])
    calls: list[Call] = []
    if org.CUSTOM_FIELDS_KEY in (pool.get("gui_config") or {}):
        calls.append((conn, "pool.remove_from_gui_config", (pool.ref, org.CUSTOM_FIELDS_KEY)))
    calls.append((conn, "pool.add_to_gui_config", (pool.ref, org.CUSTOM_FIELDS_KEY, xml)))
    await _run(calls, progress, _("Adding custom field '{name}'").format(name=definition.name))


async def remove_custom_field(conn: Any, name: str, progress: Progress = no_progress) -> None:
    """Remove a definition and every object's value of it (XenCenter's RemoveCustomFieldAction)."""
    pool = conn.cache.pool
    existing = org.custom_field_definitions(pool)
    kept = [d for d in existing if d.name != name]
    key = org.CUSTOM_FIELD_PREFIX + name
    calls: list[Call] = [(conn, "pool.remove_from_gui_config", (pool.ref, org.CUSTOM_FIELDS_KEY))]
    if kept:
        calls.append((conn, "pool.add_to_gui_config", (pool.ref, org.CUSTOM_FIELDS_KEY, org.custom_fields_xml(kept))))
    calls += [
        (conn, f"{o.cls}.remove_from_other_config", (o.ref, key)) for o in _objects([conn]) if key in o.other_config
    ]
    await _run(calls, progress, _("Deleting custom field '{name}'").format(name=name))


# -- vApps ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VAppMember:
    """A VM of a vApp with its start order and delays (seconds)."""

    vm: Any
    order: int = 0
    start_delay: int = 0
    shutdown_delay: int = 0


async def save_vapp(
    conn: Any,
    name: str,
    description: str,
    members: Sequence[VAppMember],
    appliance: Any = None,
    progress: Progress = no_progress,
) -> str:
    """Create a vApp (``appliance`` None) or change one: name, VMs, start order and delays."""
    name = name.strip()
    if not name:
        raise ActionError(_("A vApp needs a name."))
    calls: list[Call] = []
    if appliance is None:
        progress(0.0, _("Creating vApp '{name}'").format(name=name))
        ref = await conn.call("VM_appliance.create", {"name_label": name, "name_description": description})
    else:
        ref = appliance.ref
        if appliance.name != name:
            calls.append((conn, "VM_appliance.set_name_label", (ref, name)))
        if appliance.description != description:
            calls.append((conn, "VM_appliance.set_name_description", (ref, description)))
        wanted = {m.vm.ref for m in members}
        for vm_ref in appliance.get("VMs") or ():
            if vm_ref not in wanted:
                calls.append((conn, "VM.set_appliance", (vm_ref, "OpaqueRef:NULL")))
    for m in members:
        rec = m.vm.record
        if rec.get("appliance") != ref:
            calls.append((conn, "VM.set_appliance", (m.vm.ref, ref)))
        for field, value in (("order", m.order), ("start_delay", m.start_delay), ("shutdown_delay", m.shutdown_delay)):
            if rec.get(field) != value:
                calls.append((conn, f"VM.set_{field}", (m.vm.ref, value)))
    await _run(calls, progress, _("Saving vApp '{name}'").format(name=name))
    return str(ref)


async def delete_vapp(appliance: Any, progress: Progress = no_progress) -> None:
    """Delete a vApp; its VMs stay (they leave the vApp)."""
    conn = appliance.connection
    calls: list[Call] = [(conn, "VM.set_appliance", (r, "OpaqueRef:NULL")) for r in appliance.get("VMs") or ()]
    calls.append((conn, "VM_appliance.destroy", (appliance.ref,)))
    await _run(calls, progress, _("Deleting vApp '{name}'").format(name=appliance.name))


async def start_vapp(appliance: Any, progress: Progress = no_progress) -> None:
    """Start every VM of the vApp in order, as one pool task."""
    progress(0.0, _("Starting vApp '{name}'").format(name=appliance.name))
    await appliance.connection.run_task("VM_appliance.start", appliance.ref, False, progress=lambda f: progress(f, ""))


async def shut_down_vapp(appliance: Any, progress: Progress = no_progress) -> None:
    """Shut down every VM of the vApp in reverse order, as one pool task."""
    progress(0.0, _("Shutting down vApp '{name}'").format(name=appliance.name))
    await appliance.connection.run_task("VM_appliance.shutdown", appliance.ref, progress=lambda f: progress(f, ""))
