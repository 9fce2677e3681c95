"""Every sentence exists in vi and en, and neither language leaks into the other.

Every module of the package is imported, so every ``Catalogue`` is built and listed in
``CATALOGUES``; each message is rendered in both languages with sample values. Then the
command itself: an invalid application checked in vi prints no English sentence and in en
no Vietnamese one, and the help follows the language.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

import kcrules
from kcrules.util.catalogue import CATALOGUES, LANGS
from plain_words import ENGLISH, VIETNAMESE, WHITELIST_EN, WHITELIST_VI, without

ROOT = Path(__file__).resolve().parent.parent

#: Modules needing an optional extra that may be missing are skipped, not failed.
for info in pkgutil.walk_packages(kcrules.__path__, "kcrules."):
    if info.name.endswith("__main__"):  # runs the command when imported
        continue
    try:
        importlib.import_module(info.name)
    except ImportError:
        pass

def sample(text: str) -> str:
    """``text`` with every {placeholder} filled by a neutral sample value."""
    try:
        fields = {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return text
    values = {name: _Sample() for name in fields}
    try:
        return text.format(**values)
    except (KeyError, ValueError, IndexError):  # braces of a JSON example in a help text, never formatted
        return text


class _Sample:
    """A value for any placeholder: 7 as text, and any item or attribute of it is 7 too."""

    def __format__(self, spec: str) -> str:
        return "7"

    def __getitem__(self, key: object) -> _Sample:
        return self

    def __getattr__(self, name: str) -> _Sample:
        return self


MESSAGES = [(name, key, texts) for name, cat in sorted(CATALOGUES.items()) for key, texts in cat.items()]


def test_every_catalogue_was_found() -> None:
    for name in ("errors", "rulefiles.reader", "whatif", "cli", "cli.help", "cli.argparse", "cli.batch", "cli.plan",
                 "cli.rules", "cli.check", "cli.check.usage", "cli.interview", "text.i18n", "planning.input", "diff",
                 "tables", "cli.template"):
        assert name in CATALOGUES


@pytest.mark.parametrize("name, key, texts", MESSAGES, ids=[f"{n}.{k}" for n, k, _ in MESSAGES])
def test_every_message_in_both_languages_without_the_other_leaking(name: str, key: str,
                                                                     texts: dict[str, str]) -> None:
    assert set(texts) == set(LANGS), f"{name}.{key}: languages {sorted(texts)}"
    vi, en = sample(texts["vi"]), sample(texts["en"])
    assert vi.strip() or not en.strip(), f"{name}.{key}: Vietnamese text empty"
    leaked = ENGLISH.findall(without(vi, WHITELIST_VI))
    assert not leaked, f"{name}.{key}: English words {leaked} in the Vietnamese text {vi!r}"
    leaked = VIETNAMESE.findall(without(en, WHITELIST_EN))
    assert not leaked, f"{name}.{key}: Vietnamese letters {leaked} in the English text {en!r}"


def test_the_leak_checks_catch_a_leak() -> None:
    assert ENGLISH.search(without("hãy viết một số, for example 7", WHITELIST_VI))
    assert VIETNAMESE.search(without("write a number, ví dụ 7", WHITELIST_EN))
    assert not ENGLISH.search(without("tệp JSON hoặc TOML", WHITELIST_VI))


def test_every_help_text_of_the_command_has_its_vietnamese() -> None:
    from kcrules.cli import build_parser
    from kcrules.cli.words import untranslated

    assert untranslated(build_parser("en")) == []


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in __import__("os").environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANG")}
    return subprocess.run([sys.executable, "-m", "kcrules.cli", *args], capture_output=True, text=True, timeout=60,
                          cwd=ROOT, encoding="utf-8", env={**environ, **(env or {})})


INVALID = ('{"application_date": "2017-13-01", "activity": "3.3-machinery", "establishment": '
           '{"employees": -1, "kind": "enterprize", "district": "gia lam", "sector": "handicraft", '
           '"sme_group": "agriculture_industry_construction", "capital_vnd": "12"}, '
           '"project": {"approved": "maybe", "eligible_cost_vnd": 1.5}, "projekt": 1}')


def test_check_of_an_invalid_application_speaks_one_language(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(INVALID, encoding="utf-8")
    vi = run("check", str(path), "--lang", "vi")
    en = run("check", str(path), "--lang", "en")
    assert vi.returncode == en.returncode == 2
    assert "Traceback" not in vi.stderr + en.stderr
    # quoted values, field paths and code lists are the user's and the rulebook's, the same in both
    drop = r"'[^']*'|\b[a-z_]+(\.[a-z_]+)+\b|được phép: [a-z_, ]+|allowed: [a-z_, ]+|`[^`]*`"
    vi_words = re.sub(drop, " ", vi.stderr)
    en_words = re.sub(drop, " ", en.stderr)
    assert "hồ sơ không hợp lệ" in vi.stderr and "invalid application" in en.stderr
    assert not ENGLISH.findall(without(vi_words, WHITELIST_VI)), vi.stderr
    assert not VIETNAMESE.findall(without(en_words, WHITELIST_EN)), en.stderr


def test_help_follows_the_language_and_the_locale() -> None:
    vi = run("--help").stdout  # no locale: Vietnamese
    assert "cách dùng:" in vi and "tùy chọn:" in vi and "in hướng dẫn này rồi thoát" in vi
    assert "usage:" not in vi and "show this help" not in vi
    en = run("check", "--help", env={"LANG": "en_US.UTF-8"}).stdout
    assert "usage:" in en and "decide" in en.lower() and "cách dùng" not in en
    vi = run("check", "--help", "--lang", "vi", env={"LANG": "en_US.UTF-8"}).stdout  # --lang beats the locale
    assert "cách dùng:" in vi and "Xét một hồ sơ" in vi
    wrong = run("check", "--format", "x")
    assert wrong.returncode == 2 and "lỗi:" in wrong.stderr and "lựa chọn không hợp lệ" in wrong.stderr


@pytest.mark.parametrize("env, lang", [
    ({}, "vi"), ({"LANG": "en_GB.UTF-8"}, "en"), ({"LANG": "vi_VN.UTF-8"}, "vi"), ({"LANG": "C.UTF-8"}, "vi"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "vi_VN.UTF-8"}, "vi"), ({"LANG": "vi_VN", "LC_MESSAGES": "en_US"}, "en"),
])
def test_the_default_language_comes_from_the_locale(env: dict[str, str], lang: str) -> None:
    from kcrules.cli import chosen_lang, default_lang

    assert default_lang(env) == lang
    assert chosen_lang(["check", "--lang", "en", "x.json"]) == "en"
    assert chosen_lang(["check", "--lang=vi"]) == "vi"


def test_english_dates_are_never_month_first() -> None:
    import datetime as dt

    from kcrules.text import i18n

    assert i18n.date(dt.date(2018, 3, 11), "en") == "11 March 2018"
    assert i18n.date(dt.date(2018, 3, 11), "vi") == "11/03/2018"


def test_the_size_note_of_a_value_too_long_to_show_follows_the_language() -> None:
    from kcrules.errors import Problem, UnknownRulebookError

    p = Problem("establishment.name", "too long", "x" * 5000)
    assert p.text("vi").endswith("đã nhập '" + "x" * 100 + "… (5.000 ký tự)'")
    assert p.text("en").endswith("given '" + "x" * 100 + "… (5,000 characters)'")
    assert str(p) == p.text("en") and p.as_dict()["given"] == "x" * 100 + "… (5,000 characters)"
    big = Problem("project.learners", "too large", 10 ** 5000)
    assert "một số nguyên khoảng 5.001 chữ số" in big.text("vi")
    assert "a whole number of about 5,001 digits" in big.text("en")
    err = UnknownRulebookError("r" * 300, ["hanoi-2016-2020"], None)
    assert "(300 ký tự)" in err.text("vi") and "(300 characters)" in str(err)
