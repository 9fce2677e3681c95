"""The cache of parsed rule files: same data as tomllib, never trusted blindly, never an error."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

import pytest

import kcrules
from kcrules.rulefiles import parsecache
from kcrules.rulefiles.builders import chain

TEXT = """
[a]
day = 2016-01-01
at = 2016-01-01T08:30:00
clock = 07:00:00
share = 0.5
big = 123456789012345678901234567890
list = [1, "x", { d = 2020-12-31 }]
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KCRULES_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_a_cached_file_reads_back_equal_with_its_dates_and_numbers(cache: Path) -> None:
    data = tomllib.loads(TEXT)
    assert parsecache.cached(TEXT) is None
    parsecache.remember(TEXT, data)
    back = parsecache.cached(TEXT)
    assert back == data
    assert type(back["a"]["day"]) is dt.date and type(back["a"]["at"]) is dt.datetime
    assert type(back["a"]["clock"]) is dt.time and type(back["a"]["big"]) is int
    assert parsecache.cached(TEXT + "\n# another text") is None


def test_an_entry_for_another_text_or_a_broken_entry_is_not_read(cache: Path) -> None:
    parsecache.remember(TEXT, tomllib.loads(TEXT))
    (entry,) = cache.glob("*.json")
    stored = json.loads(entry.read_text(encoding="utf-8"))
    stored["sha256"] = "0" * 64
    entry.write_text(json.dumps(stored), encoding="utf-8")
    assert parsecache.cached(TEXT) is None
    entry.write_text("{not json", encoding="utf-8")
    assert parsecache.cached(TEXT) is None


def test_a_table_with_a_key_like_the_tag_is_not_cached(cache: Path) -> None:
    text = '[x]\n"$kcrules:date" = "2016-01-01"\n'
    parsecache.remember(text, tomllib.loads(text))
    assert list(cache.glob("*.json")) == []


def test_off_or_unwritable_cache_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KCRULES_CACHE_DIR", "off")
    parsecache.remember(TEXT, tomllib.loads(TEXT))
    assert parsecache.cached(TEXT) is None
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("KCRULES_CACHE_DIR", str(blocker / "cache"))
    parsecache.remember(TEXT, tomllib.loads(TEXT))  # cannot be written: silently nothing
    assert parsecache.cached(TEXT) is None


def test_a_rulebook_loaded_from_the_cache_is_the_same_rulebook(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = kcrules.load_rulebook("hanoi-2016-2020")
    assert len(list(cache.glob("*.json"))) >= 2  # its files were parsed and kept

    def no_parsing(text: str) -> None:
        raise AssertionError("a rule file was parsed again instead of read from the cache")

    monkeypatch.setattr(chain.tomllib, "loads", no_parsing)
    again = kcrules.load_rulebook("hanoi-2016-2020")
    assert again.version == first.version
    app = (Path(__file__).resolve().parent.parent / "examples" / "machinery-gia-lam.json").read_text(encoding="utf-8")
    assert again.evaluate(app).model_dump() == first.evaluate(app).model_dump()


def test_tables_nested_deeper_than_recursion_allows_are_simply_not_cached(cache: Path) -> None:
    text = "[" + ".".join(["a"] * 3000) + "]\nx = 1\n"
    data = tomllib.loads(text)
    parsecache.remember(text, data)  # never an error, whether this Python's json can write it (3.13) or not
    back = parsecache.cached(text)
    assert back is None or json.dumps(back) == json.dumps(data)
