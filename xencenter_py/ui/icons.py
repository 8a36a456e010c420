"""The console's icon set, drawn with QPainter (original artwork, no image files), and the
application icon (an original SVG in ``ui/resources``).

Every icon is a base shape (server, VM screen, pool, disk, ...) plus an optional state
badge in the lower right corner (running, halted, suspended, busy, warning, ...). Icon
names come from the model's vocabulary (``xencenter_py/model/tree.py``); names are matched
without regard to case, ``_`` or ``-`` so ``vm_running`` and ``VmRunning`` are the same.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtSvg import QSvgRenderer

_INK = QColor("#2b3a4a")
_BODY = QColor("#dfe7ef")
_ACCENT = QColor("#3d7ab8")
_BADGES = {
    "running": QColor("#2e9d48"),
    "halted": QColor("#c8362c"),
    "suspended": QColor("#e39b14"),
    "paused": QColor("#e39b14"),
    "busy": QColor("#3d7ab8"),
    "disconnected": QColor("#8a8f96"),
    "connecting": QColor("#3d7ab8"),
    "maintenance": QColor("#e39b14"),
    "shared": QColor("#3d7ab8"),
    "warning": QColor("#e3b814"),
    "error": QColor("#c8362c"),
    "default": QColor("#e3b814"),
    "disabled": QColor("#8a8f96"),
    "info": QColor("#3d7ab8"),
    "ok": QColor("#2e9d48"),
}

# name (normalised) -> (shape, badge or None, greyed). The tree's names are the model's
# vocabulary (``xencenter_py.model.tree.ICONS``); the rest serve toolbar and status.
_ICONS: dict[str, tuple[str, str | None, bool]] = {
    "home": ("home", None, False),
    "objects": ("objects", None, False),
    "pool": ("pool", None, False),
    "poolunlicensed": ("pool", "warning", False),
    "poolmixed": ("pool", "warning", False),
    "host": ("host", None, False),
    "hostconnecting": ("host", "connecting", True),
    "hostdisconnected": ("host", "disconnected", True),
    "hostmaintenance": ("host", "maintenance", False),
    "hostolder": ("host", "warning", False),
    "hostunlicensed": ("host", "warning", False),
    "hostcrashdumps": ("host", "error", False),
    "vm": ("vm", None, False),
    "vmrunning": ("vm", "running", False),
    "vmhalted": ("vm", "halted", False),
    "vmsuspended": ("vm", "suspended", False),
    "vmpaused": ("vm", "paused", False),
    "vmstarting": ("vm", "busy", False),
    "vmmigrating": ("vm", "busy", True),
    "template": ("template", None, False),
    "templatecustom": ("templateuser", None, False),
    "snapshot": ("snapshot", None, False),
    "snapshotmemory": ("snapshot", "running", False),
    "snapshotscheduled": ("snapshot", "info", False),
    "sr": ("storage", None, False),
    "srshared": ("storage", "shared", False),
    "srdefault": ("storage", "default", False),
    "srbroken": ("storage", "error", False),
    "srdisabled": ("storage", "disabled", True),
    "vdi": ("vdi", None, False),
    "vdisnapshot": ("vdi", "info", False),
    "network": ("network", None, False),
    "tag": ("tag", None, False),
    "folder": ("folder", None, False),
    "customfield": ("field", None, False),
    "vapp": ("vapp", None, False),
    "savedsearch": ("search", None, False),
    # status
    "ok": ("badge", "ok", False),
    "info": ("badge", "info", False),
    "warning": ("badge", "warning", False),
    "error": ("badge", "error", False),
    "busy": ("badge", "busy", False),
    # toolbar commands
    "start": ("action", "running", False),
    "shutdown": ("action", "halted", False),
    "reboot": ("action", "busy", False),
    "suspend": ("action", "suspended", False),
    "forceshutdown": ("action", "error", False),
    "migrate": ("arrow-right", None, False),
    "addserver": ("host", "ok", False),
    "newpool": ("pool", "ok", False),
    "newstorage": ("storage", "ok", False),
    "newvm": ("vm", "ok", False),
    "back": ("arrow-left", None, False),
    "forward": ("arrow-right", None, False),
}


def normalise(name: str) -> str:
    """The registry key for an icon name (case, ``_``, ``-`` and spaces ignored)."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


def known(name: str) -> bool:
    """True when ``name`` has its own drawing (used by tests to check the vocabulary)."""
    return normalise(name) in _ICONS


def names() -> list[str]:
    """All registered icon names."""
    return sorted(_ICONS)


@cache
def app_icon() -> QIcon:
    """The product's own icon (window, About, desktop entry), shipped as package data."""
    data = resources.files("xencenter_py.ui").joinpath("resources", "xencenter-py.svg").read_bytes()
    renderer = QSvgRenderer(data)
    result = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        pm = QPixmap(size, size)
        pm.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pm)
        renderer.render(painter)
        painter.end()
        result.addPixmap(pm)
    return result


@cache
def icon(name: str) -> QIcon:
    """The icon for ``name`` at 16, 24 and 32 pixels (unknown names get a neutral shape)."""
    result = QIcon()
    for size in (16, 24, 32):
        result.addPixmap(pixmap(name, size))
    return result


def pixmap(name: str, size: int = 16) -> QPixmap:
    """Draw ``name`` into a transparent pixmap of ``size`` x ``size``."""
    shape, badge, grey = _ICONS.get(normalise(name), ("unknown", None, False))
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 16.0, size / 16.0)
    if grey:
        p.setOpacity(0.55)
    _SHAPES.get(shape, _draw_unknown)(p)
    p.setOpacity(1.0)
    if badge:
        _draw_badge(p, badge, big=shape in ("action", "badge"))
    p.end()
    return pm


def _pen(width: float = 1.0, color: QColor = _INK) -> QPen:
    pen = QPen(color, width)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _draw_host(p: QPainter) -> None:
    p.setPen(_pen())
    p.setBrush(_BODY)
    for top in (1.5, 6.0):
        p.drawRoundedRect(QRectF(2.5, top, 11, 4), 1, 1)
        p.setBrush(_ACCENT)
        p.drawEllipse(QPointF(11.0, top + 2), 0.7, 0.7)
        p.setBrush(_BODY)
    p.drawLine(QPointF(8, 10.5), QPointF(8, 13.5))
    p.drawLine(QPointF(4, 13.5), QPointF(12, 13.5))


def _draw_pool(p: QPainter) -> None:
    p.setPen(_pen())
    for dx, dy in ((4.5, 0.5), (2.5, 3.5), (0.5, 6.5)):
        p.setBrush(_BODY)
        p.drawRoundedRect(QRectF(dx, dy, 10, 8), 1, 1)
        p.setBrush(_ACCENT)
        p.drawRect(QRectF(dx + 2, dy + 2, 6, 1.2))


def _draw_vm(p: QPainter) -> None:
    p.setPen(_pen())
    p.setBrush(_BODY)
    p.drawRoundedRect(QRectF(1.5, 2.5, 13, 9), 1.2, 1.2)
    p.setBrush(_ACCENT)
    p.drawRect(QRectF(3.5, 4.5, 9, 5))
    p.drawLine(QPointF(8, 11.5), QPointF(8, 13.5))
    p.drawLine(QPointF(5, 13.8), QPointF(11, 13.8))


def _draw_template(p: QPainter, user: bool = False) -> None:
    path = QPainterPath()
    path.moveTo(3.5, 1.5)
    path.lineTo(10, 1.5)
    path.lineTo(12.5, 4)
    path.lineTo(12.5, 14.5)
    path.lineTo(3.5, 14.5)
    path.closeSubpath()
    p.setPen(_pen())
    p.setBrush(QColor("#f4f1e4") if user else _BODY)
    p.drawPath(path)
    pen = _pen(1.0, _ACCENT)
    pen.setStyle(Qt.PenStyle.DashLine if user else Qt.PenStyle.SolidLine)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(QRectF(5.5, 6, 5, 4))


def _draw_snapshot(p: QPainter) -> None:
    p.setPen(_pen())
    p.setBrush(_BODY)
    p.drawRoundedRect(QRectF(1.5, 4.5, 13, 9), 1.5, 1.5)
    p.drawRect(QRectF(5.5, 2.5, 5, 2))
    p.setBrush(_ACCENT)
    p.drawEllipse(QPointF(8, 9), 2.6, 2.6)


def _draw_storage(p: QPainter) -> None:
    p.setPen(_pen())
    p.setBrush(_BODY)
    body = QPainterPath()
    body.moveTo(2.5, 3.5)
    body.lineTo(2.5, 12.5)
    body.arcTo(QRectF(2.5, 10.5, 11, 4), 180, 180)
    body.lineTo(13.5, 3.5)
    body.closeSubpath()
    p.drawPath(body)
    p.setBrush(_ACCENT)
    p.drawEllipse(QRectF(2.5, 1.5, 11, 4))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawArc(QRectF(2.5, 6.5, 11, 4), 180 * 16, 180 * 16)


def _draw_vdi(p: QPainter) -> None:
    p.setPen(_pen())
    p.setBrush(_BODY)
    p.drawEllipse(QPointF(8, 8), 6.5, 6.5)
    p.setBrush(_ACCENT)
    p.drawEllipse(QPointF(8, 8), 2, 2)


def _draw_network(p: QPainter) -> None:
    p.setPen(_pen(1.2, _ACCENT))
    p.drawLine(QPointF(8, 4), QPointF(8, 8))
    p.drawLine(QPointF(3, 8), QPointF(13, 8))
    p.drawLine(QPointF(3, 8), QPointF(3, 11))
    p.drawLine(QPointF(13, 8), QPointF(13, 11))
    p.setPen(_pen())
    p.setBrush(_BODY)
    p.drawRect(QRectF(5.5, 0.5, 5, 4))
    p.drawRect(QRectF(0.5, 11, 5, 4))
    p.drawRect(QRectF(10.5, 11, 5, 4))


def _draw_home(p: QPainter) -> None:
    p.setPen(_pen(1.6, _ACCENT))
    p.drawLine(QPointF(3, 3), QPointF(13, 13))
    p.drawLine(QPointF(13, 3), QPointF(3, 13))
    p.setPen(_pen())
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(QPointF(8, 8), 6.8, 6.8)


def _draw_objects(p: QPainter) -> None:
    p.setPen(_pen())
    for i, (x, y) in enumerate(((1.5, 1.5), (8.5, 1.5), (1.5, 8.5), (8.5, 8.5))):
        p.setBrush(_ACCENT if i % 3 == 0 else _BODY)
        p.drawRect(QRectF(x, y, 6, 6))


def _draw_arrow(p: QPainter, left: bool) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(_ACCENT)
    pts = [(2, 8), (8, 2), (8, 5.5), (14, 5.5), (14, 10.5), (8, 10.5), (8, 14)]
    if not left:
        pts = [(16 - x, y) for x, y in pts]
    p.drawPolygon(QPolygonF([QPointF(x, y) for x, y in pts]))


def _draw_tag(p: QPainter) -> None:
    p.setPen(_pen())
    p.setBrush(_BODY)
    p.drawPolygon(QPolygonF([QPointF(2, 3), QPointF(9, 3), QPointF(14, 8), QPointF(9, 13), QPointF(2, 13)]))
    p.setBrush(_ACCENT)
    p.drawEllipse(QPointF(5, 8), 1.2, 1.2)


def _draw_folder(p: QPainter) -> None:
    p.setPen(_pen())
    p.setBrush(QColor("#f2d27a"))
    p.drawPolygon(
        QPolygonF(
            [QPointF(1.5, 4), QPointF(6, 4), QPointF(7.5, 5.5), QPointF(14.5, 5.5), QPointF(14.5, 13), QPointF(1.5, 13)]
        )
    )


def _draw_field(p: QPainter) -> None:
    p.setPen(_pen())
    p.setBrush(_BODY)
    p.drawRect(QRectF(1.5, 4.5, 13, 7))
    p.setPen(_pen(1.2, _ACCENT))
    p.drawLine(QPointF(4, 6.5), QPointF(4, 9.5))


def _draw_vapp(p: QPainter) -> None:
    p.setPen(_pen())
    p.setBrush(_BODY)
    p.drawRoundedRect(QRectF(1.5, 1.5, 13, 13), 2, 2)
    p.setBrush(_ACCENT)
    for x, y in ((4, 4), (9, 4), (4, 9), (9, 9)):
        p.drawRect(QRectF(x, y, 3, 3))


def _draw_search(p: QPainter) -> None:
    p.setPen(_pen(1.6))
    p.setBrush(_BODY)
    p.drawEllipse(QPointF(6.5, 6.5), 4, 4)
    p.drawLine(QPointF(9.5, 9.5), QPointF(14, 14))


def _draw_unknown(p: QPainter) -> None:
    p.setPen(_pen())
    p.setBrush(_BODY)
    p.drawRoundedRect(QRectF(2.5, 2.5, 11, 11), 2, 2)


_SHAPES = {
    "host": _draw_host,
    "pool": _draw_pool,
    "vm": _draw_vm,
    "template": _draw_template,
    "templateuser": lambda p: _draw_template(p, user=True),
    "snapshot": _draw_snapshot,
    "storage": _draw_storage,
    "vdi": _draw_vdi,
    "network": _draw_network,
    "home": _draw_home,
    "objects": _draw_objects,
    "tag": _draw_tag,
    "folder": _draw_folder,
    "field": _draw_field,
    "vapp": _draw_vapp,
    "search": _draw_search,
    # Toolbar commands and status icons are drawn as a big badge alone.
    "action": lambda p: None,
    "badge": lambda p: None,
    "arrow-left": lambda p: _draw_arrow(p, True),
    "arrow-right": lambda p: _draw_arrow(p, False),
}


def _draw_badge(p: QPainter, badge: str, big: bool) -> None:
    """The state mark: a coloured disc with a white glyph (play, stop, pause, ...)."""
    color = _BADGES[badge]
    center, radius = (QPointF(8, 8), 7.0) if big else (QPointF(11.5, 11.5), 4.3)
    p.setPen(QPen(QColor("white"), 0.8))
    p.setBrush(QBrush(color))
    p.drawEllipse(center, radius, radius)
    s = radius / 4.3
    cx, cy = center.x(), center.y()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("white"))
    if badge in ("running", "ok"):
        p.drawPolygon(
            QPolygonF([QPointF(cx - 1.4 * s, cy - 2 * s), QPointF(cx + 2 * s, cy), QPointF(cx - 1.4 * s, cy + 2 * s)])
        )
    elif badge in ("halted", "error"):
        p.drawRect(QRectF(cx - 1.6 * s, cy - 1.6 * s, 3.2 * s, 3.2 * s))
    elif badge in ("suspended", "paused", "maintenance"):
        p.drawRect(QRectF(cx - 1.8 * s, cy - 1.8 * s, 1.3 * s, 3.6 * s))
        p.drawRect(QRectF(cx + 0.5 * s, cy - 1.8 * s, 1.3 * s, 3.6 * s))
    elif badge in ("busy", "connecting"):
        p.setPen(QPen(QColor("white"), 1.0 * s))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawArc(QRectF(cx - 2 * s, cy - 2 * s, 4 * s, 4 * s), 30 * 16, 280 * 16)
    elif badge in ("warning", "default"):
        p.drawRect(QRectF(cx - 0.6 * s, cy - 2.3 * s, 1.2 * s, 3 * s))
        p.drawEllipse(QPointF(cx, cy + 1.9 * s), 0.7 * s, 0.7 * s)
    elif badge == "info":
        p.drawRect(QRectF(cx - 0.6 * s, cy - 0.8 * s, 1.2 * s, 3 * s))
        p.drawEllipse(QPointF(cx, cy - 2.0 * s), 0.7 * s, 0.7 * s)
    elif badge == "shared":
        for dx in (-1.8, 0.0, 1.8):
            p.drawEllipse(QPointF(cx + dx * s, cy), 0.8 * s, 0.8 * s)
    elif badge in ("disconnected", "disabled"):
        p.drawRect(QRectF(cx - 2 * s, cy - 0.6 * s, 4 * s, 1.2 * s))
