"""The JSON API and the web form, through an HTTP client against a real server (see the ``server`` fixture).

Every example and scenario case decides the same through the API as through
the library; every error has its status and the ApplicationError problem list.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

import kcrules
from kcrules import ApplicationError
from kcrules.report.activity import describe_activity
from kcrules.report.html import appraisal_sheet
from kcrules.web import Limits, create_app
from kcrules.whatif import apply_changes, smallest_changes, what_if

from fuzz_strategies import as_line, json_values, mutated

ROOT = Path(__file__).resolve().parent.parent
RB = kcrules.load_rulebook()
BASE = "/v1/rulebooks/hanoi-2016-2020"
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def _iso(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _iso(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_iso(v) for v in obj]
    return obj.isoformat() if isinstance(obj, dt.date) else obj


CASES = [(f"{path.stem}: {case['name']}", _iso(case["application"]), case["expect"])
         for path in sorted((ROOT / "rules").glob("*/tests/*.toml"))
         for case in tomllib.loads(path.read_text(encoding="utf-8"))["case"]]


@pytest.fixture(scope="module")
def client(server: str) -> Any:
    with httpx.Client(base_url=server, timeout=60) as c:
        yield c


def example(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "examples" / name).read_text(encoding="utf-8"))


def problems(response: httpx.Response) -> list[dict[str, Any]]:
    return response.json()["error"]["problems"]


# ---------------------------------------------------------------- describing


def test_health_and_readiness_name_the_rulebook_version(client: httpx.Client) -> None:
    assert client.get("/v1/health").json() == {"status": "ok"}
    assert client.get("/v1/ready").json() == {"status": "ready", "rulebooks": {RB.id: RB.version}}


def test_rulebooks_list_their_activities_in_the_language_asked(client: httpx.Client) -> None:
    for lang in ("vi", "en"):
        (book,) = client.get("/v1/rulebooks", params={"lang": lang}).json()
        assert book["id"] == RB.id and book["version"] == RB.version and book["default"] is True
        assert [a["id"] for a in book["activities"]] == list(RB.activities)
        assert book["activities"][0]["label"] == RB.definition.activities[RB.activities[0]].label[lang]
    assert client.get(BASE).json()["title"] == RB.title("vi")


def test_an_activity_is_described_with_its_criteria_levels_and_citations(client: httpx.Client) -> None:
    got = client.get(f"{BASE}/activities/3.3-machinery", params={"lang": "en"}).json()
    assert got == describe_activity(RB, "3.3-machinery", "en")
    assert {c["id"] for c in got["criteria"]} == {c.id for c in RB.criteria_of("3.3-machinery")}
    assert all(v["citation"] for p in got["support"]["parameters"] for v in p["values"])


def test_the_schema_is_the_rulebooks(client: httpx.Client) -> None:
    assert client.get(f"{BASE}/schema").json() == RB.application_schema()
    english = client.get(f"{BASE}/schema", params={"lang": "en"}).json()
    assert english == RB.application_schema("en") != RB.application_schema("vi")


def test_the_openapi_document_describes_every_endpoint_and_the_application(client: httpx.Client) -> None:
    doc = client.get("/v1/openapi.json").json()
    assert {f"{BASE.replace(RB.id, '{rulebook}')}/{p}" for p in ("decisions", "decisions/batch", "what-if",
                                                                 "smallest-changes", "plan", "schema")} \
        <= set(doc["paths"])
    assert "establishment" in doc["components"]["schemas"]["Application"]["properties"]
    assert client.get("/v1/docs").status_code == 200


def test_static_answers_are_cacheable_by_rulebook_version(client: httpx.Client) -> None:
    first = client.get(f"{BASE}/schema")
    assert first.headers["cache-control"].startswith("public")
    again = client.get(f"{BASE}/schema", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


# ---------------------------------------------------------------- deciding


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_decides_as_in_the_library(client: httpx.Client, path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    for lang in ("vi", "en"):
        got = client.post(f"{BASE}/decisions", params={"lang": lang}, json=data)
        assert got.status_code == 200
        assert got.json() == RB.evaluate(data, lang=lang).model_dump(mode="json")
        assert got.headers["kcrules-rulebook-version"] == RB.version


@pytest.mark.parametrize("name,application,expect", CASES, ids=[c[0] for c in CASES])
def test_every_scenario_case_decides_as_in_the_library(client: httpx.Client, name: str, application: Any,
                                                       expect: dict[str, Any]) -> None:
    got = client.post(f"{BASE}/decisions", json=application)
    if "error" in expect:  # a case whose application the library refuses: the same problems, as 422
        with pytest.raises(ApplicationError) as err:
            RB.evaluate(application)
        assert got.status_code == 422 and problems(got) == [p.as_dict() for p in err.value.problems]
        assert expect["error"] in [p["where"] for p in problems(got)]
        return
    got = got.json()
    assert got == RB.evaluate(application).model_dump(mode="json")
    assert got["eligible"] == expect["eligible"]
    if "support_vnd" in expect:
        assert got["support"]["amount_vnd"] == expect["support_vnd"]


def test_the_law_date_is_a_query_parameter(client: httpx.Client) -> None:
    data = example("machinery-gia-lam.json")
    got = client.post(f"{BASE}/decisions", params={"on": "2019-01-01"}, json=data).json()
    assert got["law_date"] == "2019-01-01"
    assert got == RB.evaluate(data, on=dt.date(2019, 1, 1)).model_dump(mode="json")


def test_a_decision_is_cacheable_by_rulebook_version_and_application(client: httpx.Client) -> None:
    data = example("machinery-gia-lam.json")
    first = client.post(f"{BASE}/decisions", json=data)
    same = client.post(f"{BASE}/decisions", json=data, headers={"If-None-Match": first.headers["etag"]})
    assert same.status_code == 304
    other = client.post(f"{BASE}/decisions", json={**data, "id": "other"})
    assert other.headers["etag"] != first.headers["etag"]
    english = client.post(f"{BASE}/decisions", params={"lang": "en"}, json=data)
    assert english.headers["etag"] != first.headers["etag"]


def test_a_batch_as_a_json_array_streams_one_line_per_application_in_order(client: httpx.Client) -> None:
    apps = [json.loads(p.read_text(encoding="utf-8")) for p in EXAMPLES]
    # A line end JSON leaves raw (U+2028, U+0085: str.splitlines and JavaScript split there) is escaped.
    apps.append({**apps[0], "id": "x\u2028y\u0085z"})
    got = client.post(f"{BASE}/decisions/batch", json=apps)
    assert got.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in got.text.splitlines()]
    assert lines == [d.model_dump(mode="json") for d in RB.evaluate_many(apps)]


def test_a_batch_in_json_lines_reports_a_bad_line_and_decides_the_others(client: httpx.Client) -> None:
    good = example("machinery-gia-lam.json")
    body = "\n".join([json.dumps(good), "{not json", json.dumps({**good, "activity": "3.3-machinry"}),
                      json.dumps(good)]) + "\n"
    got = client.post(f"{BASE}/decisions/batch", params={"explain": "false"}, content=body.encode(),
                      headers={"Content-Type": "application/x-ndjson"})
    lines = [json.loads(line) for line in got.text.splitlines()]
    assert len(lines) == 4
    assert lines[0] == RB.evaluate(good, explain=False).model_dump(mode="json") == lines[3]
    assert lines[1]["index"] == 1 and lines[1]["error"]["code"] == "bad_json" and "line 2" in \
        lines[1]["error"]["message"]
    assert lines[2]["index"] == 2 and lines[2]["error"]["status"] == 422
    assert lines[2]["error"]["problems"][0]["suggestion"] == "3.3-machinery"


def test_what_if_gives_the_new_decision_and_what_changed(client: httpx.Client) -> None:
    data = example("machinery-gia-lam.json")
    got = client.post(f"{BASE}/what-if", params={"lang": "en"},
                      json={"application": data, "changes": {"project.machinery_new": False}}).json()
    changed = {**data, "project": {**data["project"], "machinery_new": False}}
    assert got["after"] == RB.evaluate(changed, lang="en").model_dump(mode="json")
    assert got["before"] == RB.evaluate(data, lang="en").model_dump(mode="json")
    assert got == what_if(RB, data, {"project.machinery_new": False}, lang="en").model_dump(mode="json")
    assert got["difference"]["eligible"] == {"before": True, "after": False}
    assert got["difference"]["amount_vnd"] == {"before": 200_000_000, "after": 0}
    assert [c["criterion"] for c in got["difference"]["criteria"]] == ["activity.machinery_new"]


def test_what_if_names_an_unknown_field_and_suggests_one(client: httpx.Client) -> None:
    got = client.post(f"{BASE}/what-if", json={"application": example("machinery-gia-lam.json"),
                                               "changes": {"project.machinery_nwe": True}})
    assert got.status_code == 422
    assert problems(got)[0]["suggestion"] == "project.machinery_new"


def test_smallest_changes_each_make_the_refused_application_eligible(client: httpx.Client) -> None:
    data = example("3.3-machinery-refused.json")
    got = client.post(f"{BASE}/smallest-changes", json={"application": data}).json()
    assert got["decision"]["eligible"] is False and got["suggestions"]
    assert got["suggestions"] == [s.model_dump(mode="json") for s in smallest_changes(RB, data)]
    for suggestion in got["suggestions"]:
        changed = apply_changes(data, {c["field"]: c["new"] for c in suggestion["changes"]})
        decision = RB.evaluate(changed)
        assert decision.eligible and decision.support.amount_vnd == suggestion["amount_vnd"]


def test_a_plan_is_the_librarys_plan(client: httpx.Client) -> None:
    apps = [{**example(p.name), "id": p.stem} for p in EXAMPLES]
    of_2017 = [a for a in apps if a["application_date"].startswith("2017")]
    got = client.post(f"{BASE}/plan", json={"applications": of_2017, "budget": 2_000_000_000, "year": 2017})
    assert got.status_code == 200
    assert got.json() == kcrules.plan(of_2017, budget=2_000_000_000, year=2017, rulebook=RB).model_dump(mode="json")
    # an application of another year is the library's problem, as 422
    got = client.post(f"{BASE}/plan", json={"applications": apps, "budget": 2_000_000_000, "year": 2017})
    with pytest.raises(ApplicationError) as err:
        kcrules.plan(apps, budget=2_000_000_000, year=2017, rulebook=RB)
    assert got.status_code == 422 and problems(got) == [p.as_dict() for p in err.value.problems]


# ---------------------------------------------------------------- errors


def test_an_invalid_application_is_422_with_the_library_problem_list(client: httpx.Client) -> None:
    bad = {**example("machinery-gia-lam.json"), "activity": "3.3-machnery", "application_date": "10/05/2017"}
    got = client.post(f"{BASE}/decisions", json=bad)
    assert got.status_code == 422
    with pytest.raises(ApplicationError) as err:
        RB.evaluate(bad)
    assert problems(got) == [p.as_dict() for p in err.value.problems]
    assert got.json()["error"]["code"] == "application_error"
    assert "Traceback" not in got.text


@pytest.mark.parametrize("body,code", [(b"{bad", "bad_json"), (b"", "bad_json"), (b"\xff\xfe", "bad_json"),
                                       (b"[" * 40 + b"]" * 40, "too_deep"), (b"[" * 5000 + b"]" * 5000, "too_deep")])
def test_a_body_that_is_not_json_is_400(client: httpx.Client, body: bytes, code: str) -> None:
    got = client.post(f"{BASE}/decisions", content=body, headers={"Content-Type": "application/json"})
    assert got.status_code == 400 and got.json()["error"]["code"] == code


def test_a_body_too_large_is_413_declared_or_streamed(client: httpx.Client) -> None:
    big = b" " * (Limits().body_bytes + 1)
    assert client.post(f"{BASE}/decisions", content=big).status_code == 413

    def chunks() -> Any:
        for _ in range(big.__len__() // 4096 + 1):
            yield b" " * 4096

    got = client.post(f"{BASE}/decisions", content=chunks())  # no Content-Length: counted as it arrives
    assert got.status_code == 413 and got.json()["error"]["code"] == "too_large"


def test_unknown_rulebook_activity_and_address_are_404_as_json(client: httpx.Client) -> None:
    got = client.post("/v1/rulebooks/hanoi-2016-2021/decisions", json={})
    assert got.status_code == 404 and problems(got)[0]["suggestion"] == "hanoi-2016-2020"
    got = client.get(f"{BASE}/activities/3.3-machinry")
    assert got.status_code == 404 and problems(got)[0]["suggestion"] == "3.3-machinery"
    got = client.get("/v1/nothing-here")
    assert got.status_code == 404 and got.json()["error"]["code"] == "not_found"
    got = client.get(f"{BASE}/decisions")
    assert got.status_code == 405 and got.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("params", [{"lang": "fr"}, {"on": "2017-13-01"}])
def test_a_bad_query_parameter_is_422_naming_it(client: httpx.Client, params: dict[str, str]) -> None:
    got = client.post(f"{BASE}/decisions", params=params, json=example("machinery-gia-lam.json"))
    assert got.status_code == 422 and problems(got)[0]["where"] == f"query.{next(iter(params))}"


def test_cross_origin_requests_get_no_cors_headers(client: httpx.Client) -> None:
    got = client.get("/v1/rulebooks", headers={"Origin": "https://elsewhere.example"})
    assert not [h for h in got.headers if h.lower().startswith("access-control-")]


def test_a_request_over_its_time_limit_is_503() -> None:
    app = create_app([RB], limits=Limits(seconds=0))

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            return await c.post(f"{BASE}/decisions", json=example("machinery-gia-lam.json"))

    got = asyncio.run(call())
    assert got.status_code == 503 and got.json()["error"]["code"] == "timeout"


def post_json(client: httpx.Client, url: str, data: Any) -> httpx.Response:
    """Posts what a JSON writer may send, Infinity and 4,400-digit numbers included: the server must cope."""
    return client.post(url, content=as_line(data).encode("utf-8", "surrogatepass"),
                       headers={"Content-Type": "application/json"})


FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@FUZZ
@given(data=json_values)
def test_arbitrary_json_is_never_a_server_error(client: httpx.Client, data: Any) -> None:
    for path in ("decisions", "decisions/batch", "what-if", "smallest-changes", "plan"):
        got = post_json(client, f"{BASE}/{path}", data)
        assert got.status_code < 500, (path, got.text)
        if got.status_code >= 400:
            assert set(got.json()["error"]) == {"status", "code", "message", "problems"}


@FUZZ
@given(app=mutated(json_values))
def test_mutated_applications_are_never_a_server_error(client: httpx.Client, app: dict[str, Any]) -> None:
    for got in (post_json(client, f"{BASE}/decisions", app),
                post_json(client, f"{BASE}/what-if", {"application": app, "changes": {"establishment.employees": 5}})):
        # a decision, an invalid application, or a body refused as such: a number no JSON reader here
        # takes, or more bytes than a request may have (a mutated field can hold 10,000 characters)
        refused = (got.status_code == 400 and "4,300 digits" in got.text) or \
            (got.status_code == 413 and got.json()["error"]["code"] == "too_large")
        assert got.status_code in (200, 422) or refused, got.text


def test_import_kcrules_does_not_import_the_web_stack() -> None:
    code = ("import sys, kcrules; kcrules.load_rulebook(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('fastapi', 'starlette', 'uvicorn', 'jinja2', 'kcrules.web')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ---------------------------------------------------------------- the form, without JavaScript

MACHINERY_FORM = {
    "application_date": "10/05/2017", "applicant.kind": "establishment", "establishment.kind": "hop tac xa",
    "establishment.district": "gia lam", "establishment.sector": "handicraft", "establishment.employees": "60",
    "establishment.capital_vnd": "5.000.000.000", "establishment.product_line": "rattan_bamboo",
    "establishment.has_export_contract": "true", "establishment.in_new_rural_commune": "true",
    "project.approved": "true", "project.counterpart_funding_committed": "true",
    "project.other_state_funding": "false", "project.eligible_cost_vnd": "700.000.000",
    "project.machinery_new": "true", "project.machinery_improves": "true", "project.machinery_one_kind": "true",
    "project.technology_transfer": "false",
}


def test_the_index_lists_every_activity(client: httpx.Client) -> None:
    page = client.get("/").text
    assert set(re.findall(r'data-activity="([^"]+)"', page)) == set(RB.activities)
    assert '<html lang="vi">' in page and '<html lang="en">' in client.get("/", params={"lang": "en"}).text


def test_the_form_asks_the_interviews_questions_with_its_labels(client: httpx.Client) -> None:
    from kcrules.questions import Plan, label_of

    page = client.get(f"/form/{RB.id}/3.3-machinery").text
    asked = re.findall(r'name="([a-z_.]+)" id="f-', page)
    assert asked == [p for p in Plan(RB, "3.3-machinery").order if p != "activity"]
    for path in asked:
        assert f'for="f-{path.replace(".", "-")}">{label_of(path, "vi")}' in page.replace("&#39;", "'")
    # a code is a drop-down of the rulebook's codes, named in the page's language
    assert '<option value="gia_lam"' in page and "Gia Lâm" in page


def test_the_form_decides_as_the_library_and_shows_the_computation(client: httpx.Client) -> None:
    page = client.post(f"/form/{RB.id}/3.3-machinery", data=MACHINERY_FORM).text
    expected = RB.evaluate(example("machinery-gia-lam.json") | {"id": None})
    assert f'data-amount-vnd="{expected.support.amount_vnd}"' in page
    assert 'data-eligible="true"' in page
    for line in expected.support.lines:
        assert line.text in page.replace("&#39;", "'")


def test_the_form_shows_every_error_inline_in_the_users_language(client: httpx.Client) -> None:
    bad = {**MACHINERY_FORM, "project.eligible_cost_vnd": "12.5", "establishment.employees": "",
           "application_date": "2017-05-99"}
    for lang, words in (("vi", ["Hãy viết ngày", "Câu này cần một câu trả lời",
                                "Hãy viết một số nguyên"]),
                        ("en", ["YYYY-MM-DD", "This question needs an answer", "whole number"])):
        got = client.post(f"/form/{RB.id}/3.3-machinery", data={**bad, "lang": lang})
        assert got.status_code == 422
        errors = re.findall(r'<div class="err" id="f-([a-z_-]+)-err">([^<]*)</div>', got.text)
        assert [e[0] for e in errors] == ["application_date", "establishment-employees", "project-eligible_cost_vnd"]
        for word, (_, text) in zip(words, errors):
            assert word in text
        # what was typed is kept
        assert 'value="12.5"' in got.text


def test_the_form_what_if_and_print_use_the_decision_of_the_changed_application(client: httpx.Client) -> None:
    page = client.post(f"/form/{RB.id}/3.3-machinery", data=MACHINERY_FORM).text
    hidden = re.search(r'name="application" value="([^"]+)"', page).group(1)
    application = json.loads(hidden.replace("&#34;", '"').replace("&quot;", '"'))
    got = client.post(f"/form/{RB.id}/3.3-machinery/what-if",
                      data={"application": json.dumps(application), "field": "project.eligible_cost_vnd",
                            "value": "300.000.000", "lang": "en"}).text
    changed = RB.evaluate({**application, "project": {**application["project"], "eligible_cost_vnd": 300_000_000}},
                          lang="en")
    assert f'data-amount-vnd="{changed.support.amount_vnd}"' in got and 'id="difference"' in got
    sheet = client.post(f"/form/{RB.id}/3.3-machinery/sheet", data={"application": json.dumps(application)}).text
    app = RB.parse_application(application)
    assert sheet == appraisal_sheet(RB, RB.evaluate(app), app)


def test_a_refused_application_shows_the_smallest_changes_and_they_work(client: httpx.Client) -> None:
    form = {**MACHINERY_FORM, "project.machinery_new": "false"}
    page = client.post(f"/form/{RB.id}/3.3-machinery", data=form).text
    assert 'data-eligible="false"' in page and 'id="suggestions"' in page
    option = re.search(r'<li><form method="post" action="([^"]+/what-if)">(.*?)</form></li>', page, re.S)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', option.group(2)))
    got = client.post(option.group(1), data={k: v.replace("&#34;", '"') for k, v in fields.items()}).text
    assert 'data-eligible="true"' in got


def test_the_page_carries_no_trust_in_its_hidden_application(client: httpx.Client) -> None:
    got = client.post(f"/form/{RB.id}/3.3-machinery/sheet", data={"application": '{"activity": "x"}', "lang": "en"})
    assert got.status_code == 422 and got.headers["content-type"].startswith("text/html")
    assert "not valid" in got.text and "<li>activity: unknown activity" in got.text


def test_a_page_that_does_not_exist_is_a_page_saying_so(client: httpx.Client) -> None:
    got = client.get(f"/form/{RB.id}/3.3-machinry")
    assert got.status_code == 404 and got.headers["content-type"].startswith("text/html")
    assert 'id="page-error"' in got.text and "Không có nội dung 3.3-machinry" in got.text


def _as_form(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """An application as the form would be filled in: every leaf a text, yes/no as true/false."""
    out: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_as_form(value, f"{prefix}{key}."))
        elif isinstance(value, bool):
            out[prefix + key] = "true" if value else "false"
        else:
            out[prefix + key] = str(value)
    return out


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_decides_the_same_through_the_form(client: httpx.Client, path: Path) -> None:
    from kcrules.questions import Plan

    data = json.loads(path.read_text(encoding="utf-8"))
    fields = _as_form(data)
    fields.setdefault("applicant.kind", "establishment")
    asked = set(Plan(RB, data["activity"]).order)
    # A fact the form does not ask is one no criterion and no support rule of the activity reads:
    # leaving it out changes nothing.
    unasked = [p for p in fields if p not in asked]
    expected = RB.evaluate(data)
    trimmed = RB.evaluate(apply_changes(data, {p: None for p in unasked if p != "activity"}))
    assert (trimmed.eligible, trimmed.support, trimmed.priority) == \
        (expected.eligible, expected.support, expected.priority)
    page = client.post(f"/form/{RB.id}/{data['activity']}", data=fields).text
    assert f'data-eligible="{str(expected.eligible).lower()}"' in page
    assert f'data-amount-vnd="{expected.support.amount_vnd}"' in page


def test_a_body_that_trickles_in_past_the_time_limit_is_408() -> None:
    app = create_app([RB], limits=Limits(seconds=0.2))

    async def slow() -> Any:
        yield b'{"activity": '
        await asyncio.sleep(5)
        yield b'"3.3-machinery"}'

    async def call() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            return await c.post(f"{BASE}/decisions", content=slow())

    got = asyncio.run(call())
    assert got.status_code == 408 and got.json()["error"]["code"] == "timeout"


@pytest.mark.parametrize("lang, large, slow", [
    ("vi", "Nội dung gửi lên quá lớn: tối đa 1.000 byte.", "Việc xét hồ sơ mất hơn 0 giây nên đã dừng."),
    ("en", "What the page sent is too large: at most 1,000 bytes.", "Deciding took longer than 0 s and was stopped."),
])
def test_the_forms_limits_are_pages_in_the_pages_language(lang: str, large: str, slow: str) -> None:
    # The JSON API answers a program in JSON; a person at the form gets a page, in the page's language.
    application = json.dumps(example("machinery-gia-lam.json"))

    async def call(limits: Limits, path: str, data: dict[str, str]) -> httpx.Response:
        app = create_app([RB], engine="native", limits=limits)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            return await c.post(f"/form/{RB.id}/3.3-machinery/{path}?lang={lang}", data=data)

    got = asyncio.run(call(Limits(body_bytes=1000), "sheet", {"application": "x" * 2000, "lang": lang}))
    assert got.status_code == 413 and got.headers["content-type"].startswith("text/html")
    assert large in got.text
    got = asyncio.run(call(Limits(seconds=0), "sheet", {"application": application, "lang": lang}))
    assert got.status_code == 503 and got.headers["content-type"].startswith("text/html")
    assert slow in got.text
