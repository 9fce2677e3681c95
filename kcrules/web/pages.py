"""The web form for officials: pick an activity, answer its questions, read the decision, try changes, print.

The questions are the terminal interview's: the same fields (``Plan`` of the
interview, derived from the activity's criteria), the same labels and the same
reading of typed values (``parse_value``: "700.000.000", DD/MM/YYYY, names
without accents). The core flow is plain HTML forms and works without
JavaScript; a few lines of script only add a search box to long lists.
Vietnamese first, English by ``?lang=en``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any
from urllib.parse import parse_qs

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from kcrules.errors import ApplicationError, InputError, KcrulesError
from kcrules.questions import Plan, build_application, label_of
from kcrules.report.html import appraisal_sheet
from kcrules.rulebook import Rulebook
from kcrules.rulefiles.codes import code_choices
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS, field_info
from kcrules.text import i18n
from kcrules.text.conditions import PlainVoice, sentence
from kcrules.text.i18n import Catalogue
from kcrules.text.values import show_value
from kcrules.web.service import ApiError, Service, read_body
from kcrules.whatif import DEFAULT_FIXED, parse_value, smallest_changes, what_if

#: Every text of the pages, in Vietnamese and English.
T = Catalogue("web.pages", {
    "title": {"vi": "Xét hồ sơ khuyến công", "en": "Check a khuyến công application"},
    "intro": {"vi": "Chọn nội dung khuyến công để điền hồ sơ. Kết quả dựa trên quy tắc có trích dẫn; "
                    "người thẩm định kiểm tra và ký phiếu.",
              "en": "Choose an activity to fill in an application. The decision follows cited rules; "
                    "an appraiser checks it and signs the sheet."},
    "activities": {"vi": "Các nội dung khuyến công", "en": "Activities"},
    "rulebook": {"vi": "Bộ quy tắc", "en": "Rulebook"},
    "version": {"vi": "phiên bản", "en": "version"},
    "other_lang": {"vi": "English", "en": "Tiếng Việt"},
    "home": {"vi": "Trang đầu", "en": "Home"},
    "form_title": {"vi": "Hồ sơ: {activity}", "en": "Application: {activity}"},
    "form_help": {"vi": "Chỉ hỏi những thông tin nội dung này cần. Số tiền viết như 700.000.000; ngày viết "
                        "DD/MM/YYYY. Câu có dấu * là bắt buộc.",
                  "en": "Only the questions this activity needs. Write money as 700000000 or 700.000.000 and "
                        "dates as YYYY-MM-DD or DD/MM/YYYY. Questions marked * are required."},
    "section_applicant": {"vi": "Đơn vị đề nghị", "en": "Applicant"},
    "section_establishment": {"vi": "Cơ sở được hỗ trợ", "en": "The establishment"},
    "section_project": {"vi": "Đề án", "en": "The project"},
    "section_": {"vi": "Hồ sơ", "en": "Application"},
    "choose": {"vi": "— chọn —", "en": "— choose —"},
    "unknown": {"vi": "— không rõ —", "en": "— not stated —"},
    "yes": {"vi": "Có", "en": "Yes"},
    "no": {"vi": "Không", "en": "No"},
    "search": {"vi": "Tìm (gõ không dấu cũng được)", "en": "Search (accents optional)"},
    "optional": {"vi": "không bắt buộc", "en": "optional"},
    "required_when": {"vi": "bắt buộc khi: {when}", "en": "required when: {when}"},
    "submit": {"vi": "Xem kết quả", "en": "See the decision"},
    "errors": {"vi": "Hồ sơ chưa hợp lệ: hãy sửa các câu được đánh dấu.",
               "en": "The application is not valid yet: please correct the marked answers."},
    "err_required": {"vi": "Câu này cần một câu trả lời.", "en": "This question needs an answer."},
    "err_code": {"vi": "Không có trong danh sách: hãy chọn một mục.", "en": "Not in the list: choose one."},
    "err_invalid": {"vi": "Giá trị không hợp lệ", "en": "Not valid"},
    "err_allowed": {"vi": "cho phép", "en": "allowed"},
    "err_suggest": {"vi": "có phải là", "en": "did you mean"},
    "decision_title": {"vi": "Kết quả xét hồ sơ", "en": "The decision"},
    "eligible": {"vi": "ĐỦ ĐIỀU KIỆN HỖ TRỢ", "en": "ELIGIBLE FOR SUPPORT"},
    "ineligible": {"vi": "KHÔNG ĐỦ ĐIỀU KIỆN HỖ TRỢ", "en": "NOT ELIGIBLE FOR SUPPORT"},
    "amount": {"vi": "Mức hỗ trợ tối đa", "en": "Maximum support"},
    "computation": {"vi": "Cách tính", "en": "Computation"},
    "priority": {"vi": "Ưu tiên", "en": "Priority"},
    "failed": {"vi": "Tiêu chí không đạt", "en": "Criteria not met"},
    "met": {"vi": "Tiêu chí đạt", "en": "Criteria met"},
    "priority_met": {"vi": "Tiêu chí ưu tiên đạt", "en": "Priority criteria met"},
    "na": {"vi": "Tiêu chí không áp dụng cho hồ sơ này", "en": "Criteria that do not apply to this application"},
    "found": {"vi": "Hồ sơ", "en": "Found"},
    "required": {"vi": "Yêu cầu", "en": "Required"},
    "cite": {"vi": "Căn cứ", "en": "Citation"},
    "warnings": {"vi": "Lưu ý: mức hướng dẫn và giả định đã dùng (chưa phải quy định của Hà Nội)",
                 "en": "Warnings: guidance levels and assumptions used (not Hanoi's own rules)"},
    "guidance": {"vi": "Mức hướng dẫn", "en": "Guidance"},
    "assumption": {"vi": "Giả định", "en": "Assumption"},
    "suggestions": {"vi": "Những thay đổi nhỏ nhất để hồ sơ đủ điều kiện",
                    "en": "The smallest changes that would make it eligible"},
    "suggestions_fixed": {"vi": "Giữ nguyên: huyện, loại hình cơ sở, ngày nộp, nội dung và đơn vị đề nghị.",
                          "en": "Held fixed: district, kind of establishment, date, activity and applicant."},
    "no_suggestions": {"vi": "Không tính được thay đổi nào làm hồ sơ đủ điều kiện mà không đổi các thông tin "
                             "được giữ nguyên; xem các tiêu chí không đạt.",
                       "en": "No change that keeps the fixed facts would make it eligible, as far as the rules "
                             "allow computing; see the criteria not met."},
    "one_of": {"vi": "một trong", "en": "one of"},
    "try": {"vi": "Thử thay đổi này", "en": "Try this change"},
    "whatif": {"vi": "Nếu thay đổi một thông tin thì sao?", "en": "What if a fact changes?"},
    "whatif_field": {"vi": "Thông tin", "en": "Fact"},
    "whatif_value": {"vi": "Giá trị mới", "en": "New value"},
    "whatif_submit": {"vi": "Xem kết quả mới", "en": "See the new decision"},
    "whatif_error": {"vi": "Không áp dụng được thay đổi", "en": "The change could not be applied"},
    "difference": {"vi": "Thay đổi so với hồ sơ trước", "en": "What changed from the previous application"},
    "changed": {"vi": "Giả sử", "en": "What if"},
    "same": {"vi": "Quyết định không đổi.", "en": "The decision does not change."},
    "verdict_yes": {"vi": "đủ điều kiện", "en": "eligible"},
    "verdict_no": {"vi": "không đủ điều kiện", "en": "not eligible"},
    "print": {"vi": "In phiếu thẩm định (A4)", "en": "Print the appraisal sheet (A4)"},
    "new": {"vi": "Hồ sơ mới", "en": "New application"},
    "law": {"vi": "Áp dụng quy định có hiệu lực ngày {date}; bộ quy tắc {id}, phiên bản {version}.",
            "en": "Under the law in force on {date}; rulebook {id}, version {version}."},
    "api": {"vi": "API cho hệ thống khác", "en": "API for other systems"},
    "bad_hidden": {"vi": "Trang gửi lại một hồ sơ không hợp lệ. Hãy điền lại hồ sơ.",
                   "en": "The page sent back an application that is not valid. Please fill in the form again."},
    "error_title": {"vi": "Lỗi", "en": "Error"},
    "not_found": {"vi": "Không có nội dung {activity} trong bộ quy tắc {rulebook}.",
                  "en": "No activity {activity} in rulebook {rulebook}."},
    # the service's limits, as the form's pages say them (the JSON API words them for programs)
    "too_large": {"vi": "Nội dung gửi lên quá lớn: tối đa {limit} byte.",
                  "en": "What the page sent is too large: at most {limit} bytes."},
    "slow_body": {"vi": "Nội dung gửi lên không đến đủ trong {seconds} giây. Hãy gửi lại.",
                  "en": "What the page sent did not all arrive within {seconds} s. Please send it again."},
    "too_slow": {"vi": "Việc xét hồ sơ mất hơn {seconds} giây nên đã dừng. Hãy thử lại sau.",
                 "en": "Deciding took longer than {seconds} s and was stopped. Please try again later."},
    "failed": {"vi": "Không xét được hồ sơ.", "en": "The application could not be decided."},
})


def _env() -> jinja2.Environment:
    # Autoescaping is the reason for a template engine here: every value shown
    # (names typed by a user, rule texts) is escaped unless marked safe.
    env = jinja2.Environment(loader=jinja2.PackageLoader("kcrules.web", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    return env


@dataclass
class Question:
    path: str
    label: str
    kind: str  # code | bool | int | date | str
    required: bool
    section: str
    choices: list[tuple[str, str]] = field(default_factory=list)
    value: str = ""
    error: str = ""
    #: For a field required only under a condition: the condition, in words.
    required_when: str = ""


def questions(rb: Rulebook, activity: str, lang: str) -> list[Question]:
    """The questions of an activity, in the interview's order, with the interview's labels."""
    plan = Plan(rb, activity)
    act = plan.act
    out = []
    for path in plan.order:
        if path == "activity":
            continue
        kind = APPLICATION_FIELDS[path][0]
        info = field_info(path)
        required = path == "application_date" or path == "applicant.kind" or path in act.always_required or \
            path == act.support.base or (info is not None and info.is_required() and
                                         (path.startswith("project.") or act.beneficiary))
        choices: list[tuple[str, str]] = []
        if kind == "code":
            choices = code_choices(rb.definition, CODE_FIELDS[path], lang)
            if path == "applicant.kind":
                choices = [c for c in choices if c[0] in act.applicants]
        q = Question(path, label_of(path, lang), kind, required, path.split(".")[0] if "." in path else "",
                     choices)
        if path == "applicant.kind" and len(choices) == 1:
            q.value = choices[0][0]
        if not required:
            voice = PlainVoice(rb.definition, lang, lambda pid: pid)  # a requirement reads no parameter
            q.required_when = f" {voice.w('or')} ".join(
                sentence(voice, r.when) for r in act.requirements if r.field == path and r.when is not None)
        out.append(q)
    return out


def read_answers(rb: Rulebook, qs: list[Question], form: dict[str, str], lang: str) -> dict[str, Any]:
    """Typed answers from the form; each question's error is set in ``lang``."""
    answers: dict[str, Any] = {}
    for q in qs:
        q.value = form.get(q.path, "").strip()
        if q.value == "":
            if q.required:
                q.error = t("err_required", lang)
            continue
        try:
            answers[q.path] = parse_value(rb, q.path, q.value)
        except InputError as err:
            q.error = refusal(err, q.kind, lang)
    return answers


def refusal(err: InputError, kind: str, lang: str) -> str:
    """Why an answer was refused, in the page's language; a code is chosen from the form's own list."""
    if kind == "code":
        return t("err_code", lang)
    text = err.text(lang)  # worded to follow "error:" at a terminal; on the page it is a sentence of its own
    return f"{text[:1].upper()}{text[1:]}."


def problem_text(p: Any, lang: str) -> str:
    """One problem of an ApplicationError, for the page."""
    message, allowed = p.wording(lang)  # a problem without a Vietnamese sentence says only that it is invalid
    parts = [message if lang == "en" or p.key else t("err_invalid", lang)]
    if allowed:
        parts.append(f"{t('err_allowed', lang)}: {allowed}")
    if p.suggestion:
        parts.append(f"{t('err_suggest', lang)} {p.suggestion!r}?")
    return "; ".join(parts)


def t(key: str, lang: str, **values: Any) -> str:
    return T[key][lang].format(**values)


def _form_data(body: bytes) -> dict[str, str]:
    """An urlencoded form body; a repeated name keeps its last value (``_form_lists`` reads all)."""
    return {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


def _form_lists(body: bytes) -> dict[str, list[str]]:
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def add_page_routes(app: FastAPI, service: Service) -> None:
    env = _env()
    limits = service.limits

    def page(name: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(name).render(lang=lang, t=lambda key, **kw: t(key, lang, **kw),
                                             path=context.pop("path", "/"), **context)
        return HTMLResponse(html, status_code=status)

    def lang_of(request: Request, form: dict[str, str] | None = None) -> str:
        lang = (form or {}).get("lang") or request.query_params.get("lang", "vi")
        return lang if lang in ("vi", "en") else "vi"

    def page_error(status: int, message: str, lang: str, problems: list[str] | None = None) -> ApiError:
        """An error the exception handler shows as a page in ``lang``."""
        err = ApiError(status, "page_error", message)
        err.page = lambda: page("error.html", lang, status, message=message,  # type: ignore[attr-defined]
                                problems=problems or [])
        return err

    async def body_of(request: Request) -> bytes:
        """The form's body; a limit reached is a page in the page's language (the address's ?lang)."""
        try:
            return await read_body(request, limits.body_bytes, limits.seconds)
        except ApiError as err:
            lang = lang_of(request)
            message = (t("too_large", lang, limit=i18n.number(limits.body_bytes, lang)) if err.status == 413 else
                       t("slow_body", lang, seconds=i18n.number(Fraction(limits.seconds), lang)))
            raise page_error(err.status, message, lang) from None

    async def computed(fn: Any, lang: str) -> Any:
        """``fn``'s result, computed within the time limit; a limit reached or a rule that fails is a page."""
        try:
            return await service.run(fn)
        except ApiError as err:
            raise page_error(err.status, t("too_slow", lang, seconds=i18n.number(Fraction(limits.seconds), lang)),
                             lang) from None
        except KcrulesError as err:
            if isinstance(err, ApplicationError):
                raise
            raise page_error(500, t("failed", lang), lang, [err.text(lang)]) from None

    def activity_of(rulebook: str, activity: str, lang: str) -> tuple[Rulebook, Any]:
        rb = service.rulebooks.get(rulebook)
        act = rb.definition.activities.get(activity) if rb is not None else None
        if rb is None or act is None:
            raise page_error(404, t("not_found", lang, activity=activity, rulebook=rulebook), lang)
        return rb, act

    def hidden_application(rb: Rulebook, data: dict[str, str], lang: str) -> Any:
        """The application a decision page carries in its hidden field: checked again, never trusted."""
        try:
            return rb.parse_application(data.get("application", ""))
        except ApplicationError as err:
            raise page_error(422, t("bad_hidden", lang), lang,
                             [f"{p.where}: {problem_text(p, lang)}" for p in err.problems]) from None

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index(request: Request) -> HTMLResponse:
        lang = lang_of(request)
        books = [(rb, [(a.id, a.label[lang], a.cite.text(lang)) for a in rb.definition.activities.values()])
                 for rb in service.rulebooks.values()]
        return page("index.html", lang, books=books, path="/")

    @app.get("/form/{rulebook}/{activity}", response_class=HTMLResponse, include_in_schema=False)
    async def form(request: Request, rulebook: str, activity: str) -> HTMLResponse:
        lang = lang_of(request)
        rb, act = activity_of(rulebook, activity, lang)
        return page("form.html", lang, rb=rb, act=act, questions=questions(rb, act.id, lang), errors=[],
                    path=request.url.path)

    @app.post("/form/{rulebook}/{activity}", response_class=HTMLResponse, include_in_schema=False)
    async def submit(request: Request, rulebook: str, activity: str) -> HTMLResponse:
        data = _form_data(await body_of(request))
        lang = lang_of(request, data)
        rb, act = activity_of(rulebook, activity, lang)
        qs = questions(rb, act.id, lang)
        answers = read_answers(rb, qs, data, lang)
        errors: list[str] = []
        application = None
        if not any(q.error for q in qs):
            answers["activity"] = act.id
            plan = Plan(rb, act.id)
            try:
                application = rb.parse_application(build_application(answers, plan))
            except ApplicationError as err:
                by_path = {q.path: q for q in qs}
                for p in err.problems:
                    if p.where in by_path:
                        by_path[p.where].error = problem_text(p, lang)
                    else:
                        label = label_of(p.where, lang) if p.where in APPLICATION_FIELDS else p.where
                        errors.append(f"{label}: {problem_text(p, lang)}")
        if application is None:
            return page("form.html", lang, 422, rb=rb, act=act, questions=qs, errors=errors,
                        path=request.url.path)
        return await decision_page(rb, act, application, lang, request.url.path)

    @app.post("/form/{rulebook}/{activity}/what-if", response_class=HTMLResponse, include_in_schema=False)
    async def try_change(request: Request, rulebook: str, activity: str) -> HTMLResponse:
        lists = _form_lists(await body_of(request))
        data = {k: v[-1] for k, v in lists.items()}
        lang = lang_of(request, data)
        rb, act = activity_of(rulebook, activity, lang)
        application = hidden_application(rb, data, lang)
        problems: list[str] = []
        changes: dict[str, Any] = {}
        for path, text in zip(lists.get("field", []), lists.get("value", [])):
            if path not in APPLICATION_FIELDS or path == "activity":
                problems.append(f"{path}: {t('err_invalid', lang)}")
                continue
            try:
                changes[path] = parse_value(rb, path, text)
            except InputError as err:
                problems.append(f"{label_of(path, lang)}: {refusal(err, APPLICATION_FIELDS[path][0], lang)}")
        result = None
        if not problems and changes:
            try:
                result = await computed(lambda: what_if(rb, application, changes, lang=lang), lang)
            except ApplicationError as err:
                problems += [f"{label_of(p.where, lang) if p.where in APPLICATION_FIELDS else p.where}: "
                             f"{problem_text(p, lang)}" for p in err.problems]
        return await decision_page(rb, act, result.application if result else application, lang,
                                   f"/form/{rb.id}/{act.id}", result=result, whatif_errors=problems)

    @app.post("/form/{rulebook}/{activity}/sheet", response_class=HTMLResponse, include_in_schema=False)
    async def sheet(request: Request, rulebook: str, activity: str) -> HTMLResponse:
        data = _form_data(await body_of(request))
        lang = lang_of(request, data)
        rb, act = activity_of(rulebook, activity, lang)
        application = hidden_application(rb, data, lang)
        decision = await computed(lambda: rb.evaluate(application, lang=lang), lang)
        return HTMLResponse(appraisal_sheet(rb, decision, application, lang=lang))

    async def decision_page(rb: Rulebook, act: Any, application: Any, lang: str, form_path: str, *,
                            result: Any = None, whatif_errors: list[str] | None = None) -> HTMLResponse:
        """The decision on ``application``; after a what-if, ``result`` (a WhatIf) says what changed."""
        def work() -> tuple[Any, tuple[Any, ...]]:
            decision = result.after if result is not None else rb.evaluate(application, lang=lang)
            found = () if decision.eligible else smallest_changes(rb, application, fixed=DEFAULT_FIXED)
            return decision, found

        decision, found = await computed(work, lang)
        data = application.model_dump(mode="json", exclude_none=True)
        labels = {c.id: c.label[lang] for c in rb.criteria_of(act.id)}

        def row(r: Any) -> dict[str, Any]:
            return {"id": r.criterion, "label": labels.get(r.criterion, r.criterion), "outcome": r.outcome,
                    "outcome_text": i18n.msg(r.outcome, lang), "kind": r.kind,
                    "found": r.found, "required": r.required, "cite": r.citation.text,
                    "assumptions": list(r.assumptions)}

        failed = [row(r) for r in decision.reasons if r.kind == "eligibility" and r.outcome == "not_met"]
        met = [row(r) for r in decision.reasons if r.outcome == "met"]
        na = [row(r) for r in decision.reasons if r.outcome == "not_applicable"
              or (r.kind == "priority" and r.outcome == "not_met")]
        options = [[{"path": c.field, "label": label_of(c.field, lang), "value": _as_text(c.new),
                     "shown": (f"{t('one_of', lang)} " + ", ".join(show_value(rb, c.field, code, lang)
                                                                   for code in c.one_of))
                     if c.one_of else show_value(rb, c.field, c.new, lang)}
                    for c in suggestion.changes] for suggestion in found]
        diff = None
        if result is not None:
            d = result.difference
            diff = {
                "changes": [{"label": label_of(c.field, lang), "shown": show_value(rb, c.field, c.new, lang)}
                            for c in result.changes],
                "verdict": tuple(t("verdict_yes" if v else "verdict_no", lang)
                                 for v in (d.eligible.before, d.eligible.after)) if d.eligible.changed else None,
                "amount": (i18n.money(d.amount_vnd.before, lang), i18n.money(d.amount_vnd.after, lang))
                if d.amount_vnd.changed else None,
                "criteria": [{"label": c.label, "before": i18n.msg(c.before, lang) if c.before else "—",
                              "after": i18n.msg(c.after, lang)} for c in d.criteria],
            }
        fields = [(q.path, q.label) for q in questions(rb, act.id, lang)
                  if q.path not in ("application_date", "applicant.kind")]
        day = i18n.date(decision.law_date, lang)
        return page("decision.html", lang, rb=rb, act=act, d=decision,
                    amount=i18n.money(decision.support.amount_vnd, lang),
                    failed=failed, met=met, na=na, options=options, diff=diff, fields=fields,
                    whatif_errors=whatif_errors or [],
                    application_json=json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                    law=t("law", lang, date=day, id=decision.rulebook.id, version=decision.rulebook.version[:12]),
                    form_path=form_path, path=form_path)


def _as_text(value: Any) -> str:
    """A value as the form's text box would hold it (parse_value reads it back)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


__all__ = ["Question", "add_page_routes", "questions"]
