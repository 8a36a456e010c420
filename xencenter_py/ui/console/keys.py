"""Qt key events → X keysyms for the console, including Japanese (JIS) keyboards.

Characters come from what the key types (so a JIS layout's ``@``, ``[``, ``¥`` or ``_``
arrive as themselves); keys that type nothing come from a table. The Japanese input keys
(半角/全角, 変換, 無変換, ひらがな/カタカナ, 英数) toggle input modes: the system often
sends their press without a release, so they are sent as a complete press-and-release at
once and their own releases are ignored; nothing is ever left held down in the guest.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent

K = Qt.Key

SPECIAL: dict[int, int] = {
    K.Key_Backspace: 0xFF08,
    K.Key_Tab: 0xFF09,
    K.Key_Backtab: 0xFF09,
    K.Key_Return: 0xFF0D,
    K.Key_Enter: 0xFF8D,
    K.Key_Escape: 0xFF1B,
    K.Key_Delete: 0xFFFF,
    K.Key_Insert: 0xFF63,
    K.Key_Home: 0xFF50,
    K.Key_Left: 0xFF51,
    K.Key_Up: 0xFF52,
    K.Key_Right: 0xFF53,
    K.Key_Down: 0xFF54,
    K.Key_PageUp: 0xFF55,
    K.Key_PageDown: 0xFF56,
    K.Key_End: 0xFF57,
    K.Key_Print: 0xFF61,
    K.Key_Pause: 0xFF13,
    K.Key_ScrollLock: 0xFF14,
    K.Key_NumLock: 0xFF7F,
    K.Key_CapsLock: 0xFFE5,
    K.Key_Menu: 0xFF67,
    K.Key_Shift: 0xFFE1,
    K.Key_Control: 0xFFE3,
    K.Key_Meta: 0xFFEB,
    K.Key_Alt: 0xFFE9,
    K.Key_AltGr: 0xFE03,
    K.Key_Super_L: 0xFFEB,
    K.Key_Super_R: 0xFFEC,
    **{K.Key_F1 + i: 0xFFBE + i for i in range(12)},
}

TOGGLES: dict[int, int] = {
    K.Key_Zenkaku_Hankaku: 0xFF2A,
    K.Key_Kanji: 0xFF21,
    K.Key_Muhenkan: 0xFF22,
    K.Key_Henkan: 0xFF23,
    K.Key_Romaji: 0xFF24,
    K.Key_Hiragana: 0xFF25,
    K.Key_Katakana: 0xFF26,
    K.Key_Hiragana_Katakana: 0xFF27,
    K.Key_Zenkaku: 0xFF28,
    K.Key_Hankaku: 0xFF29,
    K.Key_Eisu_toggle: 0xFF30,
    K.Key_Eisu_Shift: 0xFF2F,
}
"""Japanese input-mode keys (X keysyms Kanji … Eisu_toggle): sent as press + release."""

CHARACTER_KEYS: dict[int, int] = {K.Key_yen: 0xA5}
"""Keys whose character Qt may not report (the JIS ¥ key)."""


def char_keysym(ch: str) -> int:
    """The keysym that types ``ch``: Latin-1 as itself, anything else as a Unicode keysym."""
    code = ord(ch)
    if 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF:
        return code
    return 0x01000000 + code


def keysym_of(event: QKeyEvent) -> int | None:
    """The keysym for a key event (None for keys that cannot be sent)."""
    key = event.key()
    if key in TOGGLES:
        return TOGGLES[key]
    if key in SPECIAL:
        return SPECIAL[key]
    if key in CHARACTER_KEYS:
        return CHARACTER_KEYS[key]
    text = event.text()
    if len(text) == 1 and text.isprintable():
        return char_keysym(text)
    if 0x20 <= key <= 0x7E:  # Ctrl or Alt held: Qt gives no text, the key names the character
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        ch = chr(key)
        return ord(ch if shift else ch.lower())
    return None


def is_toggle(event: QKeyEvent) -> bool:
    return event.key() in TOGGLES
