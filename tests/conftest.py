"""Shared fixtures: the bundled rulebook (loaded once) and a tiny rulebook to break."""

from __future__ import annotations

import os
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The parsed-rule-file cache goes to a folder of this run, not the user's own cache.
os.environ["KCRULES_CACHE_DIR"] = tempfile.mkdtemp(prefix="kcrules-cache-")

import kcrules

MINI_RULEBOOK = """
[rulebook]
id = "mini"
extends = "national-2012"
title = { vi = "Sách luật nhỏ", en = "Mini rulebook" }

[sources.prog]
short = "QĐ 1/2016"
title = "A test program"

[program]
from = 2016-01-01
until = 2021-01-01
budget = "budget"
cite = { source = "prog", section = "I" }

[codes.product_line]
label = { vi = "Sản phẩm", en = "Product line" }
values = { other = { vi = "Khác", en = "Other" } }
"""

MINI_RULES = """
[parameters.budget]
label = { vi = "Ngân sách", en = "Budget" }
unit = "vnd"
[[parameters.budget.values]]
from = 2016-01-01
value = 1_000_000_000
provenance = "program"
cite = { source = "prog", section = "II" }

[parameters.max_learners]
label = { vi = "Số học viên tối đa", en = "Maximum learners" }
unit = "count"
[[parameters.max_learners.values]]
from = 2016-01-01
value = 35
provenance = "program"
cite = { source = "prog", section = "II.1" }

[criteria."mini.class_size"]
label = { vi = "Sĩ số lớp", en = "Class size" }
cite = { source = "prog", section = "II.1" }
condition = "project.learners <= params.max_learners"

[activities.training]
label = { vi = "Đào tạo", en = "Training" }
cite = { source = "prog", section = "II.1" }
applicants = ["industry_trade_department"]
beneficiary = false
criteria = ["@funding_conditions", "mini.class_size"]
requires = ["project.learners"]
support = { method = "share", base = "project.eligible_cost_vnd", share = "machinery_share", caps = ["machinery_cap"], cite = { source = "prog", section = "II.1" } }
"""


def write_rulebook(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A small valid rulebook extending the bundled national one; tests break copies of it."""
    return write_rulebook(tmp_path / "mini", {"rulebook.toml": MINI_RULEBOOK, "rules.toml": MINI_RULES})


@pytest.fixture(scope="session")
def hanoi() -> kcrules.Rulebook:
    return kcrules.load_rulebook()


def machinery_app(**changes: object) -> dict:
    """A valid, eligible 3.3 machinery application; keyword changes use dotted paths."""
    app: dict = {
        "id": "t-1",
        "application_date": "2017-05-10",
        "activity": "3.3-machinery",
        "establishment": {
            "kind": "household_business", "district": "thuong_tin", "sector": "handicraft",
            "employees": 12,
        },
        "project": {
            "approved": True, "counterpart_funding_committed": True, "other_state_funding": False,
            "eligible_cost_vnd": 300_000_000, "machinery_new": True, "machinery_improves": True,
            "machinery_one_kind": True,
        },
    }
    for path, value in changes.items():
        *heads, leaf = path.split(".")
        target = app
        for h in heads:
            target = target.setdefault(h, {})
        if value is None:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    return app


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """The web app served by uvicorn on 127.0.0.1 (a free port) in a thread; yields its base address."""
    import threading
    import time

    import uvicorn

    from kcrules.web import create_app

    config = uvicorn.Config(create_app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(600):  # started within a minute, on the slowest machine
        if srv.started:
            break
        time.sleep(0.1)
    assert srv.started, "the test server did not start"
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=30)


@pytest.fixture
def english_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's errors read in English, as a person whose locale is English reads them
    (without --lang the command speaks the locale's language, else Vietnamese)."""
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")


def decidable(rb: kcrules.Rulebook, apps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The applications ``rb`` decides without an error (generated ones may not be)."""
    out = []
    for app in apps:
        try:
            rb.evaluate(app, explain=False)
        except kcrules.KcrulesError:
            continue
        out.append(app)
    return out
