"""``simulator.get_extensions``: how a client tells a simulated pool from a real one.

Real XAPI answers ``MESSAGE_METHOD_UNKNOWN``; the simulator lists its ``simulator.*``
calls, so a console offers simulation-only commands (failure injection) only here.
"""

from __future__ import annotations

from xencenter_py.datamodel import ROLES
from xencenter_py.sim.dispatch import extension, extensions
from xencenter_py.sim.operations import Call, implements

extension("get_extensions", (), "string set", roles=ROLES)


@implements("simulator.get_extensions")
async def get_extensions(call: Call) -> list[str]:
    return extensions()
