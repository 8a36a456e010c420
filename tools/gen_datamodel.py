"""Generate the packaged, compact XAPI datamodel from the official ``xenapi.json``.

The product never reads ``../shared`` at run time: this script distils the official file
(descriptions and lifecycles dropped) into ``xencenter_py/datamodel/xenapi-compact.json``,
which is committed and shipped as package data.

Usage: python tools/gen_datamodel.py [path/to/xenapi.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "xapi" / "xenapi.json"
TARGET = ROOT / "xencenter_py" / "datamodel" / "xenapi-compact.json"


def _removed(lifecycle: dict) -> bool:
    return any(t.get("transition") == "removed" for t in lifecycle.get("transitions", []))


def compact(source: list[dict]) -> dict:
    classes: dict[str, dict] = {}
    enums: dict[str, list[str]] = {}
    role_sets: list[list[str]] = []
    for cls in source:
        fields = []
        for f in cls["fields"]:
            fields.append(
                {
                    "name": f["name"],
                    "type": f["type"],
                    "qualifier": f["qualifier"],
                    "default": f.get("default"),
                    "removed": _removed(f.get("lifecycle", {})),
                }
            )
        messages = []
        for m in cls["messages"]:
            roles = sorted(m.get("roles", []))
            if roles not in role_sets:
                role_sets.append(roles)
            messages.append(
                {
                    "name": m["name"],
                    "params": [[p["name"], p["type"]] for p in m["params"]],
                    "result": m["result"][0],
                    "roles": role_sets.index(roles),
                    "implicit": bool(m.get("implicit")),
                    "errors": [e["name"] for e in m.get("errors", [])],
                }
            )
        for e in cls.get("enums", []):
            enums[e["name"]] = [v["name"] for v in e["values"]]
        classes[cls["name"]] = {"fields": fields, "messages": messages}
    return {"classes": classes, "enums": enums, "role_sets": role_sets}


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    data = compact(json.loads(source.read_text(encoding="utf-8")))
    TARGET.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}: {len(data['classes'])} classes, {len(data['enums'])} enums")


if __name__ == "__main__":
    main()
