"""Declared pages of servers, pools, storage, disks and networks.

Each page is its field list; reading and writing follow XAPI (``host.set_multipathing``,
``host.set_logging`` then ``host.syslog_reconfigure``, ``host.set_power_on_mode``,
``pool.set_migration_compression``, ``VDI.resize``, ``network.set_MTU``) and XenCenter's
keys (``other_config["automatic"]`` for networks added to new VMs, ``o_direct`` for SR
read caching, ``mail-destination`` / ``ssmtp-mailhub`` for the pool's alert e-mails).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtWidgets import QLineEdit

from xencenter_py.i18n import N_, format_bytes
from xencenter_py.i18n import gettext as _
from xencenter_py.ui.dialogs.property_page import (
    Call,
    Field,
    FieldPage,
    Result,
    other_config_calls,
    set_call,
)

GIB = 1024**3
MIB = 1024**2


def _other(obj: Any, key: str, default: str = "") -> str:
    return (obj.get("other_config") or {}).get(key, default)


# -- host ----------------------------------------------------------------------------------------
def _in_maintenance(host: Any) -> bool:
    return not host.get("enabled", True)


def _multipathing_calls(host: Any, enabled: bool) -> list[Call]:
    """``host.set_multipathing`` where the host has the field; older hosts keep it in
    ``other_config`` (``multipathing`` and ``multipathhandle``), as XenCenter writes it."""
    if "multipathing" in host.record:
        return [("host.set_multipathing", (host.ref, enabled))]
    return other_config_calls(host, "multipathing", "true" if enabled else "false") + other_config_calls(
        host, "multipathhandle", "dmp"
    )


class MultipathingPage(FieldPage):
    NAME = "multipathingPage"
    TITLE = N_("Multipathing")
    INTRO = N_(
        "Multipathing uses several storage paths to the same storage, for redundancy. "
        "The server must be in maintenance mode to change it."
    )
    FIELDS = (
        Field(
            "multipathing",
            N_("&Enable multipathing on this server"),
            "bool",
            lambda h: bool(h.get("multipathing")) or _other(h, "multipathing") == "true",
            lambda h, v: _multipathing_calls(h, v),
            enabled=_in_maintenance,
        ),
    )


def _syslog(host: Any) -> str:
    return (host.get("logging") or {}).get("syslog_destination", "")


def _logging_calls(host: Any, values: dict[str, Any]) -> list[Call]:
    logging = dict(host.get("logging") or {})
    if values["remoteLog"] and values["syslogServer"]:
        logging["syslog_destination"] = values["syslogServer"]
    else:
        logging.pop("syslog_destination", None)
    return [("host.set_logging", (host.ref, logging)), ("host.syslog_reconfigure", (host.ref,))]


class LogDestinationPage(FieldPage):
    NAME = "logDestinationPage"
    TITLE = N_("Log Destination")
    INTRO = N_("The server keeps its system log locally; it can also send it to a remote syslog server.")
    FIELDS = (
        Field("remoteLog", N_("Also send the log to a &remote syslog server"), "bool", lambda h: bool(_syslog(h)),
              lambda h, v: []),
        Field("syslogServer", N_("&Server:"), "text", _syslog, lambda h, v: []),
    )  # fmt: skip

    def problem(self) -> str:
        values = self.form.values()
        self.form.inputs["syslogServer"].widget.setEnabled(values["remoteLog"])
        text = _("Enter the remote syslog server.") if values["remoteLog"] and not values["syslogServer"] else ""
        self.error.setText(text)
        self.error.setVisible(bool(text))
        return text

    def calls(self) -> list[Call]:
        if not (self.form.edited("remoteLog") or self.form.edited("syslogServer")):
            return []
        return _logging_calls(self.obj, self.form.values())


POWER_ON_MODES = (
    (N_("Disabled"), ""),
    (N_("Wake-on-LAN (WoL)"), "wake-on-lan"),
    (N_("HP Integrated Lights-Out (iLO)"), "iLO"),
    (N_("Dell Remote Access Controller (DRAC)"), "DRAC"),
    (N_("Custom power-on script"), "custom"),
)
_REMOTE_MODES = ("iLO", "DRAC")


def _power_mode(host: Any) -> str:
    mode = host.get("power_on_mode") or ""
    return mode if mode in {m for _label, m in POWER_ON_MODES} else "custom"


def _power_config(host: Any, key: str) -> str:
    return (host.get("power_on_config") or {}).get(key, "")


class PowerOnPage(FieldPage):
    """Host Power On: the mode and, for iLO/DRAC, the address and user; a custom script's
    name is the mode XAPI stores. The password goes to a XAPI secret as XenCenter does."""

    NAME = "powerOnPage"
    TITLE = N_("Power On")
    INTRO = N_("How the pool powers this server on remotely (for example to bring it back after maintenance).")
    FIELDS = (
        Field("powerOnMode", N_("Power-on &mode:"), "choice", _power_mode, lambda h, v: [],
              choices=lambda h: POWER_ON_MODES),
        Field("customScript", N_("Custom &script name:"), "text",
              lambda h: h.get("power_on_mode") if _power_mode(h) == "custom" else "", lambda h, v: []),
        Field("powerOnIp", N_("&IP address:"), "text", lambda h: _power_config(h, "power_on_ip"), lambda h, v: []),
        Field("powerOnUser", N_("&User name:"), "text", lambda h: _power_config(h, "power_on_user"),
              lambda h, v: []),
        Field("powerOnPassword", N_("&Password:"), "text", lambda h: "", lambda h, v: []),
    )  # fmt: skip

    def __init__(self, obj: Any, changed: Any) -> None:
        super().__init__(obj, changed)
        password = self.form.inputs["powerOnPassword"].widget
        if isinstance(password, QLineEdit):
            password.setEchoMode(QLineEdit.EchoMode.Password)

    def _mode(self) -> str:
        mode = self.form.value("powerOnMode") or ""
        return self.form.value("customScript") if mode == "custom" else mode

    def problem(self) -> str:
        values = self.form.values()
        mode = values["powerOnMode"] or ""
        self.form.inputs["customScript"].widget.setEnabled(mode == "custom")
        for name in ("powerOnIp", "powerOnUser", "powerOnPassword"):
            self.form.inputs[name].widget.setEnabled(mode in _REMOTE_MODES)
        text = ""
        if mode == "custom" and not values["customScript"]:
            text = _("Enter the name of the custom power-on script.")
        elif mode in _REMOTE_MODES and not values["powerOnIp"]:
            text = _("Enter the IP address of the server's management controller.")
        self.error.setText(text)
        self.error.setVisible(bool(text))
        return text

    def calls(self) -> list[Call]:
        if not any(self.form.edited(n) for n in self.form.inputs):
            return []
        mode = self._mode()
        config: dict[str, str] = {}
        if mode in _REMOTE_MODES:
            config = {"power_on_ip": self.form.value("powerOnIp"), "power_on_user": self.form.value("powerOnUser")}
            secret = _power_config(self.obj, "power_on_password_secret")
            if secret:
                config["power_on_password_secret"] = secret
            password = self.form.value("powerOnPassword")
            if password:
                return [
                    ("secret.create", ({"value": password},)),
                    ("secret.get_uuid", (Result(-1),)),
                    ("host.set_power_on_mode", (self.obj.ref, mode, Result(-1, "power_on_password_secret", config))),
                ]
        return [("host.set_power_on_mode", (self.obj.ref, mode, config))]


# -- pool ----------------------------------------------------------------------------------------
def _mailhub(pool: Any) -> tuple[str, int]:
    server, _sep, port = _other(pool, "ssmtp-mailhub").partition(":")
    return server, int(port) if port.isdigit() else 25


class PoolAlertsPage(FieldPage):
    """Alert e-mails of the pool (XenCenter's Email Options)."""

    NAME = "poolAlertsPage"
    TITLE = N_("Alerts")
    INTRO = N_("The pool can send its alerts by e-mail through an SMTP server.")
    FIELDS = (
        Field("sendMail", N_("&Send e-mail alert notifications"), "bool",
              lambda p: bool(_other(p, "mail-destination")), lambda p, v: []),
        Field("mailAddress", N_("&Delivery address:"), "text", lambda p: _other(p, "mail-destination"),
              lambda p, v: []),
        Field("smtpServer", N_("SMTP s&erver:"), "text", lambda p: _mailhub(p)[0], lambda p, v: []),
        Field("smtpPort", N_("P&ort:"), "int", lambda p: _mailhub(p)[1], lambda p, v: [], minimum=1, maximum=65535),
    )  # fmt: skip

    def problem(self) -> str:
        v = self.form.values()
        for name in ("mailAddress", "smtpServer", "smtpPort"):
            self.form.inputs[name].widget.setEnabled(v["sendMail"])
        text = ""
        if v["sendMail"]:
            if "@" not in v["mailAddress"] or v["mailAddress"].startswith("@") or v["mailAddress"].endswith("@"):
                text = _("Enter a valid e-mail address.")
            elif not v["smtpServer"]:
                text = _("Enter the SMTP server.")
        self.error.setText(text)
        self.error.setVisible(bool(text))
        return text

    def calls(self) -> list[Call]:
        if not any(self.form.edited(n) for n in self.form.inputs):
            return []
        v = self.form.values()
        if not v["sendMail"]:
            return other_config_calls(self.obj, "mail-destination", None) + other_config_calls(
                self.obj, "ssmtp-mailhub", None
            )
        return other_config_calls(self.obj, "mail-destination", v["mailAddress"]) + other_config_calls(
            self.obj, "ssmtp-mailhub", f"{v['smtpServer']}:{v['smtpPort']}"
        )


class LiveMigrationPage(FieldPage):
    NAME = "liveMigrationPage"
    TITLE = N_("Live Migration")
    INTRO = N_("Compressing VM memory during live migration uses more CPU but less network bandwidth.")
    FIELDS = (
        Field(
            "migrationCompression",
            N_("&Compress VM memory during live migration"),
            "bool",
            lambda p: bool(p.get("migration_compression")),
            lambda p, v: [("pool.set_migration_compression", (p.ref, v))],
        ),
    )


# -- SR ------------------------------------------------------------------------------------------
READ_CACHING_TYPES = frozenset({"nfs", "smb", "cifs", "ext", "ext4"})


class ReadCachingPage(FieldPage):
    NAME = "readCachingPage"
    TITLE = N_("Read Caching")
    INTRO = N_("Read caching keeps disk blocks read by VMs in the server's memory, for VMs based on the same disk.")
    FIELDS = (
        Field(
            "readCaching",
            N_("&Enable read caching"),
            "bool",
            lambda sr: _other(sr, "o_direct") != "true",
            lambda sr, v: other_config_calls(sr, "o_direct", None if v else "true"),
        ),
    )


# -- VDI -----------------------------------------------------------------------------------------
def _in_use(vdi: Any) -> bool:
    for vbd_ref in vdi.get("VBDs") or ():
        vbd = vdi.cache.record("VBD", vbd_ref)
        if vbd and vbd.get("currently_attached"):
            return True
    return False


class SizeLocationPage(FieldPage):
    """A disk's size (it can only grow, and not while attached) and its storage."""

    NAME = "sizeLocationPage"
    TITLE = N_("Size and Location")
    FIELDS = (
        Field(
            "vdiSize",
            N_("&Size:"),
            "float",
            lambda vdi: round(int(vdi.get("virtual_size") or 0) / GIB, 3),
            lambda vdi, v: [("VDI.resize", (vdi.ref, round(v * 1024) * MIB))],
            enabled=lambda vdi: not _in_use(vdi) and "resize" in (vdi.get("allowed_operations") or ()),
            minimum=0,
            maximum=2 * 1024 * 1024,
            decimals=3,
            suffix=N_("GB"),
        ),
    )

    def fields(self) -> Any:
        original = int(self.obj.get("virtual_size") or 0) / GIB
        spec = self.FIELDS[0]

        def check(value: float, _values: dict[str, Any]) -> str:
            if value + 1e-9 >= round(original, 3):
                return ""
            return _("A disk can only grow: enter at least {size}.").format(size=format_bytes(original * GIB))

        return (replace(spec, check=check),)

    def retranslate(self) -> None:
        sr = self.obj.resolve("SR", self.obj.get("SR"))
        location = sr.name if sr is not None else _("Unknown")
        self.intro.setText(_("Location: {sr}").format(sr=location))
        self.intro.setVisible(True)
        self.changed()


# -- network -------------------------------------------------------------------------------------
class NetworkSettingsPage(FieldPage):
    NAME = "networkSettingsPage"
    TITLE = N_("Network Settings")
    FIELDS = (
        Field(
            "mtu",
            N_("&MTU:"),
            "int",
            lambda n: int(n.get("MTU") or 1500),
            set_call("MTU"),
            minimum=68,
            maximum=9216,
            check=lambda v, _all: "" if 68 <= v <= 9216 else _("The MTU must be between 68 and 9216."),
        ),
        Field(
            "automatic",
            N_("&Automatically add this network to new virtual machines"),
            "bool",
            lambda n: _other(n, "automatic", "true") != "false",
            lambda n, v: other_config_calls(n, "automatic", "true" if v else "false"),
        ),
    )


__all__ = [
    "LiveMigrationPage",
    "LogDestinationPage",
    "MultipathingPage",
    "NetworkSettingsPage",
    "PoolAlertsPage",
    "PowerOnPage",
    "ReadCachingPage",
    "SizeLocationPage",
]
