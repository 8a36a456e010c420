"""The widget that shows a console's screen and sends keyboard and mouse input to it."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from xencenter_py.ui.console import keys
from xencenter_py.xapi.rfb import BYTES_PER_PIXEL, RfbClient

XK_CONTROL_L, XK_ALT_L, XK_DELETE = 0xFFE3, 0xFFE9, 0xFFFF
BUTTONS = {Qt.MouseButton.LeftButton: 1, Qt.MouseButton.MiddleButton: 2, Qt.MouseButton.RightButton: 4}


class ConsoleScreen(QWidget):
    """Paints the framebuffer scaled to fit (keeping its shape) or 1:1, and turns key and
    mouse events into RFB input. Keys held when focus leaves are released in the guest."""

    leave_fullscreen = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consoleScreen")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)  # raw keys, no IME composition
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.image = QImage()
        self.scaled = True
        self.client: RfbClient | None = None
        self.held: dict[int, int] = {}
        """Key (scan code or Qt key) → keysym sent down, so its release matches."""
        self._buttons = 0

    # ------------------------------------------------------------------ framebuffer
    def attach(self, client: RfbClient) -> None:
        self.client = client
        client.on_resize = self.resize_screen
        client.on_damage = self.damage
        self.resize_screen(client.width, client.height)

    def detach(self) -> None:
        self.release_keys()
        self.client = None

    def resize_screen(self, width: int, height: int) -> None:
        self.image = QImage(width, height, QImage.Format.Format_RGB32)
        self.image.fill(QColor(0, 0, 0))
        self.updateGeometry()
        if not self.scaled:
            self.resize(width, height)
        self.update()

    def damage(self, rect: tuple[int, int, int, int]) -> None:
        client = self.client
        if client is None or self.image.width() != client.width or self.image.height() != client.height:
            return
        x, y, w, h = rect
        bits = self.image.bits()
        stride = self.image.bytesPerLine()
        row = w * BYTES_PER_PIXEL
        src_stride = client.width * BYTES_PER_PIXEL
        if stride == src_stride and x == 0 and w == client.width:
            bits[y * stride : (y + h) * stride] = client.pixels[y * src_stride : (y + h) * src_stride]
        else:
            for i in range(h):
                src = (y + i) * src_stride + x * BYTES_PER_PIXEL
                dst = (y + i) * stride + x * BYTES_PER_PIXEL
                bits[dst : dst + row] = client.pixels[src : src + row]
        self.update(self._to_widget(QRect(x, y, w, h)))

    def set_scaled(self, scaled: bool) -> None:
        self.scaled = scaled
        self.updateGeometry()
        if not scaled and not self.image.isNull():
            self.resize(self.image.size())
        self.update()

    def sizeHint(self) -> QSize:
        return self.image.size() if not self.image.isNull() else QSize(640, 400)

    def minimumSizeHint(self) -> QSize:
        return self.image.size() if not self.scaled and not self.image.isNull() else QSize(64, 40)

    def target(self) -> QRect:
        """Where the framebuffer is drawn in the widget."""
        if self.image.isNull():
            return QRect()
        if not self.scaled:
            return QRect(QPoint(0, 0), self.image.size())
        size = self.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        return QRect(QPoint((self.width() - size.width()) // 2, (self.height() - size.height()) // 2), size)

    def _to_widget(self, rect: QRect) -> QRect:
        t = self.target()
        if self.image.isNull() or t.isEmpty():
            return rect
        sx, sy = t.width() / self.image.width(), t.height() / self.image.height()
        return QRect(
            int(t.x() + rect.x() * sx) - 1,
            int(t.y() + rect.y() * sy) - 1,
            int(rect.width() * sx) + 3,
            int(rect.height() * sy) + 3,
        )

    def to_screen(self, pos: QPoint) -> tuple[int, int]:
        t = self.target()
        if t.isEmpty():
            return 0, 0
        x = (pos.x() - t.x()) * self.image.width() // t.width()
        y = (pos.y() - t.y()) * self.image.height() // t.height()
        return x, y

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(event.rect(), QColor(0, 0, 0))
        if not self.image.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.scaled)
            painter.drawImage(self.target(), self.image)
        painter.end()

    # ------------------------------------------------------------------ keyboard
    def focusNextPrevChild(self, next: bool) -> bool:
        return False  # Tab belongs to the guest

    def keyPressEvent(self, event: QKeyEvent) -> None:
        mods = event.modifiers()
        if (
            self.window().isFullScreen()
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and mods & Qt.KeyboardModifier.ControlModifier
        ):
            self.leave_fullscreen.emit()  # Ctrl+Enter, as in XenCenter
            return
        ctrl_alt = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        if event.key() == Qt.Key.Key_Insert and mods & ctrl_alt == ctrl_alt:
            self.send_ctrl_alt_del()  # XenCenter's stand-in: the local system keeps Ctrl+Alt+Del
            return
        keysym = keys.keysym_of(event)
        if keysym is None or self.client is None:
            return
        if keys.is_toggle(event):
            self._send(keysym, True)
            self._send(keysym, False)
            return
        ident = event.nativeScanCode() or event.key()
        if event.isAutoRepeat() and ident in self.held:
            self._send(self.held[ident], True)  # repeats are presses without releases
            return
        self.held[ident] = keysym
        self._send(keysym, True)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.isAutoRepeat() or keys.is_toggle(event):
            return
        keysym = self.held.pop(event.nativeScanCode() or event.key(), None)
        if keysym is not None:
            self._send(keysym, False)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.release_keys()
        super().focusOutEvent(event)

    def release_keys(self) -> None:
        held, self.held = self.held, {}
        for keysym in held.values():
            self._send(keysym, False)

    def send_ctrl_alt_del(self) -> None:
        self.release_keys()
        for keysym in (XK_CONTROL_L, XK_ALT_L, XK_DELETE):
            self._send(keysym, True)
        for keysym in (XK_DELETE, XK_ALT_L, XK_CONTROL_L):
            self._send(keysym, False)

    def _send(self, keysym: int, down: bool) -> None:
        if self.client is not None:
            self.client.key(keysym, down)  # a closed stream drops it; the session says why

    # ------------------------------------------------------------------ mouse
    def _pointer(self, pos: QPoint, buttons: int) -> None:
        if self.client is None:
            return
        x, y = self.to_screen(pos)
        self.client.pointer(x, y, buttons)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self._buttons |= BUTTONS.get(event.button(), 0)
        self._pointer(event.position().toPoint(), self._buttons)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._buttons &= ~BUTTONS.get(event.button(), 0)
        self._pointer(event.position().toPoint(), self._buttons)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._pointer(event.position().toPoint(), self._buttons)

    def wheelEvent(self, event: QWheelEvent) -> None:
        button = 8 if event.angleDelta().y() > 0 else 16
        pos = event.position().toPoint()
        self._pointer(pos, self._buttons | button)
        self._pointer(pos, self._buttons)
