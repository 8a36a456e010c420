"""The pool simulator: a XAPI-compatible server driven by the datamodel.

It imports only the standard library, its server library and ``datamodel`` (never ``ui``,
``model`` or ``xapi``), so it can run as its own process behind the console.
"""
