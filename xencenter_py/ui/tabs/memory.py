"""The Memory tab (XenCenter's ballooning page): one bar per server (Xen and the control
domain, VMs, free), then the VMs grouped by identical memory settings, each group with
Edit (one or several VMs at once, the pool's constraints checked before sending)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QRectF, QTimer
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from xencenter_py.i18n import N_, format_bytes
from xencenter_py.i18n import gettext as _
from xencenter_py.model import availability as av
from xencenter_py.model.actions import memory
from xencenter_py.model.actions.memory import MemorySettings
from xencenter_py.ui.dialogs.form import Field, FormDialog, MiB
from xencenter_py.ui.tabs.base import TabPage
from xencenter_py.ui.tabs.grid import Column, GridPanel, TabAction, ask_form, start

STATE_ORDER = {"Running": 0, "Paused": 1, "Suspended": 2, "Halted": 3}
SEGMENT_COLOURS = ("#7f7f7f", "#3c78b4", "#dcdcdc")


class MemoryBar(QWidget):
    """A horizontal bar of (bytes, label) segments out of a total; tooltip = the figures."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("memoryBar")
        self.setMinimumHeight(22)
        self.segments: list[tuple[int, str]] = []
        self.total = 0

    def set_segments(self, total: int, segments: list[tuple[int, str]]) -> None:
        self.total, self.segments = total, segments
        self.setToolTip("\n".join(f"{label}: {format_bytes(size)}" for size, label in segments))
        self.update()

    def paintEvent(self, _event: Any) -> None:
        painter = QPainter(self)
        rect = QRectF(self.rect()).adjusted(0, 0, -1, -1)
        x = rect.left()
        for (size, _label), colour in zip(self.segments, SEGMENT_COLOURS, strict=False):
            width = rect.width() * size / self.total if self.total > 0 else 0
            painter.fillRect(QRectF(x, rect.top(), width, rect.height()), QColor(colour))
            x += width
        painter.setPen(QColor("#404040"))
        painter.drawRect(rect)
        painter.end()


def host_segments(host: Any) -> list[tuple[int, str]]:
    """Xen and the control domain, VMs, free: the split XenCenter's bar shows."""
    total, free = host.memory_total, host.memory_free
    cache = host.cache
    vms = 0
    for ref in host.record.get("resident_VMs") or ():
        rec = cache.record("VM", ref)
        if rec is None or rec.get("is_control_domain"):
            continue
        metrics = cache.record("VM_metrics", rec.get("metrics"))
        vms += int((metrics or {}).get("memory_actual") or 0)
    xen = max(total - free - vms, 0)
    return [(xen, _("Xen and control domain")), (vms, _("VMs")), (free, _("Available"))]


@dataclass(frozen=True)
class VmGroup:
    """VMs with identical memory settings (one row of the tab)."""

    vms: tuple[Any, ...]

    @property
    def ref(self) -> str:
        return ",".join(sorted(v.ref for v in self.vms))

    @property
    def connection(self) -> Any:
        return self.vms[0].connection

    @property
    def settings(self) -> MemorySettings:
        rec = self.vms[0].record
        return MemorySettings(
            int(rec.get("memory_dynamic_min") or 0),
            int(rec.get("memory_dynamic_max") or 0),
            int(rec.get("memory_static_max") or 0),
        )


def vm_groups(owner: Any) -> list[VmGroup]:
    """Real VMs of the owner grouped by (power state, memory settings), Running first.
    Reads the records directly: a big pool has thousands of VMs on this page."""
    cache = owner.cache
    if owner.cls == "VM":
        refs = [owner.ref]
    elif owner.cls == "host":
        refs = list(owner.record.get("resident_VMs") or ())
    else:
        refs = cache.refs("VM")
    keyed = []
    for ref in refs:
        rec = cache.record("VM", ref)
        if rec is None:
            continue
        if owner.cls != "VM" and (rec.get("is_a_template") or rec.get("is_control_domain") or rec.get("is_a_snapshot")):
            continue
        state = rec.get("power_state", "")
        key = (state, rec.get("memory_dynamic_min"), rec.get("memory_dynamic_max"), rec.get("memory_static_max"))
        keyed.append((STATE_ORDER.get(state, 9), str(rec.get("name_label", "")).casefold(), key, ref))
    keyed.sort(key=lambda k: (k[0], k[1]))
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for _order, _name, key, ref in keyed:
        groups.setdefault(key, []).append(cache.get("VM", ref))
    return [VmGroup(tuple(v)) for v in groups.values()]


def _settings_text(g: VmGroup) -> str:
    s = g.settings
    if s.dynamic_min == s.dynamic_max:
        return _("Fixed at {size}").format(size=format_bytes(s.dynamic_max))
    return _("{low} - {high}").format(low=format_bytes(s.dynamic_min), high=format_bytes(s.dynamic_max))


NAMES_SHOWN = 12
"""VM names listed in a group's row; a big pool's groups say how many more there are."""


def _group_names(g: VmGroup) -> str:
    names = ", ".join(v.name for v in g.vms[:NAMES_SHOWN])
    more = len(g.vms) - NAMES_SHOWN
    return _("{names} and {n} more").format(names=names, n=more) if more > 0 else names


GROUP_COLUMNS = (
    Column(N_("VMs"), _group_names),
    Column(N_("Power state"), lambda g: g.vms[0].friendly_power_state),
    Column(N_("Memory"), _settings_text),
    Column(N_("Static maximum"), lambda g: format_bytes(g.settings.static_max)),
)


def memory_dialog(vms: list[Any]) -> FormDialog:
    s = VmGroup(tuple(vms)).settings
    fields = [
        Field(
            "mode",
            N_("Memory mode"),
            "choice",
            default="fixed" if s.dynamic_min == s.dynamic_max == s.static_max else "dynamic",
            options=(("fixed", N_("Fixed memory")), ("dynamic", N_("Automatically allocate memory within this range"))),
        ),
        Field("fixed", N_("Fixed memory"), "size", default=s.static_max, maximum=1 << 42, unit=MiB),
        Field("dynamic_min", N_("Minimum memory"), "size", default=s.dynamic_min, maximum=1 << 42, unit=MiB),
        Field("dynamic_max", N_("Maximum memory"), "size", default=s.dynamic_max, maximum=1 << 42, unit=MiB),
        Field("static_max", N_("Static maximum"), "size", default=s.static_max, maximum=1 << 42, unit=MiB),
    ]

    def validate(values: dict[str, Any]) -> str:
        settings = settings_from(values)
        for vm in vms:
            reason = memory.problems(vm, settings)
            if reason:
                return reason
        return ""

    names = ", ".join(v.name for v in vms)
    intro = _("Memory settings of {vms}").format(vms=names)
    return FormDialog(N_("Edit Memory Settings"), fields, validate, intro, name="memoryDialog")


def settings_from(values: dict[str, Any]) -> MemorySettings:
    if values["mode"] == "fixed":
        return MemorySettings.fixed(values["fixed"])
    return MemorySettings(values["dynamic_min"], values["dynamic_max"], values["static_max"])


async def _edit(panel: GridPanel, rows: list[Any]) -> None:
    vms = [vm for g in rows for vm in g.vms]
    values = await ask_form(panel, memory_dialog(vms))
    if values is None:
        return
    settings = settings_from(values)
    conn = vms[0].connection
    title = (
        _("Changing the memory of VM '{vm}'").format(vm=vms[0].name)
        if len(vms) == 1
        else _("Changing the memory of {n} VMs").format(n=len(vms))
    )
    start(panel, title, conn, lambda p: memory.set_memory(conn, vms, settings, p))


EDIT = TabAction(
    "editMemory",
    N_("&Edit..."),
    lambda _o: [av.role("VM.set_memory_limits", "VM.set_memory_dynamic_range")],
    _edit,
    many=True,
)


class MemoryTab(TabPage):
    key = "memory"
    watched_classes = frozenset({"VM", "VM_metrics", "host_metrics"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memoryTab")
        self.hosts_box = QWidget()
        self.hosts_layout = QVBoxLayout(self.hosts_box)
        self.hosts_layout.setContentsMargins(0, 0, 0, 0)
        self.bars: dict[str, tuple[QLabel, MemoryBar, QLabel]] = {}
        self.groups = GridPanel("memoryGroups", N_("Virtual Machines"), GROUP_COLUMNS, [EDIT], vm_groups)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addWidget(self.hosts_box)
        layout.addWidget(self.groups, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll)
        self._next_allowed = 0.0
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.timeout.connect(self.refresh)

    def title(self) -> str:
        return _("Memory")

    @classmethod
    def applies_to(cls, objects: list[Any]) -> bool:
        if len(objects) != 1:
            return False
        obj = objects[0]
        if obj.cls == "VM":
            return not obj.is_control_domain
        if obj.cls == "host":
            return obj.is_live
        return obj.cls == "pool"

    def _hosts(self, obj: Any) -> list[Any]:
        if obj.cls == "host":
            return [obj]
        if obj.cls == "pool":
            return sorted((h for h in obj.cache.all("host") if h.is_live), key=lambda h: h.name)
        return []

    def set_objects(self, objects: list[Any]) -> None:
        changed = [o.ref for o in objects] != [o.ref for o in self.objects]
        self.objects = list(objects)
        if changed:
            self._later.stop()
            self.refresh()
        else:
            self._throttled()

    def _throttled(self) -> None:
        """A big pool's page costs tens of milliseconds to redraw: while its VMs keep changing,
        redraw at most about one tenth of the time (the page stays current within a second)."""
        wait = self._next_allowed - time.monotonic()
        if wait <= 0:
            self.refresh()
        elif not self._later.isActive():
            self._later.start(int(wait * 1000) + 1)

    def refresh(self) -> None:
        if len(self.objects) != 1:
            return
        started = time.monotonic()
        self._draw(self.objects[0])
        self._next_allowed = time.monotonic() + 9 * (time.monotonic() - started)

    def _draw(self, obj: Any) -> None:
        hosts = self._hosts(obj)
        for ref in [r for r in self.bars if r not in {h.ref for h in hosts}]:
            for widget in self.bars.pop(ref):
                widget.setParent(None)
                widget.deleteLater()
        for host in hosts:
            if host.ref not in self.bars:
                name, bar, summary = QLabel(), MemoryBar(), QLabel()
                name.setObjectName("memoryHost")
                summary.setObjectName("memorySummary")
                for w in (name, bar, summary):
                    self.hosts_layout.addWidget(w)
                self.bars[host.ref] = (name, bar, summary)
            name, bar, summary = self.bars[host.ref]
            name.setText(host.name)
            segments = host_segments(host)
            bar.set_segments(host.memory_total, segments)
            summary.setText(
                _("Total {total}: {parts}").format(
                    total=format_bytes(host.memory_total),
                    parts=", ".join(f"{label} {format_bytes(size)}" for size, label in segments),
                )
            )
        self.hosts_box.setVisible(bool(hosts))
        self.groups.set_owner(obj)

    def retranslate(self) -> None:
        self.groups.retranslate()
        self.refresh()
