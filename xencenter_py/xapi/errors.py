"""Errors the client raises: pool failures with their XAPI code, broken answers, lost
connections and certificate problems, each a distinct type so callers can react to it."""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Callable, Sequence

from xencenter_py.i18n import N_, LazyString, format_bytes
from xencenter_py.i18n import gettext as _


class XapiClientError(Exception):
    """Base of every error raised by :mod:`xencenter_py.xapi`."""


class Failure(XapiClientError):
    """An API call the pool answered with ``Failure [code, params...]``."""

    def __init__(self, code: str, params: Sequence[object] = ()) -> None:
        self.code = str(code)
        self.params = [str(p) for p in params]
        super().__init__(self.code, *self.params)

    @classmethod
    def from_description(cls, description: Sequence[object]) -> Failure:
        """Build from XAPI's ``ErrorDescription`` / ``error_info`` list (``[code, *params]``)."""
        items = [str(x) for x in description]
        if not items:
            return cls("INTERNAL_ERROR", [_("the server reported an error without a code")])
        return cls(items[0], items[1:])

    @property
    def description(self) -> list[str]:
        """``[code, *params]``, exactly as the server sent it."""
        return [self.code, *self.params]

    def param(self, index: int, default: str = "") -> str:
        """The ``index``-th parameter, or ``default`` when the server sent fewer."""
        return self.params[index] if index < len(self.params) else default

    def message(self) -> str:
        """A human, translated explanation; unknown codes show the code and parameters."""
        render = _MESSAGES.get(self.code)
        if render is not None:
            try:
                return render(self)
            except (ValueError, IndexError):
                pass  # unexpected parameters: fall back to the raw form below
        if self.code in _STORAGE_FAILURES:
            return str(_STORAGE_FAILURES[self.code])
        if self.code.startswith("SR_BACKEND_FAILURE") and len(self.params) > 1 and self.params[1]:
            # Another driver sentence: shown as the driver gave it (drivers speak English).
            return _("The storage driver reported an error: {detail} ({code})").format(
                detail=self.params[1].strip(), code=self.code
            )
        if not self.params:
            return _("The server reported an error: {code}").format(code=self.code)
        return _("The server reported an error: {code} ({params})").format(
            code=self.code, params=", ".join(self.params)
        )

    def __str__(self) -> str:
        return " ".join(self.description)


class ProtocolError(XapiClientError):
    """The server's answer could not be understood (malformed, truncated, wrong shape or type)."""


class ConnectionLost(XapiClientError):
    """The server could not be reached, or the connection broke before a full answer.

    ``str()`` keeps the technical detail for logs; :meth:`message` is the one sentence a
    user reads, by kind of failure (refused, timed out, TLS mismatch, unknown name...),
    found from the underlying OS or TLS error.
    """

    def __init__(self, detail: str, *, server: str = "", connecting: bool = False) -> None:
        super().__init__(detail)
        self.server = server
        self.connecting = connecting

    def _causes(self) -> list[BaseException]:
        found: list[BaseException] = []
        cur = self.__cause__ or self.__context__
        while cur is not None and cur not in found and len(found) < 20:
            found.append(cur)
            cur = cur.__cause__ or cur.__context__
        return found

    def kind(self) -> str:
        """refused, timeout, tls, name, unreachable, closed or lost."""
        if isinstance(self, RequestTimeout):
            return "timeout"
        for exc in self._causes():
            if isinstance(exc, ConnectionRefusedError):
                return "refused"
            if isinstance(exc, socket.gaierror):
                return "name"
            if isinstance(exc, ssl.SSLError):
                return "tls"
            if isinstance(exc, TimeoutError):
                return "timeout"
            if isinstance(exc, OSError) and exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
                return "unreachable"
        detail = str(self).lower()
        if "connect call failed" in detail or "connection refused" in detail:
            return "refused"
        if "name or service not known" in detail or "nodename nor servname" in detail:
            return "name"
        if "ssl" in detail or "tls" in detail:
            return "tls"
        if "timed out" in detail:
            return "timeout"
        return "closed" if self.connecting else "lost"

    def message(self) -> str:
        server = self.server or _("the server")
        texts = {
            "refused": _(
                "{server} refused the connection. Check the address and port, and that the server is running."
            ),
            "timeout": _("{server} did not answer in time. Check the address and the network."),
            "tls": _(
                "A secure (TLS) connection to {server} could not be made. The server may not use https on this "
                "port: check whether the address should begin with http:// or https://."
            ),
            "name": _("The server name {server} could not be found. Check the address."),
            "unreachable": _("{server} cannot be reached from this computer (no route to it)."),
            "closed": _(
                "{server} closed the connection before answering. Check that it is a XenServer or XCP-ng server."
            ),
            "lost": _("The connection to {server} was lost."),
        }
        return texts[self.kind()].format(server=server)


class RequestTimeout(ConnectionLost):
    """The server stopped answering within the allowed time."""


class AnswerTooLarge(ProtocolError):
    """The answer exceeded the configured size limit (protects memory)."""


class CertificateProblem(XapiClientError):
    """The server's TLS certificate cannot be trusted without asking the user."""

    def __init__(self, host: str, message: str) -> None:
        super().__init__(message)
        self.host = host


class CertificateUnknown(CertificateProblem):
    """A certificate that no authority vouches for and that was never accepted before.

    ``host`` is the known-servers key (``host:port``); after the user accepts,
    ``TrustStore.remember(host, fingerprint)`` and connect again.
    """

    def __init__(self, host: str, fingerprint: str) -> None:
        super().__init__(
            host,
            _("The certificate of {host} is not trusted (SHA-256 fingerprint {fingerprint}).").format(
                host=host, fingerprint=fingerprint
            ),
        )
        self.fingerprint = fingerprint


class CertificateChanged(CertificateProblem):
    """The server presents a different certificate from the one accepted before."""

    def __init__(self, host: str, old_fingerprint: str, new_fingerprint: str) -> None:
        super().__init__(
            host,
            _(
                "The certificate of {host} has changed since it was accepted "
                "(was {old}, now {new}). This may be an attack."
            ).format(host=host, old=old_fingerprint, new=new_fingerprint),
        )
        self.old_fingerprint = old_fingerprint
        self.new_fingerprint = new_fingerprint


def _bytes(text: str) -> str:
    return format_bytes(int(text))


_KINDS: dict[str, LazyString] = {
    "pool": N_("pool"),
    "host": N_("server"),
    "vm": N_("VM"),
    "sr": N_("storage repository"),
    "vdi": N_("virtual disk"),
    "vbd": N_("virtual disk drive"),
    "network": N_("network"),
    "pif": N_("network interface"),
    "vif": N_("virtual network interface"),
    "pbd": N_("storage connection"),
    "bond": N_("bond"),
    "vlan": N_("VLAN"),
    "task": N_("task"),
    "message": N_("alert"),
    "vm_appliance": N_("vApp"),
    "vmss": N_("VM snapshot schedule"),
    "session": N_("session"),
}
"""User-facing names of the XAPI classes failures name (``host`` reads "server" as in
XenCenter); translated when the message is formatted."""


def _kind(text: str) -> str:
    """The translated type name of an XAPI class; rare classes keep their raw name."""
    name = _KINDS.get(text.strip().lower())
    return str(name) if name is not None else text


def _state(text: str) -> str:
    """Power states arrive lower-case and may be a list ("halted, suspended")."""
    names = {
        "halted": _("halted"),
        "running": _("running"),
        "paused": _("paused"),
        "suspended": _("suspended"),
    }
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    return ", ".join(names.get(p.lower(), p) for p in parts)


_MESSAGES: dict[str, Callable[[Failure], str]] = {
    "SESSION_AUTHENTICATION_FAILED": lambda f: _("The user name or password is incorrect."),
    "SESSION_AUTHORIZATION_FAILED": lambda f: _("The user {user} is not authorized to log in.").format(user=f.param(0)),
    "SESSION_INVALID": lambda f: _("Your session has expired or was closed. Please log in again."),
    "HOST_IS_SLAVE": lambda f: _(
        "This server is a pool member, not the pool coordinator. The coordinator is {address}."
    ).format(address=f.param(0)),
    "HOST_STILL_BOOTING": lambda f: _("The server is still starting up. Please try again shortly."),
    "VM_BAD_POWER_STATE": lambda f: _("The VM must be {expected} for this operation, but it is {actual}.").format(
        expected=_state(f.param(1)), actual=_state(f.param(2))
    ),
    "HOST_NOT_ENOUGH_FREE_MEMORY": lambda f: _(
        "The server does not have enough free memory: {needed} needed, {available} available."
    ).format(needed=_bytes(f.params[0]), available=_bytes(f.params[1])),
    "NO_HOSTS_AVAILABLE": lambda f: _("No server in the pool can run this VM."),
    "OPERATION_NOT_ALLOWED": lambda f: (
        _("The operation is not allowed: {reason}").format(reason=f.param(0))
        if f.params
        else _("The operation is not allowed.")
    ),
    "RBAC_PERMISSION_DENIED": lambda f: _("You do not have permission to perform this action ({permission}).").format(
        permission=f.param(0)
    ),
    "OTHER_OPERATION_IN_PROGRESS": lambda f: _(
        "Another operation ({operation}) is in progress on this {kind}. Try again when it has finished."
    ).format(operation=f.param(2), kind=_kind(f.param(0))),
    "VM_REQUIRES_SR": lambda f: _("The VM needs a storage repository that this server cannot see."),
    "VM_REQUIRES_NETWORK": lambda f: _("The VM needs a network that this server is not connected to."),
    "SR_FULL": lambda f: _("The storage repository is full: {requested} requested, {maximum} available.").format(
        requested=_bytes(f.params[0]), maximum=_bytes(f.params[1])
    ),
    "HANDLE_INVALID": lambda f: _("The object no longer exists ({kind} {ref}).").format(
        kind=_kind(f.param(0)), ref=f.param(1)
    ),
    "UUID_INVALID": lambda f: _("No {kind} has the UUID {uuid}.").format(kind=_kind(f.param(0)), uuid=f.param(1)),
    "VM_MISSING_PV_DRIVERS": lambda f: _(
        "The VM has no guest tools (PV drivers) installed, so it cannot do this cleanly."
    ),
    "VM_IS_TEMPLATE": lambda f: _("This operation cannot be performed on a template."),
    "VM_IS_SNAPSHOT": lambda f: _("This operation cannot be performed on a snapshot."),
    "TASK_CANCELLED": lambda f: _("The operation was cancelled."),
    "HOST_OFFLINE": lambda f: _("The server is offline."),
    "HOST_NOT_LIVE": lambda f: _("The server is not live."),
    "HOST_DISABLED": lambda f: _("The server is disabled (maintenance mode)."),
    "LICENCE_RESTRICTION": lambda f: _("Your license does not allow this feature ({feature}).").format(
        feature=f.param(0)
    ),
    "VM_NO_SUSPEND_SR": lambda f: _("No storage repository is set for suspend images."),
    "VDI_IN_USE": lambda f: _("The virtual disk is in use."),
    "SR_HAS_PBD": lambda f: _("The storage repository is still attached to a server."),
    "MAP_DUPLICATE_KEY": lambda f: _("The key {key} already exists.").format(key=f.param(3)),
    "INVALID_VALUE": lambda f: _("The value {value} is not valid for {field}.").format(
        value=f.param(1), field=f.param(0)
    ),
    "MEMORY_CONSTRAINT_VIOLATION": lambda f: _("The memory settings are not consistent: {constraint}").format(
        constraint=f.param(0)
    ),
    "INTERNAL_ERROR": lambda f: _("The server reported an internal error: {detail}").format(detail=f.param(0)),
    "MESSAGE_METHOD_UNKNOWN": lambda f: _("The server does not support the call {method}.").format(method=f.param(0)),
    "EVENTS_LOST": lambda f: _("Some updates from the server were lost; the view will be reloaded."),
    # Storage, networks and users (the property tabs).
    "SR_OPERATION_NOT_SUPPORTED": lambda f: _("The storage repository does not support this operation."),
    "DEVICE_ALREADY_EXISTS": lambda f: _("The device position {device} is already in use.").format(device=f.param(0)),
    "DEVICE_ALREADY_ATTACHED": lambda f: _("The device is already attached."),
    "DEVICE_ALREADY_DETACHED": lambda f: _("The device is already detached."),
    "VBD_NOT_UNPLUGGABLE": lambda f: _("This disk cannot be unplugged while the VM runs."),
    "PIF_ALREADY_BONDED": lambda f: _("A NIC is already part of a bond."),
    "PIF_BOND_NEEDS_MORE_MEMBERS": lambda f: _("A bond needs at least two NICs."),
    "PIF_BOND_MORE_THAN_ONE_IP": lambda f: _("Only one of the bonded NICs may have an IP address."),
    "PIF_VLAN_STILL_EXISTS": lambda f: _("A NIC still carries a VLAN; remove the VLAN first."),
    "PIF_VLAN_EXISTS": lambda f: _("The NIC {nic} already carries this VLAN.").format(nic=f.param(0)),
    "VLAN_TAG_INVALID": lambda f: _("The VLAN number {tag} is not valid (0-4094).").format(tag=f.param(0)),
    "NETWORK_ALREADY_CONNECTED": lambda f: _("The network is already connected to this server."),
    "NETWORK_CONTAINS_PIF": lambda f: _("The network is still connected to a NIC."),
    "NETWORK_CONTAINS_VIF": lambda f: _("The network is still in use by a running VM."),
    "AUTH_IS_DISABLED": lambda f: _("The pool has not joined a domain."),
    "AUTH_ALREADY_ENABLED": lambda f: _("The pool has already joined a domain."),
    "AUTH_ENABLE_FAILED_WRONG_CREDENTIALS": lambda f: _("The domain refused the user name or password."),
    "AUTH_ENABLE_FAILED_UNAVAILABLE": lambda f: _("The domain could not be contacted."),
    "SUBJECT_CANNOT_BE_RESOLVED": lambda f: _("The domain has no such user or group."),
    "SUBJECT_ALREADY_EXISTS": lambda f: _("This user or group already has access."),
}


# The storage drivers' common refusals (SM's XE_SR_ERRORCODES) in the user's language.
_STORAGE_FAILURES = {
    "SR_BACKEND_FAILURE_37": N_("The storage server address is missing."),
    "SR_BACKEND_FAILURE_38": N_("The path on the storage server is missing."),
    "SR_BACKEND_FAILURE_73": N_("The NFS share could not be mounted. Check the path on the server."),
    "SR_BACKEND_FAILURE_90": N_("No LUN was chosen."),
    "SR_BACKEND_FAILURE_96": N_("The iSCSI target IQN is missing or wrong."),
    "SR_BACKEND_FAILURE_107": N_("The LUN (SCSI ID) is missing or wrong."),
    "SR_BACKEND_FAILURE_108": N_("No NFS service was found on this server."),
    "SR_BACKEND_FAILURE_111": N_("The SMB share could not be mounted. Check the share name and the credentials."),
    "SR_BACKEND_FAILURE_140": N_("The server name could not be resolved. Check the name or use an IP address."),
    "SR_BACKEND_FAILURE_141": N_("No iSCSI service answered on the target."),
    "SR_BACKEND_FAILURE_221": N_("The location of the ISO library is missing."),
    "SR_BACKEND_FAILURE_222": N_(
        "The ISO library location could not be mounted. Check the location and the credentials."
    ),
}
