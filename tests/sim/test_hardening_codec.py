"""Big event batches reuse each unchanged snapshot's JSON text: the answer must be exactly
what encoding the batch afresh gives, before and after objects change."""

from __future__ import annotations

import json

from xencenter_py.sim import codec_jsonrpc
from xencenter_py.sim.seeds import scale
from xencenter_py.sim.simulator import Simulator
from xencenter_py.sim.store import Store


def fresh(batch: dict, v2: bool) -> dict:
    envelope = {"jsonrpc": "2.0", "result": batch, "id": 3} if v2 else {"result": batch, "error": None, "id": 3}
    return json.loads(codec_jsonrpc.dumps(envelope))


async def test_spliced_batches_equal_fresh_encodings() -> None:
    store = Store()
    scale.build(store, 4, 300)
    sim = Simulator(store, speed=50, users={"root": ("pw", "pool-admin")})
    session = await sim.login("root", "pw")
    batch, _ = await sim.call("event.from", [session, ["*"], "", 0.0])
    assert len(batch["events"]) >= codec_jsonrpc.SPLICE_FROM
    for v2 in (True, False):
        assert json.loads(codec_jsonrpc.success(batch, 3, v2)) == fresh(batch, v2)
    vm = next(ref for ref, rec in store.tables["VM"].items() if not rec["is_a_template"])
    await sim.call("VM.set_name_label", [session, vm, "renamed «ü»"])
    await sim.call("VM.add_to_other_config", [session, vm, "k", 'quote " and \\ backslash'])
    again, _ = await sim.call("event.from", [session, ["*"], "", 0.0])
    spliced = json.loads(codec_jsonrpc.success(again, 3, True))
    assert spliced == fresh(again, True)
    snapshot = next(e["snapshot"] for e in spliced["result"]["events"] if e["ref"] == vm)
    assert snapshot["name_label"] == "renamed «ü»" and snapshot["other_config"]["k"] == 'quote " and \\ backslash'
