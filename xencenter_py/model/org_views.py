"""Placement rules of XenCenter's organisation views: Tags, Folders, Custom Fields, vApps.

* **Tags**: one group per tag, each object under every tag it has.
* **Folders**: the folder tree from the objects' ``other_config["folder"]`` paths and the
  pools' ``EMPTY_FOLDERS``; sub-folders come before objects. Folders of several pools with
  the same path are one folder.
* **Custom Fields**: one group per field, one sub-group per value, objects under their value.
* **vApps**: each ``VM_appliance`` with its VMs.

Which objects appear, their labels, icons and order are the Objects view's (an object
hidden there is hidden here). Group keys are ``group/<kind>/...`` so several connections
share them; an object placed several times gets one key per place (``<cid>/<ref>#<group>``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from xencenter_py.i18n import gettext as _
from xencenter_py.model import org
from xencenter_py.model.objects import natural_key

if TYPE_CHECKING:
    from xencenter_py.model.tree_rules import Place, TreeRules

TAG_PREFIX = "group/tag/"
FOLDER_PREFIX = "group/folder"
FIELD_PREFIX = "group/cf/"
SEP = "\x1f"
"""Separates a custom field's name from its value in a group key (names may hold "/")."""


def tag_key(tag: str) -> str:
    return TAG_PREFIX + tag


def folder_key(path: str) -> str:
    """The key of a folder path ("/a/b" → "group/folder/a/b")."""
    return FOLDER_PREFIX + path


def field_key(name: str, value: str | None = None) -> str:
    return FIELD_PREFIX + name + ("" if value is None else SEP + value)


def group_place(key: str, root: str, search_groups: dict[str, Place] | None = None) -> Place | None:
    """The group node of an organisation view's key (None when ``key`` is not one)."""
    from xencenter_py.model.tree_rules import Place

    if key.startswith(SEARCH_PREFIX):
        return (search_groups or {}).get(key)
    if key.startswith(TAG_PREFIX):
        tag = key[len(TAG_PREFIX) :]
        return Place(root, (0, tag.casefold(), tag), tag, "tag", "tag", None, None, False, False)
    if key.startswith(FOLDER_PREFIX + "/"):
        path = key[len(FOLDER_PREFIX) :]
        parts = org.folder_parts(path)
        parent = folder_key(org.folder_path(parts[:-1])) if len(parts) > 1 else root
        return Place(parent, (0, natural_key(parts[-1])), parts[-1], "folder", "folder", None, None, False, False)
    if key.startswith(FIELD_PREFIX):
        name, sep, value = key[len(FIELD_PREFIX) :].partition(SEP)
        if sep:
            return Place(
                field_key(name), (0, natural_key(value)), value, "custom-field", "group", None, None, False, False
            )
        return Place(root, (0, natural_key(name)), name, "custom-field", "group", None, None, False, False)
    return None


def empty_folder_places(rules: TreeRules, conn: Any) -> dict[str, Place]:
    """The pool's empty folders, shown (``matches``) while there is no search text."""
    from xencenter_py.model.tree_rules import ROOT_KEY

    out: dict[str, Place] = {}
    for path in org.empty_folders(conn.cache.pool):
        for ancestor in org.folder_ancestors(path):
            place = group_place(folder_key(ancestor), ROOT_KEY)
            if place is not None:
                out[folder_key(ancestor)] = replace(place, matches=not rules.search_words)
    return out


def parents_of(view: str, obj: Any) -> list[str]:
    """The group keys an object sits under in ``view`` (empty: not shown there)."""
    from xencenter_py.model.tree_rules import ROOT_KEY

    if view == "tags":
        return [tag_key(t) for t in dict.fromkeys(obj.get("tags") or ())]
    if view == "folders":
        path = org.folder_of(obj)
        return [folder_key(path)] if path else []
    if view == "custom-fields":
        return [field_key(d.name, org.value_text(d, v)) for d, v in org.custom_field_values(obj)]
    if view == "vapps":
        appliance = obj.get("appliance") if obj.cls == "VM" else None
        if appliance and obj.resolve("VM_appliance", appliance) is not None:
            return [f"@{appliance}"]
        return []
    return [ROOT_KEY]


def place_connection(rules: TreeRules, cid: str, conn: Any) -> dict[str, Place]:
    """Every node of one connection in an organisation view."""
    view = rules.view.value
    out: dict[str, Place] = {}
    if view == "search":
        return place_search(rules, cid, conn)
    if view == "folders":
        out.update(empty_folder_places(rules, conn))
    if view == "vapps":
        for appliance in conn.cache.all("VM_appliance"):
            place = vapp_place(rules, cid, conn, appliance)
            if place is not None:
                out[f"{cid}/{appliance.ref}"] = place
    for cls in ("pool", "host", "VM", "SR", "VDI", "network"):
        if view == "vapps" and cls != "VM":
            continue
        for ref in conn.cache.refs(cls):
            parents = parents_of(view, conn.cache.get(cls, ref))
            if not parents:
                continue
            place = rules.place_in_objects_view(cid, conn, cls, ref)
            if place is None:
                continue
            for parent in parents:
                if parent.startswith("@"):
                    out[f"{cid}/{ref}"] = replace(place, parent=f"{cid}/{parent[1:]}")
                else:
                    out[f"{cid}/{ref}#{parent}"] = replace(place, parent=parent)
    return out


def vapp_place(rules: TreeRules, cid: str, conn: Any, appliance: Any) -> Place | None:
    from xencenter_py.model.tree_rules import ROOT_KEY, Place

    name = appliance.name or _("(No Name)")
    matches = rules.text_matches(name, appliance.description, ())
    return Place(
        ROOT_KEY, (0, natural_key(name), appliance.ref), name, "vapp", "vapp", appliance.ref, conn, False, matches
    )


SEARCH_PREFIX = "group/search/"


def place_search(rules: TreeRules, cid: str, conn: Any) -> dict[str, Place]:
    """A saved search's results: grouped by its grouping chain (an object may sit in several
    groups of a level, e.g. tags), objects without a value at a level stay one level up."""
    from itertools import product

    from xencenter_py.model import search as searching
    from xencenter_py.model.tree_rules import ROOT_KEY, Place

    saved = rules.saved_search
    out: dict[str, Place] = {}
    if saved is None:
        return out
    levels = saved.groupings()
    for cls in ("pool", "host", "VM", "SR", "VDI", "network"):
        for obj in conn.cache.all(cls):
            if not saved.wants(obj):
                continue
            place = rules.place_in_objects_view(cid, conn, cls, obj.ref)
            if place is None:
                continue
            chains: list[list[searching.GroupValue]] = [[]]
            for level in levels:
                values = searching.group_values(level, obj)
                if not values:
                    break
                chains = [[*c, v] for c, v in product(chains, values)]
            for chain in chains:
                parent = ROOT_KEY
                is_group_itself = False
                for depth, value in enumerate(chain):
                    key = SEARCH_PREFIX + SEP.join(v.key for v in chain[: depth + 1])
                    if value.key == f"{obj.cls}:{obj.ref}":
                        is_group_itself = True  # a VM is the group of its snapshots
                        rules.search_groups[key] = replace(place, parent=parent, matches=place.matches)
                    elif rules.search_groups.get(key, place).ref is None or key not in out:
                        sort = (0, natural_key(value.label), value.key)
                        rules.search_groups[key] = Place(
                            parent, sort, value.label, value.icon, "group", None, None, False, False
                        )
                    parent = key
                if is_group_itself:
                    out[parent] = rules.search_groups[parent]
                    continue
                out[f"{cid}/{obj.ref}#{parent}"] = replace(place, parent=parent)
    return out
