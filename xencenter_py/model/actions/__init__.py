"""Multi-step operations as plain Python (XenCenter's Actions): no Qt, one module per area.

Wizards, dialogs and CLI verbs collect input and run the same action; see ``base``.
"""
