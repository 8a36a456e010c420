"""XVA files: the tar XAPI's ``/export`` writes and ``/import`` reads.

Layout (export format version 2, as XAPI writes it): the first member ``ova.xml`` is one
XML-RPC struct ``{version: {...}, objects: [{class, id, snapshot}, ...]}`` where ``id`` is
a fresh ``Ref:N`` and every reference inside a snapshot is either such an id or NULL.
Each disk follows as 1 MiB chunks ``Ref:N/00000000`` (``N`` the VDI's id), each with a
``.checksum`` member holding the chunk's SHA-1 in hex; chunks that are all zeros are left
out except the last, so a disk's size is its ``virtual_size``, not the file's.

The simulator keeps no disk contents: an exported disk is its first chunk (a small
signature, the rest zeros) and its last, which keeps files small and still readable by
tools that expect the real layout.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import re
import tarfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from xencenter_py.datamodel import NULL_REF, Type
from xencenter_py.sim import codec_xmlrpc
from xencenter_py.sim.dispatch import coerce
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.store import Store

CHUNK = 1024 * 1024
EXPORT_VSN = 2
OVA_XML = "ova.xml"
_CHUNK_NAME = re.compile(r"^(Ref:\d+)/(\d{8})(\.checksum|\.xxhash)?$")

# Fields of an exported object that are references and lists of references, per class.
_EXPORTED = ("VM", "VBD", "VIF", "VDI", "SR", "network")


@dataclass
class XvaObject:
    """One object of ``ova.xml``: its class, its ``Ref:N`` id and its record (wire form)."""

    cls: str
    id: str
    snapshot: dict[str, Any]


@dataclass
class Xva:
    """What an XVA holds: the version block, its objects, and for each disk id the bytes
    of data present (after checksum verification)."""

    version: dict[str, Any]
    objects: list[XvaObject]
    disk_bytes: dict[str, int] = field(default_factory=dict)

    def of_class(self, cls: str) -> list[XvaObject]:
        return [o for o in self.objects if o.cls.lower() == cls.lower()]

    def by_id(self, ident: str) -> XvaObject | None:
        return next((o for o in self.objects if o.id == ident), None)


# ------------------------------------------------------------------------------ export
def export_plan(store: Store, vm: str) -> tuple[dict[str, str], list[str]]:
    """The ids of the objects an export of ``vm`` carries (ref -> ``Ref:N``) and its disks
    (VDI refs, in VBD order), walked as XAPI does: the VM, its VIFs and their networks,
    its VBDs, their VDIs and those VDIs' SRs."""
    ids: dict[str, str] = {}

    def add(ref: str) -> None:
        if ref and ref != NULL_REF and ref not in ids:
            ids[ref] = f"Ref:{len(ids)}"

    rec = store.get("VM", vm)
    add(vm)
    vifs = store.all("VIF")
    for vif in rec["VIFs"]:
        if vif in vifs:
            add(vif)
            add(vifs[vif]["network"])
    vbds = store.all("VBD")
    disks: list[str] = []
    for vbd in sorted(rec["VBDs"], key=lambda r: vbds.get(r, {}).get("userdevice", "")):
        v = vbds.get(vbd)
        if v is None:
            continue
        add(vbd)
        if not v["empty"] and store.exists("VDI", v["VDI"]):
            vdi = v["VDI"]
            add(vdi)
            add(store.get("VDI", vdi)["SR"])
            sr = store.get("SR", store.get("VDI", vdi)["SR"])
            if sr["content_type"] != "iso" and v["type"] == "Disk":
                disks.append(vdi)
    return ids, disks


def _exported_record(store: Store, cls: str, ref: str, ids: dict[str, str]) -> dict[str, Any]:
    """The record as it appears in ``ova.xml``: references outside the export become NULL,
    runtime state is reset (a halted VM, detached devices)."""
    rec = dict(store.get(cls, ref))
    c = store.dm.cls(cls)
    assert c is not None
    for name, f in c.fields.items():
        if name not in rec:
            continue
        t = f.type
        if t.kind == "ref":
            rec[name] = ids.get(rec[name], NULL_REF)
        elif t.kind == "set" and t.of is not None and t.of.kind == "ref":
            rec[name] = [ids[r] for r in rec[name] if r in ids]
        elif t.kind == "map" and ((t.key and t.key.kind == "ref") or (t.of and t.of.kind == "ref")):
            rec[name] = {}
    for runtime in ("current_operations", "allowed_operations"):
        if runtime in rec:
            rec[runtime] = [] if isinstance(rec[runtime], list) else {}
    if cls == "VM":
        rec.update(power_state="Halted", is_a_snapshot=False, snapshot_time=_dt.datetime(1970, 1, 1, tzinfo=_dt.UTC))
        rec.update(domid=-1, snapshot_info={}, transportable_snapshot_id="")
    if cls in ("VBD", "VIF"):
        rec["currently_attached"] = False
    return rec


def ova_xml(store: Store, vm: str, ids: dict[str, str], hostname: str) -> bytes:
    """The ``ova.xml`` of an export of ``vm``."""
    version = {
        "hostname": hostname,
        "date": _dt.date.today().isoformat(),
        "product_version": "8.4.0",
        "product_brand": "XenServer",
        "build_number": "sim",
        "xapi_major": codec_xmlrpc.I4(1),
        "xapi_minor": codec_xmlrpc.I4(20),
        "export_vsn": codec_xmlrpc.I4(EXPORT_VSN),
    }
    objects = []
    for ref, ident in ids.items():
        cls = store.class_of(ref)
        if cls not in _EXPORTED:
            continue
        enc = codec_xmlrpc.encoder(Type("record", cls))
        objects.append(
            "<value><struct>"
            f"<member><name>class</name><value>{cls}</value></member>"
            f"<member><name>id</name><value>{ident}</value></member>"
            f"<member><name>snapshot</name>{enc(_exported_record(store, cls, ref, ids))}</member>"
            "</struct></value>"
        )
    text = (
        "<value><struct><member><name>version</name>"
        + codec_xmlrpc.encode_any(version)
        + "</member><member><name>objects</name><value><array><data>"
        + "".join(objects)
        + "</data></array></value></member></struct></value>"
    )
    return text.encode("utf-8")


def disk_chunks(uuid: str, size: int) -> Iterator[tuple[int, bytes]]:
    """(index, data) of the chunks written for a disk of ``size`` bytes: the first (a
    signature naming the disk) and the last, all others being zeros."""
    count = max((size + CHUNK - 1) // CHUNK, 1)
    first = f"xencenter-py simulated disk {uuid}\n".encode().ljust(min(CHUNK, max(size, 64)), b"\0")
    yield 0, first
    if count > 1:
        yield count - 1, bytes(size - (count - 1) * CHUNK)


def tar_member(name: str, data: bytes) -> bytes:
    """One tar member (header and padded data), as a stream writer emits it."""
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    info.mode = 0o644
    header = info.tobuf(format=tarfile.USTAR_FORMAT)
    pad = (-len(data)) % tarfile.BLOCKSIZE
    return header + data + b"\0" * pad


def tar_end() -> bytes:
    return b"\0" * (2 * tarfile.BLOCKSIZE)


def chunk_members(ident: str, index: int, data: bytes) -> bytes:
    name = f"{ident}/{index:08d}"
    return tar_member(name, data) + tar_member(name + ".checksum", hashlib.sha1(data).hexdigest().encode())


# ------------------------------------------------------------------------------ import
def read(stream: IO[bytes]) -> Xva:
    """Parse an XVA from a readable stream (verifying every checksum present);
    ``IMPORT_ERROR`` for anything that is not a well-formed XVA."""
    try:
        with tarfile.open(fileobj=stream, mode="r|*") as tar:
            xva = _read_members(tar)
    except (tarfile.TarError, EOFError, OSError) as e:
        raise XapiError("IMPORT_ERROR", f"not an XVA archive, or a damaged one: {e}") from None
    if xva is None:
        raise XapiError("IMPORT_ERROR", f"no {OVA_XML} in the archive")
    return xva


def _read_members(tar: tarfile.TarFile) -> Xva | None:
    xva: Xva | None = None
    last: tuple[str, bytes] | None = None
    for member in tar:
        if not member.isfile():
            continue
        handle = tar.extractfile(member)
        data = handle.read() if handle is not None else b""
        if xva is None:
            if member.name != OVA_XML:
                raise XapiError("IMPORT_ERROR", f"the archive does not start with {OVA_XML}")
            xva = parse_ova(data)
            continue
        m = _CHUNK_NAME.match(member.name)
        if m is None:
            continue
        ident, _index, suffix = m.groups()
        if suffix == ".checksum":
            if last is None or last[0] != member.name.removesuffix(".checksum"):
                raise XapiError("IMPORT_ERROR", f"checksum without its chunk: {member.name}")
            if hashlib.sha1(last[1]).hexdigest() != data.decode("ascii", "replace").strip():
                raise XapiError("IMPORT_ERROR", f"checksum mismatch in {last[0]}")
        elif suffix is None:
            last = (member.name, data)
            xva.disk_bytes[ident] = xva.disk_bytes.get(ident, 0) + len(data)
    return xva


def parse_ova(data: bytes) -> Xva:
    """``ova.xml`` into its version block and objects."""
    try:
        root = ET.fromstring(data)
        value = codec_xmlrpc.decode_value(root)
    except (ET.ParseError, codec_xmlrpc.XmlRpcParseError) as e:
        raise XapiError("IMPORT_ERROR", f"{OVA_XML} is not valid: {e}") from None
    if not isinstance(value, dict) or not isinstance(value.get("objects"), list):
        raise XapiError("IMPORT_ERROR", f"{OVA_XML} has no objects (an old format this server does not read)")
    objects = []
    for o in value["objects"]:
        if isinstance(o, dict) and isinstance(o.get("snapshot"), dict):
            objects.append(XvaObject(str(o.get("class", "")), str(o.get("id", "")), o["snapshot"]))
    version = value.get("version") if isinstance(value.get("version"), dict) else {}
    return Xva(version or {}, objects)


def decode_record(store: Store, cls: str, wire: dict[str, Any]) -> dict[str, Any]:
    """A wire record as stored fields of ``cls``: unknown fields dropped, each known field
    decoded by its type, a field that does not decode (a newer enum value) left default."""
    c = store.dm.cls(cls)
    assert c is not None
    out: dict[str, Any] = {}
    for name, value in wire.items():
        f = c.fields.get(name)
        if f is None:
            continue
        try:
            out[name] = coerce(value, f.type, name)
        except XapiError:
            continue
    return out


def read_bytes(data: bytes) -> Xva:
    return read(io.BytesIO(data))
