"""The Japanese catalog speaks XenCenter's language: the terms Japanese administrators already
know (translations/glossary-ja.tsv, taken from XenCenter), the same word for a concept wherever it
appears, and every placeholder kept so a translated message can still be formatted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "translations" / "glossary-ja.tsv"
PO = ROOT / "xencenter_py" / "locale" / "ja" / "LC_MESSAGES" / "xencenter_py.po"

# Where our msgstr deliberately differs from the glossary's entry for the same English text.
GLOSSARY_EXCEPTIONS: dict[str, tuple[str, str]] = {
    # XenCenter's "Created" (作成済み) is a status word; ours labels a date and time.
    "created": ("作成日時", "a date field label, not the status 'created'"),
}

# Core concepts: wherever the English term appears inside a longer msgid, one of these Japanese
# forms (all XenCenter's) must appear in the msgstr. Matching ignores case except for the
# abbreviations VM and SR.
#
# Deliberate choices:
# - Pause and Suspend are different operations (a paused VM stays in memory on its server; a
#   suspended one is saved to disk), but XenCenter's Japanese says 一時停止 for both. We keep
#   一時停止 for Suspend and say 一時中断 for Pause (Unpause: 一時中断の解除; Resume: 再開), as
#   recorded in translations/glossary-ja.tsv.
# - Shut down: XenCenter writes both シャット ダウン and シャットダウン; we write シャットダウン
#   everywhere (one spelling), as the project glossary records.
# - Master is the old name of the coordinator; XenCenter now says コーディネーター.
CONCEPTS: list[tuple[str, tuple[str, ...]]] = [
    (r"\bforce(d)? shut ?down\b", ("強制シャットダウン",)),
    (r"\bforce(d)? reboot\b", ("強制再起動",)),
    (r"\bhome servers?\b", ("ホーム サーバー",)),
    (r"\bcustom templates?\b", ("カスタム テンプレート",)),
    (r"\blocal storage\b", ("ローカル ストレージ",)),
    (r"\bmaintenance mode\b", ("保守モード",)),
    (r"\bhigh availability\b", ("高可用性",)),
    (r"\bstorage repositor(y|ies)\b", ("ストレージ リポジトリ",)),
    (r"(?-i:\bSRs?\b)", ("SR", "ストレージ リポジトリ")),
    (r"\bvirtual disks?\b", ("仮想ディスク",)),
    (r"\bpools?\b", ("プール",)),
    (r"\bservers?\b", ("サーバー",)),
    (r"(?-i:\bVMs?\b)", ("VM", "仮想マシン")),
    (r"\btemplates?\b", ("テンプレート",)),
    (r"\bsnapshots?\b", ("スナップショット",)),
    (r"\bnetworks?\b", ("ネットワーク",)),
    (r"\bstart(s|ed|ing)?\b", ("起動",)),
    (r"\bshut(ting)? ?down\b", ("シャットダウン",)),
    (r"\breboot(s|ed|ing)?\b", ("再起動",)),
    (r"\bsuspend(s|ed|ing)?\b", ("一時停止",)),
    (r"\bunpaus(e|ed|ing)\b", ("一時中断の解除", "一時中断を解除")),
    (r"\bpaus(e|ed|ing)\b", ("一時中断",)),
    (r"\bresum(e|ed|es|ing)\b", ("再開",)),
    (r"\bmigrat(e|ed|es|ing|ion)\b", ("移行",)),
    (r"\b(pool )?(coordinator|master)s?\b", ("コーディネーター",)),
    (r"\bproperties\b", ("プロパティ",)),
    (r"\bconsoles?\b", ("コンソール",)),
    (r"\bperformance\b", ("パフォーマンス",)),
    (r"\bnotifications?\b", ("通知",)),
    (r"\balerts?\b", ("アラート",)),
    (r"\bevents?\b", ("イベント",)),
    (r"\btags?\b", ("タグ",)),
    (r"\bfolders?\b", ("フォルダ",)),
    (r"\bmemory\b", ("メモリ",)),
    (r"\bcertificates?\b", ("証明書",)),
    (r"\blicen[cs]e[sd]?\b", ("ライセンス",)),
    (r"\bpasswords?\b", ("パスワード",)),
]

# Messages where a concept's English word is not that concept (or names a command-line option).
CONCEPT_EXCEPTIONS: dict[tuple[str, str], str] = {
    (
        "A console for XenServer and XCP-ng resource pools, with a built-in pool simulator. Free software"
        " under the GNU General Public License, version 2 or later.",
        r"\blicen[cs]e[sd]?\b",
    ): "the GNU General Public License is a name and stays in English",
    (
        "Start Options",
        r"\bstart(s|ed|ing)?\b",
    ): "XenCenter's Japanese names the VM's Start Options page 高可用性オプション",
}

PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}|%\([A-Za-z_]+\)[sdfr]|%[sdf]")


def _glossary() -> dict[str, str]:
    terms: dict[str, str] = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            english, japanese = line.split("\t", 1)
            terms.setdefault(_key(english), japanese.strip())
    return terms


def _key(english: str) -> str:
    """The comparable form of an English label: no accelerator, no trailing ellipsis or colon."""
    text = english.replace("&", "").strip()
    return re.sub(r"(\.\.\.|…|:)$", "", text).strip().casefold()


def _bare(japanese: str) -> str:
    """The comparable form of a Japanese label: no (&X) accelerator, ellipsis or colon."""
    text = re.sub(r"\(&\w\)", "", japanese).replace("&", "").strip()
    return re.sub(r"(\.\.\.|…|:)$", "", text).strip()


def _messages() -> list[Message]:
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    return [m for m in catalog if m.id]


def _pairs(message: Message) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs, plural forms included."""
    if isinstance(message.id, tuple | list):
        strings = list(message.string) if isinstance(message.string, tuple | list) else [message.string]
        return [(message.id[min(i, 1)], s) for i, s in enumerate(strings)]
    return [(message.id, message.string)]


def test_glossary_is_well_formed() -> None:
    terms = _glossary()
    assert len(terms) > 1000
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        assert line.count("\t") == 1 and all(part.strip() for part in line.split("\t")), line


def test_glossary_terms_are_translated_as_in_xencenter() -> None:
    terms = _glossary()
    wrong = []
    for message in _messages():
        for msgid, msgstr in _pairs(message):
            key = _key(msgid)
            if key not in terms:
                continue
            expected = GLOSSARY_EXCEPTIONS.get(key, (terms[key], ""))[0]
            if _bare(msgstr) != expected:
                wrong.append(f"{msgid!r}: {msgstr!r}, XenCenter says {expected!r}")
    assert not wrong, "\n".join(wrong)


def test_glossary_exceptions_are_still_needed() -> None:
    """An exception that no longer matches a catalog entry is stale and should go."""
    keys = {_key(msgid) for m in _messages() for msgid, _ in _pairs(m)}
    assert set(GLOSSARY_EXCEPTIONS) <= keys


def test_core_concepts_use_xencenter_terms_in_sentences() -> None:
    wrong = []
    for message in _messages():
        for msgid, msgstr in _pairs(message):
            english = PLACEHOLDER.sub("", msgid.replace("&", ""))
            for pattern, japanese in CONCEPTS:
                if (msgid, pattern) in CONCEPT_EXCEPTIONS:
                    continue
                if re.search(pattern, english, re.IGNORECASE) and not any(j in msgstr for j in japanese):
                    wrong.append(f"{msgid!r}: {msgstr!r} lacks {' / '.join(japanese)}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    "wrong_term", ["メンテナンス モード", "シャット ダウン", "マスター", "フォルダー", "シャットダウンする(&"]
)
def test_non_xencenter_terms_are_not_used(wrong_term: str) -> None:
    """Words a translator might reach for that XenCenter's Japanese does not use."""
    offenders = [m.id for m in _messages() for _, s in _pairs(m) if wrong_term in s]
    assert not offenders, offenders


def test_every_translation_keeps_the_placeholders() -> None:
    wrong = []
    for message in _messages():
        for msgid, msgstr in _pairs(message):
            if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr)):
                wrong.append(f"{msgid!r}: {msgstr!r}")
    assert not wrong, "\n".join(wrong)


def test_accelerators_and_ellipses_survive_translation() -> None:
    """A menu label keeps its mnemonic as (&X) with the same letter, and keeps its '...'."""
    wrong = []
    for message in _messages():
        for msgid, msgstr in _pairs(message):
            mnemonic = re.search(r"&(\w)", msgid)
            if mnemonic and f"(&{mnemonic.group(1).upper()})" not in msgstr:
                wrong.append(f"{msgid!r}: {msgstr!r} (mnemonic)")
            if msgid.endswith("...") and not msgstr.endswith("..."):
                wrong.append(f"{msgid!r}: {msgstr!r} (ellipsis)")
            if re.search(r":\(&\w\)", msgstr):
                wrong.append(f"{msgid!r}: {msgstr!r} (mnemonic goes before the colon)")
    assert not wrong, "\n".join(wrong)


def test_pause_and_suspend_are_told_apart() -> None:
    """A paused VM and a suspended VM are different states; their Japanese names must differ."""
    with PO.open("rb") as f:
        catalog = read_po(f)
    for pause, suspend in (("&Pause", "S&uspend"), ("Paused", "Suspended"), ("paused", "suspended")):
        assert catalog[pause].string and catalog[suspend].string
        assert catalog[pause].string != catalog[suspend].string, (pause, suspend)
