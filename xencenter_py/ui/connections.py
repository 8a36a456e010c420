"""The console's connections: the saved server list, and connecting with the user's help.

``ConnectionManager`` owns the model's ``Connection`` objects and the saved server list.
``connect_interactive`` is XenCenter's connect flow: certificate prompts, the offer to
follow a pool member to its coordinator, asking again after a wrong password, refusing a
pool that is already connected (the existing one is selected instead), and remembering the
server (its password only in the keyring).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from xencenter_py.i18n import gettext as _
from xencenter_py.model.connection import Connection, ConnectionState, redirect_address
from xencenter_py.model.duplicates import ACTIVE, AlreadyConnected, find_by_address
from xencenter_py.ui import config
from xencenter_py.ui.aio import ask, error_text, inform, run_dialog, show_error, spawn
from xencenter_py.ui.dialogs.add_server import AddServerDialog
from xencenter_py.ui.dialogs.certificate import CertificateDialog
from xencenter_py.ui.operations import Operation, OperationHistory
from xencenter_py.xapi.errors import CertificateChanged, CertificateUnknown, ConnectionLost, Failure, XapiClientError
from xencenter_py.xapi.trust import TrustStore

log = logging.getLogger(__name__)


class ConnectionManager(QObject):
    """All connections of this session, in the order they were added."""

    connections_changed = Signal()
    state_changed = Signal(object)  # a Connection
    reveal_requested = Signal(object)  # a Connection whose pool should be selected in the tree

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.trust = TrustStore(config.trust_path())
        self.connections: list[Connection] = []
        self.saved = config.load_servers()
        self.transient: set[str] = set()  # addresses never saved (the demo's simulators)

    # -- list -------------------------------------------------------------------------
    def add(self, conn: Connection, replacing: Connection | None = None) -> None:
        """Add ``conn`` (in the place of ``replacing`` when given)."""
        if conn in self.connections:
            return
        if replacing is not None and replacing in self.connections:
            self.connections[self.connections.index(replacing)] = conn
        else:
            self.connections.append(conn)
        conn.on_state(lambda *_args, c=conn: self.state_changed.emit(c))
        self.connections_changed.emit()

    def drop(self, conn: Connection, restore: Connection | None = None) -> None:
        """Take ``conn`` out of the list (putting ``restore`` back in its place)."""
        if conn not in self.connections:
            return
        if restore is not None:
            self.connections[self.connections.index(conn)] = restore
        else:
            self.connections.remove(conn)
        self.connections_changed.emit()

    def find(self, address: str) -> Connection | None:
        for conn in self.connections:
            if conn.address == address:
                return conn
        return None

    async def remove(self, conn: Connection) -> None:
        """Disconnect and forget a server (its saved entry and password too)."""
        if conn.state is not ConnectionState.DISCONNECTED:
            await conn.disconnect()
        if conn in self.connections:
            self.connections.remove(conn)
        for saved in [s for s in self.saved if s.address == conn.address]:
            config.forget_password(saved)
            self.saved.remove(saved)
        config.save_servers(self.saved)
        self.connections_changed.emit()

    def remember(self, conn: Connection, password: str, remember_password: bool) -> bool:
        """Save the server; returns False when the password could not go to a keyring."""
        if conn.address in self.transient:
            return True
        entry = next((s for s in self.saved if s.address == conn.address), None)
        if entry is None:
            entry = config.SavedServer(conn.address)
            self.saved.append(entry)
        entry.user = conn.user
        entry.name = conn.friendly_name
        stored = remember_password and config.store_password(entry, password)
        entry.remember_password = stored
        if not remember_password:
            config.forget_password(entry)
        config.save_servers(self.saved)
        return stored or not remember_password

    def saved_entry(self, address: str) -> config.SavedServer | None:
        return next((s for s in self.saved if s.address == address), None)

    async def disconnect_all(self) -> None:
        for conn in list(self.connections):
            if conn.state is not ConnectionState.DISCONNECTED:
                await conn.disconnect()


async def _trust_prompt(parent: QWidget | None, trust: TrustStore, exc: Exception) -> bool:
    """Ask about an unknown or changed certificate; on Yes the new fingerprint is remembered."""
    if isinstance(exc, CertificateChanged):
        dialog = CertificateDialog(exc.host, exc.new_fingerprint, exc.old_fingerprint, parent)
        fingerprint = exc.new_fingerprint
    else:
        assert isinstance(exc, CertificateUnknown)
        dialog = CertificateDialog(exc.host, exc.fingerprint, None, parent)
        fingerprint = exc.fingerprint
    accepted = await run_dialog(dialog) == dialog.DialogCode.Accepted
    dialog.deleteLater()
    if accepted:
        trust.remember(exc.host, fingerprint)
    return accepted


async def connect_interactive(
    parent: QWidget | None,
    manager: ConnectionManager,
    address: str,
    user: str,
    password: str,
    remember_password: bool,
    *,
    replacing: Connection | None = None,
) -> Connection | None:
    """Connect with prompts; returns the Connection now serving the server (the existing one
    when its pool was already connected), or None when the user gave up.

    ``replacing`` is a disconnected entry of the list (a saved server) that the new
    connection takes the place of; it comes back if the attempt is abandoned.
    """
    while True:
        existing = find_by_address(manager.connections, address)
        if existing is not None and existing is not replacing:
            if existing.state in ACTIVE:
                return await _already_connected(parent, manager, address, existing)
            replacing = replacing or existing  # the server's disconnected entry: reuse it
        conn = Connection(address, user, password, trust=manager.trust)
        manager.add(conn, replacing=replacing)
        try:
            await conn.connect(others=manager.connections)
        except AlreadyConnected as dup:
            await _abandon(manager, conn, replacing)
            return await _already_connected(parent, manager, address, dup.existing)
        except (CertificateUnknown, CertificateChanged) as exc:
            await _abandon(manager, conn, replacing)
            if await _trust_prompt(parent, manager.trust, exc):
                continue
            return None
        except Failure as failure:
            await _abandon(manager, conn, replacing)
            if failure.code == "HOST_IS_SLAVE" and failure.params:
                coordinator = failure.params[0]
                question = _(
                    "{server} is a member of a pool. Do you want to connect to the pool coordinator {coordinator} instead?"
                ).format(server=address, coordinator=coordinator)
                if await ask(parent, _("Connect to Server"), question):
                    address = redirect_address(address, coordinator)
                    continue
                return None
            if failure.code in ("SESSION_AUTHENTICATION_FAILED", "SESSION_AUTHORIZATION_FAILED"):
                dialog = AddServerDialog(parent, address=address, user=user, retry=True, error=failure.message())
                dialog.remember.setChecked(remember_password)
                accepted = await run_dialog(dialog) == dialog.DialogCode.Accepted
                user, password, remember_password = dialog.user(), dialog.password(), dialog.remember_password()
                dialog.deleteLater()
                if accepted:
                    continue
                return None
            show_error(parent, _("Connect to Server"), failure)
            return None
        except (XapiClientError, OSError, ValueError) as exc:  # unreachable, not XAPI, bad address
            await _abandon(manager, conn, replacing)
            dialog = AddServerDialog(
                parent,
                address=address,
                user=user,
                password=password,
                history=[s.address for s in manager.saved],
                error=error_text(exc),
            )
            dialog.remember.setChecked(remember_password)
            accepted = await run_dialog(dialog) == dialog.DialogCode.Accepted
            new_address = dialog.address()
            user, password, remember_password = dialog.user(), dialog.password(), dialog.remember_password()
            dialog.deleteLater()
            if not accepted:
                return None
            if new_address != address:
                address, replacing = new_address, None
            continue
        except Exception as exc:
            await _abandon(manager, conn, replacing)
            show_error(parent, _("Connect to Server"), exc)
            return None
        if not manager.remember(conn, password, remember_password):
            await inform(
                parent,
                _("Password Not Saved"),
                _(
                    "There is no password store (keyring) on this computer, so the password was not saved. "
                    "You will be asked for it the next time you connect."
                ),
                "passwordNotSaved",
            )
        return conn


async def _already_connected(
    parent: QWidget | None, manager: ConnectionManager, address: str, existing: Connection
) -> Connection:
    """Tell the user the pool is already connected and select it instead (as XenCenter)."""
    manager.reveal_requested.emit(existing)
    await inform(
        parent,
        _("Connect to Server"),
        _("{server} is already connected as {name}. A pool is connected only once.").format(
            server=address.split("://", 1)[-1].rstrip("/"), name=existing.friendly_name
        ),
        "alreadyConnected",
    )
    return existing


async def _abandon(manager: ConnectionManager, conn: Connection, replacing: Connection | None) -> None:
    """Drop a connection attempt that failed (the saved entry it replaced comes back)."""
    manager.drop(conn, restore=replacing)
    try:
        if conn.state is not ConnectionState.DISCONNECTED:
            await conn.disconnect()
    except Exception:
        log.debug("disconnect after failure", exc_info=True)


def placeholder(manager: ConnectionManager, entry: config.SavedServer) -> Connection:
    """A not-yet-connected list entry for a saved server (shown as a disconnected server)."""
    conn = manager.find(entry.address)
    if conn is None:
        conn = Connection(entry.address, entry.user, "", trust=manager.trust, name=entry.name or None)
        manager.add(conn)
    return conn


async def connect_saved(parent: QWidget | None, manager: ConnectionManager, entry: config.SavedServer) -> Any:
    """Reconnect a saved server: with its remembered password, else by asking for one."""
    conn = placeholder(manager, entry)
    password = config.load_password(entry) if entry.remember_password else None
    user, remember = entry.user, entry.remember_password
    if password is None:
        dialog = AddServerDialog(parent, address=entry.address, user=entry.user, retry=True)
        accepted = await run_dialog(dialog) == dialog.DialogCode.Accepted
        user, password, remember = dialog.user(), dialog.password(), dialog.remember_password()
        dialog.deleteLater()
        if not accepted:
            return None
    return await connect_interactive(parent, manager, entry.address, user, password, remember, replacing=conn)


async def wait_reconnected(conn: Connection) -> None:
    """Return when a lost connection is back; raise when it gives up (or is closed).

    Cancelling stops the reconnection attempts: the user chose to stop waiting."""
    if conn.state is ConnectionState.CONNECTED:
        return
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def changed(state: ConnectionState) -> None:
        if done.done():
            return
        if state is ConnectionState.CONNECTED:
            done.set_result(None)
        elif state in (ConnectionState.FAILED, ConnectionState.DISCONNECTED):
            done.set_exception(
                conn.error or ConnectionLost(_("Disconnected from {server}").format(server=conn.friendly_name))
            )

    unsubscribe = conn.on_state(changed)
    try:
        await done
    except asyncio.CancelledError:
        spawn(conn.disconnect())
        raise
    finally:
        unsubscribe()


def follow_lost_connection(history: OperationHistory, conn: Connection) -> Operation:
    """A lost connection as an entry in Notifications > Events and the status bar, until it
    is back (or given up); cancelling it stops the reconnection attempts."""

    def title() -> str:
        if conn.state is ConnectionState.CONNECTED:
            return _("Reconnected to {server}").format(server=conn.friendly_name)
        return _("Connection to {server} lost; reconnecting").format(server=conn.friendly_name)

    return history.start(title, conn.friendly_name, lambda _progress: wait_reconnected(conn))
