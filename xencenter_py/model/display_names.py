"""Names users see for the codes XAPI stores (licence editions, SR content types).

XAPI keeps short codes ("premium", "user"); the console shows what XenCenter shows, in the
user's language.
"""

from __future__ import annotations

from xencenter_py.i18n import N_
from xencenter_py.i18n import gettext as _

_EDITIONS = {
    "free": N_("XenServer (free)"),
    "express": N_("Express Edition"),
    "trial": N_("Trial Edition"),
    "standard": N_("Standard Edition"),
    "advanced": N_("Advanced Edition"),
    "enterprise": N_("Enterprise Edition"),
    "enterprise-xd": N_("Enterprise Edition for XenDesktop"),
    "platinum": N_("Platinum Edition"),
    "per-socket": N_("Per-Socket Edition"),
    "xendesktop": N_("XenDesktop Edition"),
    "premium": N_("Premium Edition"),
}

_CONTENT_TYPES = {
    "user": N_("User"),
    "iso": N_("ISO"),
    "disk": N_("Disk"),
}


def edition_name(code: str) -> str:
    """The licence edition as XenCenter names it ("premium" -> "Premium Edition")."""
    if not code:
        return _("Unknown")
    known = _EDITIONS.get(code.lower())
    return str(known) if known else code.replace("-", " ").title()


def content_type_name(code: str) -> str:
    """An SR's content type in words ("user" -> "User")."""
    if not code:
        return _("(None)")
    known = _CONTENT_TYPES.get(code.lower())
    return str(known) if known else code
