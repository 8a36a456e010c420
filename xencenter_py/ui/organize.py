"""The window's organisation commands: Tools ▸ Manage Tags / Manage vApps / saved searches,
the organisation views' context menus (new, rename, delete folder; rename, delete tag;
untag; remove from folder; start / shut down a vApp), and drops onto a tag or a folder.

Every change runs a ``model.actions.organize`` action as one operation in
Notifications ▸ Events; the views follow the pool's events.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from xencenter_py.i18n import gettext as _
from xencenter_py.i18n import on_language_changed
from xencenter_py.model import org
from xencenter_py.model import search as searching
from xencenter_py.model.actions import organize
from xencenter_py.model.actions.base import ActionError
from xencenter_py.model.org_views import FOLDER_PREFIX, TAG_PREFIX
from xencenter_py.ui.aio import ask, run_dialog, show_error, spawn
from xencenter_py.ui.dialogs.name_dialog import NameDialog
from xencenter_py.ui.menus import set_action_text
from xencenter_py.ui.navigation import ORGANIZATION_MODES, Mode

if TYPE_CHECKING:
    from xencenter_py.ui.main_window import MainWindow


def folder_of_node(node: Any) -> str | None:
    """The folder path a Folders-view node stands for ("/" for the view's root)."""
    if node is None:
        return None
    if node.kind == "folder" and node.key.startswith(FOLDER_PREFIX):
        return node.key[len(FOLDER_PREFIX) :]
    if node.kind == "root" and node.icon == "folder":
        return "/"
    return None


RESULT_MODES = (*ORGANIZATION_MODES, Mode.SAVED_SEARCH)
"""Views whose group nodes (a tag, a folder, a search) select the objects below them."""


def results_under(nodes: list[Any]) -> list[Any]:
    """The distinct objects below the given nodes (a saved search's results for the Search tab)."""
    seen: dict[Any, None] = {}
    stack = list(nodes)
    while stack:
        node = stack.pop()
        obj = node.obj
        if obj is not None:
            seen.setdefault(obj, None)
        stack.extend(node.children)
    return list(seen)


def tag_of_node(node: Any) -> str | None:
    return node.key[len(TAG_PREFIX) :] if node is not None and node.kind == "tag" else None


class Organizer(QObject):
    """Owns the organisation actions of one main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.act_manage_tags = self._action("manageTags", self.manage_tags)
        self.act_manage_vapps = self._action("manageVapps", self.manage_vapps)
        self.act_search = self._action("newSearch", self.new_search)
        tools = window.menus["tools"]
        first = tools.actions()[0] if tools.actions() else None
        # Tools as XenCenter has them (Manage vApps is also in the vApps view's context menus).
        for act in (self.act_manage_tags, self.act_manage_vapps, self.act_search):
            tools.insertAction(first, act)
        tools.insertSeparator(first)
        window.navigation.searches = self.searches
        window.navigation.model.rename_handler = self.rename_node
        window.tree_rebuilt.connect(self._tree_rebuilt)
        self._unsubscribe = on_language_changed(lambda _lang: self.retranslate())
        window.destroyed.connect(lambda *_a: self._unsubscribe())
        self.retranslate()

    def _tree_rebuilt(self) -> None:
        """A saved search shows its own columns in the Search tab; a built-in one follows the
        language (its name is the tree's root)."""
        nav = self.w.navigation
        search = nav.saved_search if nav.mode is Mode.SAVED_SEARCH else None
        if search is not None and search.default:
            fresh = next((s for s in searching.default_searches() if s.uuid == search.uuid), search)
            if fresh.name != search.name:
                nav.saved_search = fresh
                self.w.rebuild_tree()
                return
        columns = [name for name, _width in search.columns] if search is not None and search.columns else None
        self.w.tab_pages["search"].set_columns(columns)

    def _action(self, name: str, slot: Callable[[], Any]) -> QAction:
        act = QAction(self.w)
        act.setObjectName(name)
        act.triggered.connect(lambda _c=False: slot())
        return act

    def retranslate(self) -> None:
        set_action_text(self.act_manage_tags, _("Manage &Tags..."))
        set_action_text(self.act_manage_vapps, _("Manage &vApps..."))
        set_action_text(self.act_search, _("&Search Designer..."))

    # -- helpers ----------------------------------------------------------------------------
    def connections(self) -> list[Any]:
        return [c for c in self.w.manager.connections if c.is_connected]

    def searches(self) -> list[searching.Search]:
        """The built-in searches and every connected pool's saved ones."""
        out = searching.default_searches()
        for conn in self.connections():
            for s in searching.saved_searches(conn.cache.pool):
                s.connection = conn
                out.append(s)
        return out

    def run(self, title: str, location: str, action: Callable[[Any], Awaitable[Any]]) -> Any:
        """Run an organise action as one operation (progress in Notifications ▸ Events)."""

        async def work(progress: Callable[[float], None]) -> None:
            await action(lambda fraction, _text="": progress(fraction))

        return self.w.history.start(title, location, work)

    def _location(self) -> str:
        conns = self.connections()
        return conns[0].friendly_name if len(conns) == 1 else _("All pools")

    async def _ask_name(self, title: Callable[[], str], prompt: Callable[[], str], check: Callable[[str], str],
                        initial: str = "") -> str | None:  # fmt: skip
        dialog = NameDialog(title, prompt, check, initial, self.w)
        accepted = await run_dialog(dialog)
        name = dialog.name()
        dialog.deleteLater()
        return name if accepted else None

    # -- folders ----------------------------------------------------------------------------
    @staticmethod
    def _folder_name_problem(name: str) -> str:
        try:
            organize.check_folder_name(name)
        except ActionError as exc:
            return str(exc)
        return ""

    def new_folder(self, parent: str) -> None:
        conns = self.connections()
        if not conns:
            return

        async def flow() -> None:
            name = await self._ask_name(
                lambda: _("New Folder"), lambda: _("&Name of the new folder:"), self._folder_name_problem
            )
            if name is None:
                return
            conn = conns[0]  # a new empty folder is kept by one pool (XenCenter asks which; the first)
            self.run(
                _("Creating folder '{name}'").format(name=name),
                conn.friendly_name,
                lambda p: organize.create_folder(conn, parent, name, p),
            )

        spawn(flow(), self.w, _("New Folder"))

    def rename_folder(self, path: str) -> None:
        async def flow() -> None:
            old = org.folder_parts(path)[-1]
            name = await self._ask_name(
                lambda: _("Rename Folder"), lambda: _("&New name of the folder:"), self._folder_name_problem, old
            )
            if name is None or name == old:
                return
            conns = self.connections()
            self.run(
                _("Renaming folder '{old}' to '{new}'").format(old=old, new=name),
                self._location(),
                lambda p: organize.rename_folder(conns, path, name, p),
            )

        spawn(flow(), self.w, _("Rename Folder"))

    def delete_folder(self, path: str) -> None:
        async def flow() -> None:
            text = _("Delete the folder '{path}'? The objects in it are not deleted; they leave the folder.")
            if not await ask(self.w, _("Delete Folder"), text.format(path=path), warning=True):
                return
            conns = self.connections()
            self.run(
                _("Deleting folder '{path}'").format(path=path),
                self._location(),
                lambda p: organize.delete_folder(conns, path, p),
            )

        spawn(flow(), self.w, _("Delete Folder"))

    def rename_node(self, node: Any, name: str) -> None:
        """A folder or tag renamed by editing its label in the tree."""
        folder, tag = folder_of_node(node), tag_of_node(node)
        conns = self.connections()
        if folder is not None and folder != "/":
            problem = self._folder_name_problem(name)
            if problem:
                show_error(self.w, _("Rename Folder"), problem)
                return
            old = org.folder_parts(folder)[-1]
            self.run(
                _("Renaming folder '{old}' to '{new}'").format(old=old, new=name),
                self._location(),
                lambda p: organize.rename_folder(conns, folder, name, p),
            )
        elif tag is not None:
            self.run(
                _("Renaming tag '{old}' to '{new}'").format(old=tag, new=name),
                self._location(),
                lambda p: organize.rename_tag(conns, tag, name, p),
            )

    # -- tags -------------------------------------------------------------------------------
    def rename_tag(self, tag: str) -> None:
        def problem(name: str) -> str:
            return "" if name.strip() else _("A tag cannot be empty.")

        async def flow() -> None:
            name = await self._ask_name(lambda: _("Rename Tag"), lambda: _("&New name of the tag:"), problem, tag)
            if name is None or name == tag:
                return
            conns = self.connections()
            self.run(
                _("Renaming tag '{old}' to '{new}'").format(old=tag, new=name),
                self._location(),
                lambda p: organize.rename_tag(conns, tag, name, p),
            )

        spawn(flow(), self.w, _("Rename Tag"))

    def delete_tag(self, tag: str) -> None:
        async def flow() -> None:
            text = _("Delete the tag '{tag}' from every object that has it?").format(tag=tag)
            if not await ask(self.w, _("Delete Tag"), text, warning=True):
                return
            conns = self.connections()
            self.run(
                _("Deleting tag '{tag}'").format(tag=tag),
                self._location(),
                lambda p: organize.delete_tag(conns, tag, p),
            )

        spawn(flow(), self.w, _("Delete Tag"))

    def manage_tags(self) -> None:
        from xencenter_py.ui.dialogs.manage_tags import ManageTagsDialog

        dialog = ManageTagsDialog(self, self.w)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def manage_vapps(self) -> None:
        from xencenter_py.ui.dialogs.manage_vapps import ManageVAppsDialog

        conn = next((o.connection for o in self.w.selection), None) or next(iter(self.connections()), None)
        if conn is None:
            return
        dialog = ManageVAppsDialog(conn, self.w.history, self.w)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def new_search(self) -> None:
        from xencenter_py.ui.dialogs.search_designer import SearchDesigner

        shown = self.w.navigation.saved_search if self.w.navigation.mode is Mode.SAVED_SEARCH else None
        dialog = SearchDesigner(self, self.w, shown)  # the search on show is opened for editing
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    # -- context menu -----------------------------------------------------------------------
    def extend_context_menu(self, menu: QMenu, nodes: list[Any]) -> None:
        """Add the organisation views' commands for the selected nodes."""
        if not nodes:
            return
        node = nodes[0]
        folder = folder_of_node(node)
        tag = tag_of_node(node)
        parent_folder = folder_of_node(node.parent)
        parent_tag = tag_of_node(node.parent)
        items: list[tuple[str, str, Callable[[], Any]]] = []
        if folder is not None and len(nodes) == 1:
            items.append(("newFolder", _("New &Folder..."), lambda: self.new_folder(folder)))
            if folder != "/":
                items.append(("renameFolder", _("&Rename Folder..."), lambda: self.rename_folder(folder)))
                items.append(("deleteFolder", _("&Delete Folder"), lambda: self.delete_folder(folder)))
        if tag is not None and len(nodes) == 1:
            items.append(("renameTag", _("&Rename Tag..."), lambda: self.rename_tag(tag)))
            items.append(("deleteTag", _("&Delete Tag"), lambda: self.delete_tag(tag)))
        objects = [n.obj for n in nodes if n.obj is not None and n.obj.cls in org.FOLDER_CLASSES]
        if objects and parent_folder is not None and len(objects) == len(nodes):
            items.append(("removeFromFolder", _("Remove from &Folder"), lambda: self._move_objects(objects, "")))
        if objects and parent_tag is not None and len(objects) == len(nodes):
            items.append(("untag", _("&Untag"), lambda: self._untag(objects, parent_tag)))
        if node.kind == "root" and node.icon == "vapp":
            items.append(("manageVapps", _("Manage &vApps..."), self.manage_vapps))
        if node.kind == "vapp" and node.obj is not None:
            appliance = node.obj
            items.append(("startVapp", _("&Start vApp"), lambda: self.start_vapp(appliance)))
            items.append(("shutDownVapp", _("Shut &Down vApp"), lambda: self.shut_down_vapp(appliance)))
            items.append(("manageVapps", _("Manage &vApps..."), self.manage_vapps))
        if not items:
            return
        if menu.actions():
            menu.addSeparator()
        for name, text, slot in items:
            act = menu.addAction("")
            set_action_text(act, text)
            act.setObjectName(name)
            act.triggered.connect(lambda _c=False, s=slot: s())

    def _move_objects(self, objects: list[Any], path: str) -> None:
        title = _("Moving to folder '{path}'").format(path=path) if path else _("Removing from folder")
        self.run(title, self._location(), lambda p: organize.move_to_folder(objects, path, p))

    def _untag(self, objects: list[Any], tag: str) -> None:
        self.run(
            _("Removing tag '{tag}'").format(tag=tag),
            self._location(),
            lambda p: organize.untag_objects(objects, tag, p),
        )

    def start_vapp(self, appliance: Any) -> None:
        self.run(
            _("Starting vApp '{name}'").format(name=appliance.name),
            appliance.connection.friendly_name,
            lambda p: organize.start_vapp(appliance, p),
        )

    def shut_down_vapp(self, appliance: Any) -> None:
        self.run(
            _("Shutting down vApp '{name}'").format(name=appliance.name),
            appliance.connection.friendly_name,
            lambda p: organize.shut_down_vapp(appliance, p),
        )

    # -- drag and drop ----------------------------------------------------------------------
    def drop_verdict(self, nodes: list[Any], target: Any) -> tuple[bool, str] | None:
        """What dropping ``nodes`` on ``target`` would do here (None: not an organisation drop)."""
        folder, tag = folder_of_node(target), tag_of_node(target)
        if folder is None and tag is None:
            return None
        folders = [folder_of_node(n) for n in nodes if folder_of_node(n) not in (None, "/")]
        objects = [n.obj for n in nodes if n.obj is not None and n.obj.cls in org.FOLDER_CLASSES]
        if len(folders) + len(objects) != len(nodes) or not nodes:
            return False, ""
        if tag is not None:
            if folders:
                return False, _("Folders cannot be tagged.")
            return True, _("Tag with '{tag}'").format(tag=tag)
        assert folder is not None
        if any(org.is_within(folder, f) for f in folders):
            return False, _("A folder cannot be moved into itself.")
        return True, _("Move to folder '{path}'").format(path=folder)

    def drop(self, nodes: list[Any], target: Any) -> bool:
        verdict = self.drop_verdict(nodes, target)
        if verdict is None or not verdict[0]:
            return verdict is not None
        folder, tag = folder_of_node(target), tag_of_node(target)
        objects = [n.obj for n in nodes if n.obj is not None]
        if tag is not None:
            self.run(
                _("Adding tag '{tag}'").format(tag=tag),
                self._location(),
                lambda p: organize.tag_objects(objects, tag, p),
            )
            return True
        assert folder is not None
        target_path = "" if folder == "/" else folder
        conns = self.connections()
        for path in [folder_of_node(n) for n in nodes if n.obj is None]:
            if path is None:
                continue
            new = org.folder_path([*org.folder_parts(target_path), org.folder_parts(path)[-1]])
            self.run(
                _("Moving folder '{old}' to '{new}'").format(old=path, new=new),
                self._location(),
                lambda p, old=path, new=new: organize.move_folder(conns, old, new, p),
            )
        if objects:
            self._move_objects(objects, target_path)
        return True
