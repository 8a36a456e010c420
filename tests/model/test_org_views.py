"""The organisation views (Tags, Folders, Custom Fields, vApps) and XenCenter's formats for
them, on hand-built records; the Objects view's group names as XenCenter labels them."""

from __future__ import annotations

import datetime as dt

from tests.model.records import PoolBuilder
from tests.model.test_tree_rules import demo
from xencenter_py.model import org
from xencenter_py.model.tree import NavigationTree, TreeView

# Written by XenCenter (XmlDocument.OuterXml of CustomFieldsManager's document).
XENCENTER_FIELDS = (
    '<CustomFieldDefinitions><CustomFieldDefinition name="Owner" type="String" defaultValue="" />'
    '<CustomFieldDefinition name="Expires" type="Date" defaultValue="" /></CustomFieldDefinitions>'
)


def organised() -> PoolBuilder:
    b = demo()
    oc = b.rec("VM", b.running)["other_config"] = {
        "folder": "/Production/Web",
        "XenCenter.CustomFields.Owner": "ops",
        "XenCenter.CustomFields.Expires": "2027-03-31 00:00:00Z",
    }
    assert oc
    b.rec("VM", b.running)["tags"] = ["web", "critical"]
    b.rec("VM", b.halted)["tags"] = ["web"]
    b.rec("VM", b.halted)["other_config"] = {"folder": "/Production", "XenCenter.CustomFields.Owner": "dev"}
    b.rec("host", b.h1)["tags"] = ["critical"]
    b.rec("SR", b.nfs)["other_config"] = {"folder": "/Storage"}
    pool = b.rec("pool", b.pool)
    pool["other_config"] = {"EMPTY_FOLDERS": "/Archive/2009;/Production/Empty;not-a-path"}
    pool["gui_config"] = {"XenCenter.CustomFields": XENCENTER_FIELDS}
    appliance = b.add("VM_appliance", name_label="Web tier", VMs=[b.running, b.halted])
    b.rec("VM", b.running)["appliance"] = appliance
    b.rec("VM", b.halted)["appliance"] = appliance
    b.add("VM_appliance", name_label="Empty vApp")
    return b


def test_objects_view_labels_as_xencenter() -> None:
    b = demo()
    b.network("Pool-wide network")
    tree = NavigationTree([b.connection()], TreeView.OBJECTS)
    assert [n.label for n in tree.root.children] == [
        "Pools",
        "Servers",
        "VMs",
        "Snapshots",
        "Custom Templates",
        "Remote Storage Repositories",
        "Local Storage Repositories",
        "Virtual Disks",
        "Networks",
    ]


def test_tags_view_lists_objects_under_every_tag() -> None:
    tree = NavigationTree([organised().connection()], TreeView.TAGS)
    assert tree.render_lines() == [
        "Tags\ttag",
        "  critical\ttag",
        "    host 10\thost",
        "    web 10\tvm-running",
        "  web\ttag",
        "    web 9\tvm-halted",  # natural order
        "    web 10\tvm-running",
    ]


def test_folders_view_with_empty_folders_and_search() -> None:
    conn = organised().connection()
    tree = NavigationTree([conn], TreeView.FOLDERS)
    assert tree.render_lines() == [
        "Folders\tfolder",
        "  Archive\tfolder",
        "    2009\tfolder",
        "  Production\tfolder",
        "    Empty\tfolder",
        "    Web\tfolder",
        "      web 10\tvm-running",
        "    web 9\tvm-halted",
        "  Storage\tfolder",
        "    NFS\tsr-default",
    ]
    tree.set_search("10")
    assert tree.render_lines() == [
        "Folders\tfolder",
        "  Production\tfolder",
        "    Web\tfolder",
        "      web 10\tvm-running",
    ]


def test_custom_fields_and_vapps_views() -> None:
    conn = organised().connection()
    tree = NavigationTree([conn], TreeView.CUSTOM_FIELDS)
    assert tree.render_lines() == [
        "Custom Fields\tcustom-field",
        "  Expires\tcustom-field",
        "    2027-03-31 00:00:00Z\tcustom-field",
        "      web 10\tvm-running",
        "  Owner\tcustom-field",
        "    dev\tcustom-field",
        "      web 9\tvm-halted",
        "    ops\tcustom-field",
        "      web 10\tvm-running",
    ]
    vapps = NavigationTree([conn], TreeView.VAPPS)
    assert vapps.render_lines() == [
        "vApps\tvapp",
        "  Empty vApp\tvapp",
        "  Web tier\tvapp",
        "    web 9\tvm-halted",
        "    web 10\tvm-running",
    ]


def test_xencenter_formats_round_trip() -> None:
    definitions = org.parse_custom_fields(XENCENTER_FIELDS)
    assert definitions == [org.CustomFieldDefinition("Owner", "String"), org.CustomFieldDefinition("Expires", "Date")]
    assert org.custom_fields_xml(definitions) == XENCENTER_FIELDS
    assert org.parse_custom_fields("<broken") == [] and org.parse_custom_fields(None) == []
    when = dt.datetime(2027, 3, 31, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert org.format_date_value(when) == "2027-03-31 00:30:00Z"
    assert org.parse_date_value("2027-03-31 00:30:00Z") == when
    # XAPI's perfmon XML as XenCenter writes it (invariant numbers, no declaration).
    xml = org.perfmon_xml([org.PerfmonDefinition("cpu_usage", 0.85, 120, 3600)])
    assert xml == (
        '<config><variable><name value="cpu_usage" /><alarm_trigger_level value="0.85" />'
        '<alarm_trigger_period value="120" /><alarm_auto_inhibit_period value="3600" /></variable></config>'
    )
    assert org.parse_perfmon(xml) == {"cpu_usage": org.PerfmonDefinition("cpu_usage", 0.85, 120, 3600)}
    assert org.parse_perfmon('<config><variable><name value="x"/></variable></config>') == {}
    assert org.join_empty_folders(["/b", "/a//c/", ""]) == "/a/c;/b"
    assert org.moved_path("/a/b/c", "/a/b", "/z") == "/z/c" and org.moved_path("/ab", "/a", "/z") == "/ab"
