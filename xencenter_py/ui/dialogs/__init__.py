"""Dialogs of the console (Add Server, certificates, options, about)."""
