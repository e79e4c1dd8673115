"""spec: architecture "Language" — every UI string in zh-Hans, zh-Hant and English; the browser's language
picks the default. The catalogues are complete, keep every placeholder, are compiled, cover every string
in the code, and the pages really come out in Simplified, Traditional or English."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from scripts.i18n_hant import convert, to_hant

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "opphub"
LOCALE = PACKAGE / "locale"
LANGS = ["zh_Hans", "zh_Hant"]

# %(name)s / %s / %d / %% (python-format), {name} (brace-format), and HTML tags
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdif]|%[sdif%]|\{[A-Za-z_][A-Za-z0-9_]*\}|</?[a-zA-Z][^>]*>")


def _po(lang: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))


def _texts(entry: polib.POEntry) -> list[str]:
    return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)] if entry.msgid_plural else [entry.msgstr]


def _live(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete]


@pytest.mark.parametrize("lang", LANGS)
def test_catalogue_is_complete(lang: str) -> None:
    """Every msgid has a translation, none is fuzzy (fuzzy ones would silently show English)."""
    po = _po(lang)
    assert len(_live(po)) > 300
    untranslated = [e.msgid for e in _live(po) if not all(_texts(e))]
    fuzzy = [e.msgid for e in _live(po) if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []
    assert not po.metadata_is_fuzzy, "a fuzzy header is ignored by msgfmt (charset and plural forms get lost)"
    assert po.metadata["Plural-Forms"].startswith("nplurals=1;")
    assert "charset=UTF-8" in po.metadata["Content-Type"]


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_and_markup_are_kept(lang: str) -> None:
    """A translation carries exactly the placeholders and HTML tags of its English source."""
    wrong = []
    for e in _live(_po(lang)):
        expected = sorted(PLACEHOLDER.findall(e.msgid))
        expected_plural = sorted(PLACEHOLDER.findall(e.msgid_plural)) if e.msgid_plural else expected
        for text in _texts(e):
            if sorted(PLACEHOLDER.findall(text)) not in (expected, expected_plural):
                wrong.append((e.msgid, text))
    assert wrong == []


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalogue_matches_the_po(lang: str) -> None:
    """The committed .mo holds what the .po says (a forgotten compilemessages fails here)."""
    po = _po(lang)
    compiled = {(e.msgctxt, e.msgid): _texts(e) for e in polib.mofile(str(po.fpath)[:-2] + "mo") if e.msgid}
    source = {(e.msgctxt, e.msgid): _texts(e) for e in po.translated_entries()}
    assert compiled == source


def test_zh_hant_is_traditional_and_zh_hans_simplified() -> None:
    """The Traditional catalogue has no Simplified-only characters left, and vice versa."""
    hans = {e.msgid: "".join(_texts(e)) for e in _live(_po("zh_Hans"))}
    hant = {e.msgid: "".join(_texts(e)) for e in _live(_po("zh_Hant"))}
    assert hans.keys() == hant.keys()
    pairs = ["们們", "这這", "个個", "说說", "为為", "图圖", "链鏈", "确確", "认認", "赢贏", "丢丟", "单單", "项項",
             "决決", "销銷", "顾顧", "问問", "设設", "计計", "选選", "择擇", "体體", "时時", "间間", "户戶", "务務"]
    simplified, traditional = {p[0] for p in pairs}, {p[1] for p in pairs}
    assert [t for t in hant.values() if simplified & set(t)] == []
    assert [t for t in hans.values() if traditional & set(t)] == []
    assert hant["Opportunity hub"] == "商機管理中臺"
    assert hans["Opportunity hub"] == "商机管理中台"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext); CI installs it")
@pytest.mark.parametrize("lang", LANGS)
def test_catalogue_covers_every_string_in_the_code(lang: str, settings, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """makemessages run now (on a copy) finds no string that the committed catalogue lacks, and no stale one."""
    copy = tmp_path / "opphub"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "*.mo", "migrations"))
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=[lang], no_obsolete=True, ignore_patterns=["*/migrations/*"],
                 verbosity=0)
    fresh_po = polib.pofile(str(copy / "locale" / lang / "LC_MESSAGES" / "django.po"))
    fresh = {(e.msgctxt, e.msgid) for e in _live(fresh_po)}
    committed = {(e.msgctxt, e.msgid) for e in _live(_po(lang))}
    assert sorted(fresh - committed, key=str) == [], "new strings: run makemessages and translate them"
    assert sorted(committed - fresh, key=str) == [], "stale strings: run makemessages --no-obsolete"


def _login_page(client, lang: str) -> str:  # type: ignore[no-untyped-def]
    return client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("accept", "html_lang", "shown", "absent"), [
    ("zh-Hans", "zh-hans", ["登录", "用户名", "密码", "商机管理中台"], ["登入", "Log in"]),
    ("zh-CN,zh;q=0.9", "zh-hans", ["登录", "商机管理中台"], ["登入"]),
    ("zh-Hant", "zh-hant", ["登入", "用戶名", "密碼", "商機管理中臺"], ["登录", "Log in"]),
    ("zh-TW,zh;q=0.9", "zh-hant", ["登入", "商機管理中臺"], ["登录"]),
    ("zh-HK", "zh-hant", ["登入", "商機管理中臺"], ["登录"]),
    ("en-US,en;q=0.9", "en", ["Log in", "Username", "Opportunity hub"], ["登录", "登入"]),
])
def test_login_page_speaks_the_browsers_language(client, accept, html_lang, shown, absent) -> None:  # type: ignore[no-untyped-def]
    """A visitor from the mainland, Taiwan/Hong Kong or abroad sees the login page in their script."""
    html = _login_page(client, accept)
    assert f'<html lang="{html_lang}">' in html
    for text in shown:
        assert text in html
    for text in absent:
        assert text not in html


@pytest.mark.parametrize(("accept", "shown", "absent"), [
    ("zh-Hans", ["商机看板", "新建商机", "退出登录", "销售顾问", "商机发现"], ["商機", "Pipeline board"]),
    ("zh-Hant", ["商機看板", "新建商機", "登出", "銷售顧問", "商機發現"], ["商机", "Pipeline board"]),
    ("en", ["Pipeline board", "New opportunity", "Log out", "Sales rep"], ["商机看板", "商機看板"]),
])
def test_board_speaks_the_users_language(client, org, accept, shown, absent) -> None:  # type: ignore[no-untyped-def]
    """The pipeline board's menus, buttons, role and the playbook's stage names follow the language."""
    client.force_login(org.r1)
    response = client.get("/opportunities/board/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 200
    html = response.content.decode()
    for text in shown:
        assert text in html
    for text in absent:
        assert text not in html


def _catalogues(hans_text: str, hant_text: str, hant_comment: str = "") -> tuple[polib.POFile, polib.POFile]:
    hans, hant = polib.POFile(), polib.POFile()
    hans.append(polib.POEntry(msgid="Back office", msgstr=hans_text))
    hant.append(polib.POEntry(msgid="Back office", msgstr=hant_text, tcomment=hant_comment))
    return hans, hant


def test_conversion_script_fills_traditional_and_fixes_opencc() -> None:
    """The zh_Hant catalogue is made from zh_Hans: 后台 → 後臺, 中台 → 中臺, “” → 「」, 爲 → 為."""
    assert to_hant("后台管理") == "後臺管理"
    assert to_hant("商机管理中台") == "商機管理中臺"
    assert to_hant("未知的区域代码“%(code)s”。") == "未知的區域代碼「%(code)s」。"
    assert to_hant("为该客户新建商机") == "為該客戶新建商機"
    hans, hant = _catalogues("后台管理", "")
    convert(hans, hant)
    assert hant[0].msgstr == "後臺管理"
    hans[0].msgstr = "管理后台"  # zh_Hans changed: the generated zh_Hant follows it
    convert(hans, hant)
    assert hant[0].msgstr == "管理後臺"


def test_conversion_script_keeps_hand_made_traditional() -> None:
    """A reviewed zh_Hant text survives a rerun; when its zh_Hans source changes it is flagged for review."""
    hans, hant = _catalogues("后台管理", "")
    convert(hans, hant)
    hant[0].msgstr = "後臺"  # a reviewer's edit
    convert(hans, hant)
    assert hant[0].msgstr == "後臺"
    assert "fuzzy" not in hant[0].flags
    hans[0].msgstr = "管理后台"
    convert(hans, hant)
    assert hant[0].msgstr == "後臺"
    assert "fuzzy" in hant[0].flags
    hans, hant = _catalogues("后台管理", "後臺管理系統")  # an existing translation without a marker
    convert(hans, hant)
    assert hant[0].msgstr == "後臺管理系統"
