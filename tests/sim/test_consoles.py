"""The simulator's consoles over XAPI's ``CONNECT /console`` tunnel, driven by a plain RFB
client (``tests.consoles_support.RfbProbe``) on real sockets."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD, SimProcess, close_proxy, start_sim
from tests.consoles_support import RfbProbe, http_status, tunnel
from tests.sim.behaviour_support import login, vm_by_name

XK_CONTROL, XK_ALT, XK_DELETE = 0xFFE3, 0xFFE9, 0xFFFF
LOCK_BACKGROUND = bytes([80, 40, 10])  # the Windows lock screen's blue, as B, G, R


@pytest.fixture(scope="module")
def sim() -> Iterator[SimProcess]:
    process = start_sim(
        "--seed", "standalone", "--speed", "50", "--user", "ro:ro-pw:read-only", "--user", "op:op-pw:vm-operator"
    )
    yield process
    process.stop()


@pytest.fixture(scope="module")
def x(sim: SimProcess) -> Iterator[Any]:
    session = login(sim)
    yield session.xenapi
    session.xenapi.session.logout()
    close_proxy(session)


@pytest.fixture
def session(sim: SimProcess) -> Iterator[str]:
    s = login(sim)
    yield s._session
    s.xenapi.session.logout()


def console_of(x: Any, vm: str) -> str:
    consoles = x.VM.get_consoles(vm)
    assert len(consoles) == 1
    return str(consoles[0])


def host_console(x: Any) -> str:
    host = x.host.get_all()[0]
    return console_of(x, x.host.get_control_domain(host))


def test_running_domains_have_served_rfb_consoles(sim: SimProcess, x: Any) -> None:
    served = urlsplit(sim.url)
    for ref, vm in x.VM.get_all_records().items():
        if vm["is_a_template"] or vm["is_a_snapshot"]:
            continue
        if vm["power_state"] != "Running":
            assert vm["consoles"] == [], vm["name_label"]
            continue
        console = x.console.get_record(console_of(x, ref))
        assert console["protocol"] == "rfb"
        url = urlsplit(console["location"])
        assert (url.scheme, url.hostname, url.port, url.path) == ("http", served.hostname, served.port, "/console")
        assert url.query == f"uuid={console['uuid']}"


async def test_tunnel_refuses_missing_or_bogus_sessions_and_wrong_roles(sim: SimProcess, x: Any, session: str) -> None:
    location = x.console.get_location(host_console(x))
    assert await http_status(location, "") == 401
    assert await http_status(location, "session_id=OpaqueRef:bogus") == 401
    assert await http_status(location, "", cookie="session_id=OpaqueRef:bogus") == 401
    assert await http_status(location, "", cookie=f"session_id={session}") == 200
    assert await http_status(location, f"session_id={session}") == 200
    readonly = login_as(sim, "ro", "ro-pw")
    operator = login_as(sim, "op", "op-pw")
    vm_location = x.console.get_location(console_of(x, vm_by_name(x, "Lab Linux")))
    assert await http_status(vm_location, f"session_id={readonly}") == 403
    assert await http_status(vm_location, f"session_id={operator}") == 200
    assert await http_status(location, f"session_id={operator}") == 403  # dom0 needs pool-admin
    halted = vm_by_name(x, "検証用 VM")
    base = location.split("?")[0]
    assert await http_status(base, f"ref={halted}&session_id={session}") == 500
    assert await http_status(base, f"ref=OpaqueRef:nothing&session_id={session}") == 500
    by_vm_uuid = f"uuid={x.VM.get_uuid(vm_by_name(x, 'Lab Linux'))}&session_id={session}"
    assert await http_status(base, by_vm_uuid) == 200


def login_as(sim: SimProcess, user: str, password: str) -> str:
    import XenAPI

    s = XenAPI.Session(sim.url)
    s.xenapi.login_with_password(user, password, "2.21", "console-tests")
    return str(s._session)


@pytest.mark.parametrize("version", [b"RFB 003.003\n", b"RFB 003.007\n", b"RFB 003.008\n"])
async def test_handshake_and_framebuffer_update(x: Any, session: str, version: bytes) -> None:
    linux = vm_by_name(x, "Lab Linux")
    probe = await RfbProbe.open(x.console.get_location(console_of(x, linux)), session, version=version)
    try:
        assert (probe.width, probe.height, probe.name) == (640, 400, "Lab Linux")
        probe.request(incremental=False)
        await probe.update()
        assert any(probe.pixels)
        assert 16 in probe.rect_encodings  # ZRLE, the viewer's first choice
    finally:
        await probe.close()


@pytest.mark.parametrize("encoding", [0, 6])
async def test_raw_or_zlib_viewer_and_plain_api_port_beside_tunnels(x: Any, session: str, encoding: int) -> None:
    linux = vm_by_name(x, "Lab Linux")
    probe = await RfbProbe.open(x.console.get_location(console_of(x, linux)), session, encodings=(encoding, 0))
    try:
        probe.request(incremental=False)
        await probe.update()
        assert set(probe.rect_encodings) == {encoding}
        await probe.wait_for("lab-linux")
        assert x.VM.get_name_label(linux) == "Lab Linux"  # the API port still answers
    finally:
        await probe.close()


async def test_a_viewer_breaking_the_protocol_is_dropped(x: Any, session: str) -> None:
    reader, writer = await tunnel(x.console.get_location(host_console(x)), f"session_id={session}")
    assert (await reader.readline()).startswith(b"HTTP/1.1 200")
    while await reader.readline() not in (b"\r\n", b""):
        pass
    assert await reader.readexactly(12) == b"RFB 003.008\n"
    writer.write(b"GARBAGE!!!!\n")
    assert await asyncio.wait_for(reader.read(), 10) == b""  # closed, nothing more
    writer.close()


async def test_host_console_login_and_xe_shell(sim: SimProcess, x: Any, session: str) -> None:
    probe = await RfbProbe.open(x.console.get_location(host_console(x)), session)
    try:
        probe.request(incremental=False)
        await at_login_prompt(probe)
        probe.type("root\nwrong\n")
        await probe.wait_for("Login incorrect")
        probe.type(f"root\n{PASSWORD}\n")
        screen = await probe.wait_for(r"^\[root@xenserver-lab ~\]# _$")
        assert not any(PASSWORD in line for line in screen)  # passwords are not echoed
        probe.type("xe vm-list params=name-label --minimal\n")
        screen = await probe.wait_for(r"Lab Linux,")
        listed = next(line for line in screen if "Lab Linux" in line)
        assert set(listed.split(",")) == {
            "Control domain on host: xenserver-lab",
            "Lab Windows Server",
            "Lab Linux",
            "??? VM",  # the VGA font has no kanji
        }
        probe.type("xe host-list\n")
        await probe.wait_for(r"name-label \( RW\): xenserver-lab")
        probe.type("xe sr-list type=lvm params=name-label\n")
        await probe.wait_for(r"name-label \( RW\): Local storage")
        probe.type("xe vm-teleport\n")
        await probe.wait_for("Unknown command: vm-teleport")
    finally:
        await probe.close()


async def at_login_prompt(probe: RfbProbe) -> None:
    """The dom0 console keeps its state between viewers: log out if a test left it logged in."""
    screen = await probe.wait_for(r"(login:|\]#) _$")
    if any(line.endswith("]# _") for line in screen):
        probe.type("exit\n")
        await probe.wait_for(r"login: _$")


async def test_xe_power_commands_change_the_pool_and_its_consoles(x: Any, session: str) -> None:
    probe = await RfbProbe.open(x.console.get_location(host_console(x)), session)
    try:
        probe.request(incremental=False)
        screen = await probe.wait_for(r"(login:|\]#) _$")
        if any("login:" in line for line in screen):
            probe.type(f"root\n{PASSWORD}\n")
        probe.type('clear\nxe vm-shutdown vm="Lab Linux"\n')
        probe.type("xe vm-shutdown vm=Lab\n")
        await probe.wait_for("No matching VMs found")
        linux = vm_by_name(x, "Lab Linux")
        uuid = x.VM.get_uuid(linux)
        probe.type(f"xe vm-shutdown uuid={uuid}\n")
        await _until(lambda: x.VM.get_power_state(linux) == "Halted")
        assert x.VM.get_consoles(linux) == []
        probe.type(f"xe vm-shutdown uuid={uuid}\n")
        await probe.wait_for("Error code: VM_BAD_POWER_STATE")
        probe.type(f"xe vm-start vm={uuid}\n")
        await _until(lambda: x.VM.get_power_state(linux) == "Running")
        assert len(x.VM.get_consoles(linux)) == 1
    finally:
        await probe.close()


async def _until(check: Any, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "condition never became true"
        await asyncio.sleep(0.1)


def _ctrl_alt_del(probe: RfbProbe) -> None:
    for key in (XK_CONTROL, XK_ALT):
        probe.key(key, True)
    probe.key(XK_DELETE)
    for key in (XK_ALT, XK_CONTROL):
        probe.key(key, False)


async def test_linux_boots_to_a_login_and_reboots_on_ctrl_alt_del(x: Any, session: str) -> None:
    linux = vm_by_name(x, "Lab Linux")
    probe = await RfbProbe.open(x.console.get_location(console_of(x, linux)), session)
    try:
        probe.request(incremental=False)
        await probe.wait_for(r"lab-linux login: _$")
        probe.type("admin\n")
        await probe.wait_for(r"^Password: _$")
        domid = x.VM.get_domid(linux)
        _ctrl_alt_del(probe)
        await _until(lambda: x.VM.get_domid(linux) != domid)
        await probe.wait_for(r"Linux version")  # booting again
    finally:
        await probe.close()


async def test_windows_lock_screen_desktop_and_typing(x: Any, session: str) -> None:
    windows = vm_by_name(x, "Lab Windows Server")
    probe = await RfbProbe.open(x.console.get_location(console_of(x, windows)), session)
    try:
        assert (probe.width, probe.height) == (800, 600)
        probe.request(incremental=False)
        await probe.wait_for("Press Ctrl.Alt.Delete to unlock", background=LOCK_BACKGROUND)
        _ctrl_alt_del(probe)
        probe.type("hello windows")
        await probe.wait_for("hello windows", background=b"\xff\xff\xff")  # Notepad's white page
    finally:
        await probe.close()


async def test_many_viewers_share_a_console_and_scrolling_uses_copyrect(x: Any, session: str) -> None:
    location = x.console.get_location(host_console(x))
    probes = await asyncio.gather(*(RfbProbe.open(location, session) for _ in range(12)))
    try:
        for p in probes:
            p.request(incremental=False)
        await asyncio.gather(*(p.update() for p in probes))
        typist = probes[0]
        screen = await typist.wait_for(r"(login:|\]#) _$")
        if any(line.rstrip().endswith("login: _") for line in screen):
            # Fresh console (this test ran first): log in, so the shell scrolls its lines.
            typist.type(f"root\n{PASSWORD}\n")
            await typist.wait_for(r"\]# _$")
        typist.type("\n" * 30)  # the prompt reaches the bottom line
        await asyncio.gather(*(p.wait_for(r"\]# _$") for p in probes))
        typist.request(incremental=False)  # always answered: the whole screen
        await asyncio.wait_for(typist.update(), 10)
        # One line scrolled is sent as CopyRect. Under load several changes may pile up and be
        # sent as one full-screen update instead (by design), so scroll a few times if needed.
        for _attempt in range(5):
            typist.rect_encodings.clear()
            typist.type("\n")
            typist.request()
            await asyncio.wait_for(typist.update(), 10)
            if 1 in typist.rect_encodings:
                break
        assert 1 in typist.rect_encodings  # CopyRect
    finally:
        await asyncio.gather(*(p.close() for p in probes))


@pytest.mark.parametrize(
    "message",
    [
        struct.pack(">BxxxBBBBHHHBBBxxx", 0, 24, 24, 0, 1, 255, 255, 255, 16, 8, 0),  # 24 bits per pixel
        struct.pack(">BxxxBBBBHHHBBBxxx", 0, 16, 16, 0, 1, 255, 255, 255, 16, 8, 0),  # channels past 16 bits
        struct.pack(">BxxxI", 6, 1 << 30),  # a gigabyte of clipboard
        bytes([99]),  # no such message
    ],
)
async def test_bad_viewer_messages_end_only_that_viewer(x: Any, session: str, message: bytes) -> None:
    location = x.console.get_location(host_console(x))
    bad = await RfbProbe.open(location, session)
    good = await RfbProbe.open(location, session)
    try:
        bad.writer.write(message)
        assert await asyncio.wait_for(bad.reader.read(), 10) == b""
        good.request(incremental=False)
        await asyncio.wait_for(good.update(), 10)
    finally:
        await bad.close()
        await good.close()


async def test_8_bit_colour_map_viewer(x: Any, session: str) -> None:
    probe = await RfbProbe.open(x.console.get_location(host_console(x)), session, encodings=(0,))
    try:
        probe.writer.write(struct.pack(">BxxxBBBBHHHBBBxxx", 0, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0))
        probe.writer.write(struct.pack(">BBHHHH", 3, 0, 0, 0, probe.width, probe.height))
        assert (await probe.reader.readexactly(1)) == b"\x01"  # SetColourMapEntries first
        _, count = struct.unpack(">xHH", await probe.reader.readexactly(5))
        await probe.reader.readexactly(6 * count)
        assert count >= 16
        assert (await probe.reader.readexactly(4))[:1] == b"\x00"  # then the update, one byte per pixel
        w, h, enc = struct.unpack(">4xHHi", await probe.reader.readexactly(12))
        assert enc == 0 and len(await probe.reader.readexactly(w * h)) == w * h
    finally:
        await probe.close()


async def test_unanswered_head_and_oversized_head_are_dropped(x: Any) -> None:
    location = x.console.get_location(host_console(x))
    url = urlsplit(location)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    writer.write(b"CONNECT /console?" + b"a" * 20000)
    answer = await asyncio.wait_for(reader.read(), 10)
    assert answer.startswith(b"HTTP/1.1 400")
    writer.close()
