"""Wizards: one module per wizard, each a list of pages on :mod:`.base`."""
