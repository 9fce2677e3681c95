"""The command line's own words in vi and en: argparse's, every option's help, the command's errors.

Help texts stay written in English beside their options in each subcommand's module;
``HELP`` gives each its Vietnamese, keyed like gettext by the English text itself, so
the modules stay as they are and ``localise`` swaps them when the parser is built.
A help text without an entry here stays English: tests/test_messages.py builds the
parser and fails on any, so a new option cannot forget its translation.

argparse takes its own words ("usage:", "options", "error:", "invalid choice", …)
through gettext at the moment it writes them; ``argparse_words`` routes them to
``ARGPARSE`` while the command runs, and puts gettext back after.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kcrules.errors import os_reason
from kcrules.text.i18n import LANGS, Catalogue

#: argparse's messages, keyed by the message itself (Python 3.11–3.13).
ARGPARSE = Catalogue("cli.argparse", {
    "usage": {"en": "usage: ", "vi": "cách dùng: "},
    "positional": {"en": "positional arguments", "vi": "tham số vị trí"},
    "options": {"en": "options", "vi": "tùy chọn"},
    "subcommands": {"en": "subcommands", "vi": "lệnh con"},
    "heading": {"en": "%(heading)s:", "vi": "%(heading)s:"},
    "help": {"en": "show this help message and exit", "vi": "in hướng dẫn này rồi thoát"},
    "default": {"en": " (default: %(default)s)", "vi": " (mặc định: %(default)s)"},
    "error": {"en": "%(prog)s: error: %(message)s\n", "vi": "%(prog)s: lỗi: %(message)s\n"},
    "warning": {"en": "%(prog)s: warning: %(message)s\n", "vi": "%(prog)s: cảnh báo: %(message)s\n"},
    "argument": {"en": "argument %(argument_name)s: %(message)s", "vi": "tham số %(argument_name)s: %(message)s"},
    "unrecognized": {"en": "unrecognized arguments: %s", "vi": "tham số không nhận ra: %s"},
    "required": {"en": "the following arguments are required: %s", "vi": "còn thiếu các tham số bắt buộc: %s"},
    "one_of": {"en": "one of the arguments %s is required", "vi": "cần một trong các tham số %s"},
    "invalid_choice": {"en": "invalid choice: %(value)r (choose from %(choices)s)",
                       "vi": "lựa chọn không hợp lệ: %(value)r (chọn trong %(choices)s)"},
    "invalid_type": {"en": "invalid %(type)s value: %(value)r", "vi": "giá trị %(type)s không hợp lệ: %(value)r"},
    "expected_one": {"en": "expected one argument", "vi": "cần đúng một giá trị"},
    "expected_at_most_one": {"en": "expected at most one argument", "vi": "cần nhiều nhất một giá trị"},
    "expected_at_least_one": {"en": "expected at least one argument", "vi": "cần ít nhất một giá trị"},
    "expected_n": {"en": "expected %s argument", "vi": "cần %s giá trị"},
    "expected_ns": {"en": "expected %s arguments", "vi": "cần %s giá trị"},
    "ambiguous": {"en": "ambiguous option: %(option)s could match %(matches)s",
                  "vi": "tùy chọn mơ hồ: %(option)s có thể là %(matches)s"},
    "not_allowed_with": {"en": "not allowed with argument %s", "vi": "không dùng được cùng tham số %s"},
    "ignored": {"en": "ignored explicit argument %r", "vi": "giá trị %r bị bỏ qua"},
    "cant_open": {"en": "can't open '%(filename)s': %(error)s", "vi": "không mở được '%(filename)s': %(error)s"},
    "unknown_parser": {"en": "unknown parser %(parser_name)r (choices: %(choices)s)",
                       "vi": "không có lệnh %(parser_name)r (chọn trong: %(choices)s)"},
})

#: Vietnamese of each English argparse message.
_ARGPARSE_VI = {texts["en"]: texts["vi"] for texts in ARGPARSE.values()}


def _gettext_vi(message: str) -> str:
    return _ARGPARSE_VI.get(message, message)


def _ngettext_vi(singular: str, plural: str, n: int) -> str:
    return _gettext_vi(singular if n == 1 else plural)


@contextmanager
def argparse_words(lang: str) -> Iterator[None]:
    """argparse's own words in ``lang`` while the block runs (it looks ``_`` up each time it writes)."""
    if lang != "vi":
        yield
        return
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _gettext_vi, _ngettext_vi  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


#: The Vietnamese of every description and option help of the ``kcrules`` command, keyed by a short name;
#: "en" is the text exactly as written beside the option.
HELP = Catalogue("cli.help", {
    # kcrules
    "kcrules": {"en": "Hanoi khuyến công 2016–2020 rules: check applications, browse and audit the rules.",
                "vi": "Quy định khuyến công Hà Nội 2016–2020: xét hồ sơ, tra cứu và kiểm tra các quy tắc."},
    "debug": {"en": "show tracebacks instead of short messages", "vi": "in toàn bộ vết lỗi thay cho thông báo ngắn"},
    "lang": {"en": "language of every text: vi or en (default from the locale, else vi)",
             "vi": "ngôn ngữ của mọi văn bản: vi hoặc en (mặc định theo locale của máy, không có thì vi)"},
    # check
    "check": {"en": "decide one application: eligible or not, how much, and why",
              "vi": "xét một hồ sơ: có đủ điều kiện không, được hỗ trợ bao nhiêu và vì sao"},
    "check.description": {
        "en": "Decide one application and explain the decision. Without FILE at a terminal, asks the questions "
              "the chosen activity needs. Exit codes: 0 eligible, 1 not eligible, 2 invalid input or usage.",
        "vi": "Xét một hồ sơ và giải thích kết quả. Không có FILE khi chạy ở terminal thì hỏi lần lượt các câu "
              "mà nội dung hỗ trợ đã chọn cần. Mã thoát: 0 đủ điều kiện, 1 không đủ điều kiện, 2 dữ liệu vào "
              "hoặc cách dùng sai."},
    "check.file": {"en": "the application, JSON or TOML (by extension; '-' reads stdin)",
                   "vi": "hồ sơ, JSON hoặc TOML (theo đuôi tệp; '-' đọc từ stdin)"},
    "check.interactive": {"en": "ask the questions one by one (also when no FILE is given at a terminal)",
                          "vi": "hỏi lần lượt từng câu (cũng là cách mặc định khi không có FILE ở terminal)"},
    "check.format": {
        "en": "text: a readable report (default); json: the decision as the library serialises it; "
              "html: the appraisal sheet to print on A4 and sign",
        "vi": "text: báo cáo để đọc (mặc định); json: kết quả dạng thư viện ghi ra; "
              "html: phiếu thẩm định để in khổ A4 và ký"},
    "check.on": {"en": "evaluate under the law in force on DATE (YYYY-MM-DD) instead of the application date",
                 "vi": "xét theo quy định có hiệu lực ngày DATE (YYYY-MM-DD) thay cho ngày của hồ sơ"},
    "rulebook": {"en": "bundled rulebook id or rulebook folder (default hanoi-2016-2020)",
                 "vi": "mã bộ quy tắc có sẵn hoặc thư mục bộ quy tắc (mặc định hanoi-2016-2020)"},
    "check.all": {"en": "also list the criteria that do not apply to this application",
                  "vi": "liệt kê cả các tiêu chí không áp dụng cho hồ sơ này"},
    "check.what_if": {
        "en": "re-evaluate with changed facts and show what changes, "
              "e.g. --what-if establishment.employees=40 project.machinery_new=true",
        "vi": "xét lại với thông tin đã đổi và cho thấy điều gì thay đổi, "
              "ví dụ --what-if establishment.employees=40 project.machinery_new=true"},
    "check.fixed": {
        "en": "comma-separated facts to hold fixed when suggesting changes "
              "(default: establishment.district,establishment.kind and the date, activity and applicant)",
        "vi": "các thông tin giữ nguyên khi gợi ý thay đổi, cách nhau bởi dấu phẩy "
              "(mặc định: establishment.district,establishment.kind và ngày, nội dung, đơn vị đề nghị)"},
    "check.no_suggest": {
        "en": "do not look for the smallest changes that would make a refused application eligible",
        "vi": "không tìm những thay đổi nhỏ nhất giúp hồ sơ bị từ chối trở nên đủ điều kiện"},
    "check.save": {"en": "interview: save the answers as an application file at PATH (JSON)",
                   "vi": "hỏi đáp: lưu các câu trả lời thành tệp hồ sơ tại PATH (JSON)"},
    # rules, schema
    "rules": {"en": "list, show and audit the rulebooks", "vi": "liệt kê, xem và kiểm tra các bộ quy tắc"},
    "rules.description": {"en": "Browse and audit the bundled rulebooks.",
                          "vi": "Tra cứu và kiểm tra các bộ quy tắc có sẵn."},
    "rules.list": {"en": "rulebooks and their activities", "vi": "các bộ quy tắc và nội dung hỗ trợ của chúng"},
    "rules.show": {"en": "one activity: who applies, conditions, levels, citations",
                   "vi": "một nội dung hỗ trợ: ai được đề nghị, điều kiện, mức hỗ trợ, căn cứ"},
    "rules.show.description": {
        "en": "Who may apply, the conditions checked, the support levels with value, unit, validity, citation "
              "and provenance.",
        "vi": "Ai được đề nghị, các điều kiện được xét, các mức hỗ trợ với giá trị, đơn vị, thời hạn hiệu lực, "
              "căn cứ và nguồn gốc."},
    "rules.audit": {"en": "every parameter with its provenance; exit 1 if a number lacks a citation",
                    "vi": "mọi tham số cùng nguồn gốc; thoát với mã 1 nếu một con số thiếu căn cứ"},
    "rules.audit.description": {
        "en": "List every parameter value with its provenance and citation, count them by provenance, and exit 1 "
              "if any number lacks a citation or a guidance or assumption value lacks its note. Exit 0 when all "
              "is cited.",
        "vi": "Liệt kê mọi giá trị tham số cùng nguồn gốc và căn cứ, đếm theo nguồn gốc, và thoát với mã 1 nếu "
              "một con số thiếu căn cứ hoặc một giá trị hướng dẫn hay giả định thiếu ghi chú. Thoát với mã 0 khi "
              "mọi thứ đều có căn cứ."},
    "rules.audit.rulebook": {"en": "audit this rulebook (repeatable; default: every bundled rulebook)",
                             "vi": "kiểm tra bộ quy tắc này (lặp lại được; mặc định: mọi bộ có sẵn)"},
    "rules.audit.quiet": {"en": "print only problems and the counts", "vi": "chỉ in các lỗi và số đếm"},
    "rules.rulebook": {"en": "bundled rulebook id or folder (default hanoi-2016-2020)",
                       "vi": "mã bộ quy tắc có sẵn hoặc thư mục (mặc định hanoi-2016-2020)"},
    "schema": {"en": "the JSON Schema of an application", "vi": "JSON Schema của một hồ sơ"},
    # diff
    "diff": {"en": "compare the decisions of two rulebooks on one population of applications",
             "vi": "so sánh kết quả xét của hai bộ quy tắc trên cùng một tập hồ sơ"},
    "diff.description": {
        "en": "Evaluate one population of applications (a JSON Lines corpus and/or generated ones) under two "
              "rulebooks and report eligibility flips with the criteria responsible, the change of support per "
              "activity, the budget impact and the parameters and rules that differ. OLD and NEW: a bundled id, "
              "a rulebook folder, ID@VERSION, or REV:PATH (a folder at a git revision).",
        "vi": "Xét một tập hồ sơ (tệp JSON Lines và/hoặc hồ sơ sinh ra) theo hai bộ quy tắc và báo cáo các hồ sơ "
              "đổi kết quả cùng tiêu chí gây ra, thay đổi mức hỗ trợ theo nội dung, tác động tới ngân sách và các "
              "tham số, quy tắc khác nhau. OLD và NEW: mã bộ có sẵn, thư mục bộ quy tắc, ID@VERSION, hoặc REV:PATH "
              "(một thư mục tại một phiên bản git)."},
    "diff.old": {"en": "the rulebook before the change", "vi": "bộ quy tắc trước khi thay đổi"},
    "diff.new": {"en": "the rulebook after the change", "vi": "bộ quy tắc sau khi thay đổi"},
    "diff.corpus": {"en": "applications, one JSON object a line (repeatable)",
                    "vi": "các hồ sơ, mỗi dòng một đối tượng JSON (lặp lại được)"},
    "diff.generate": {"en": "add N generated applications (default 500 when no corpus is given)",
                      "vi": "thêm N hồ sơ sinh ra (mặc định 500 khi không có tệp hồ sơ)"},
    "diff.seed": {"en": "seed of the generated applications (default 0)",
                  "vi": "hạt giống của các hồ sơ sinh ra (mặc định 0)"},
    "diff.activity": {"en": "generate applications for this activity only (repeatable)",
                      "vi": "chỉ sinh hồ sơ cho nội dung hỗ trợ này (lặp lại được)"},
    "diff.engine": {"en": "matching engine (both give the same decisions; native is faster)",
                    "vi": "bộ máy so khớp (cả hai cho cùng kết quả; native nhanh hơn)"},
    "diff.format": {"en": "report format (default text)", "vi": "dạng báo cáo (mặc định text)"},
    "diff.examples": {"en": "examples shown per list (text)", "vi": "số ví dụ trong mỗi danh sách (text)"},
    "diff.fail_on_change": {"en": "exit 1 when any decision differs (for CI)",
                            "vi": "thoát với mã 1 khi có kết quả khác nhau (cho CI)"},
    # batch
    "batch": {"en": "decide every application of a JSON Lines file, streaming",
              "vi": "xét mọi hồ sơ của một tệp JSON Lines, đọc đến đâu xét đến đó"},
    "batch.description": {
        "en": "Decide every application of a JSON Lines file (one application object a line) and write one "
              "decision a line. Bad lines are reported with their line number and skipped. Exit codes: 0 all "
              "lines decided, 2 some lines could not be decided or usage error.",
        "vi": "Xét mọi hồ sơ của một tệp JSON Lines (mỗi dòng một hồ sơ) và ghi mỗi dòng một kết quả. Dòng lỗi "
              "được báo cùng số dòng rồi bỏ qua. Mã thoát: 0 đã xét mọi dòng, 2 có dòng không xét được hoặc "
              "cách dùng sai."},
    "batch.output": {"en": "where to write decisions, one JSON object a line (default: stdout)",
                     "vi": "nơi ghi kết quả, mỗi dòng một đối tượng JSON (mặc định: stdout)"},
    "batch.on": {"en": "evaluate under the law in force on DATE (YYYY-MM-DD) instead of each application's date",
                 "vi": "xét theo quy định có hiệu lực ngày DATE (YYYY-MM-DD) thay cho ngày của từng hồ sơ"},
    "batch.engine": {
        "en": "durable: durable-rules (default); native: generated Python, identical decisions, several times "
              "faster (see docs/performance.md)",
        "vi": "durable: durable-rules (mặc định); native: mã Python sinh ra, cùng kết quả, nhanh hơn vài lần "
              "(xem docs/performance.md)"},
    "batch.jobs": {"en": "decide in N processes (JSON Lines in and out; default 1): the same output, in order",
                   "vi": "xét bằng N tiến trình (JSON Lines vào và ra; mặc định 1): cùng kết quả, cùng thứ tự"},
    "batch.no_explain": {
        "en": "leave out the sentences (reason texts, computation texts, summary): same outcomes, amounts and "
              "citations, much faster",
        "vi": "bỏ các câu giải thích (lý do, cách tính, tóm tắt): cùng kết quả, số tiền và căn cứ, nhanh hơn nhiều"},
    # plan
    "plan": {"en": "rank applications by the legal priority order and allocate a budget, with reasons",
             "vi": "xếp hạng hồ sơ theo thứ tự ưu tiên của pháp luật và phân bổ ngân sách, có lý do"},
    "plan.description": {
        "en": "Evaluate every application, rank the eligible ones by the rulebook's priority order (TT 46/2012 "
              "Article 6 clause 3) and allocate the budget down the ranking, within the program targets still open "
              "and the per-establishment limits. Every application gets its rank, its allocation and why. Exit "
              "codes: 0 a plan was made, 2 invalid input or usage.",
        "vi": "Xét mọi hồ sơ, xếp hạng các hồ sơ đủ điều kiện theo thứ tự ưu tiên của bộ quy tắc (TT 46/2012 "
              "Điều 6 khoản 3) và phân bổ ngân sách theo thứ hạng, trong phạm vi mục tiêu Chương trình còn lại và "
              "giới hạn cho mỗi cơ sở. Mỗi hồ sơ có thứ hạng, số được bố trí và lý do. Mã thoát: 0 đã lập kế "
              "hoạch, 2 dữ liệu vào hoặc cách dùng sai."},
    "plan.budget": {"en": "the budget of the plan in whole đồng, e.g. 32000000000 or 32.000.000.000",
                    "vi": "ngân sách của kế hoạch, số đồng chẵn, ví dụ 32000000000 hoặc 32.000.000.000"},
    "plan.year": {"en": "the plan year, e.g. 2017", "vi": "năm kế hoạch, ví dụ 2017"},
    "plan.policy": {
        "en": "the application that does not fit the budget left: skip it and go on, give it the remainder "
              "(partial), or stop; default: the rulebook's [plan] policy",
        "vi": "với hồ sơ vượt quá ngân sách còn lại: bỏ qua và xét tiếp (skip), cấp phần còn lại (partial), "
              "hoặc dừng (stop); mặc định: chính sách [plan] của bộ quy tắc"},
    "plan.achieved": {
        "en": "what the program achieved before this plan (JSON or TOML): "
              '{"3.3-machinery": {"count": 12, "amount_vnd": 2400000000}, ...}',
        "vi": "những gì Chương trình đã đạt trước kế hoạch này (JSON hoặc TOML): "
              '{"3.3-machinery": {"count": 12, "amount_vnd": 2400000000}, ...}'},
    "plan.targets": {
        "en": "units this plan may fund per activity, overriding what the program targets leave open "
              '(JSON or TOML): {"3.3-machinery": 10}',
        "vi": "số đơn vị kế hoạch này được hỗ trợ theo từng nội dung, thay cho phần mục tiêu Chương trình còn "
              'lại (JSON hoặc TOML): {"3.3-machinery": 10}'},
    "plan.effectiveness": {
        "en": "the official's effectiveness and urgency rank of cleaner-production applications "
              '(JSON or TOML): {"application-id": 1, ...}; 1 first',
        "vi": "thứ hạng hiệu quả và mức cấp thiết do cán bộ chấm cho các hồ sơ sản xuất sạch hơn "
              '(JSON hoặc TOML): {"application-id": 1, ...}; 1 là đầu tiên'},
    "plan.top": {"en": "text report: show only the first N applications (all by default)",
                 "vi": "báo cáo text: chỉ hiện N hồ sơ đầu (mặc định hiện tất cả)"},
    "plan.engine": {"en": "how criteria are matched; both give identical decisions, native is faster",
                    "vi": "cách so khớp tiêu chí; cả hai cho cùng kết quả, native nhanh hơn"},
    # docs
    "docs": {"en": "generate the rulebook reference (Markdown, vi and en) from the rule files",
             "vi": "sinh tài liệu tra cứu bộ quy tắc (Markdown, vi và en) từ các tệp quy tắc"},
    "docs.description": {
        "en": "Generate, from the rule files, a Markdown reference per rulebook in Vietnamese and English: per "
              "activity who applies and who benefits, every condition in plain words, every level with value, "
              "unit, validity, citation and provenance, and a decision diagram. With --check, write nothing and "
              "exit 1 if the files differ.",
        "vi": "Sinh từ các tệp quy tắc một tài liệu tra cứu Markdown cho mỗi bộ quy tắc, bằng tiếng Việt và "
              "tiếng Anh: với mỗi nội dung hỗ trợ, ai được đề nghị và ai thụ hưởng, mọi điều kiện bằng lời thường, "
              "mọi mức hỗ trợ với giá trị, đơn vị, hiệu lực, căn cứ và nguồn gốc, và một sơ đồ xét. Với --check, "
              "không ghi gì và thoát với mã 1 nếu các tệp khác nhau."},
    "docs.rulebook": {"en": "bundled rulebook id or rulebook folder (default: every bundled rulebook)",
                      "vi": "mã bộ quy tắc có sẵn hoặc thư mục bộ quy tắc (mặc định: mọi bộ có sẵn)"},
    "docs.out": {"en": "folder of the reference pages (default: docs/reference)",
                 "vi": "thư mục của các trang tra cứu (mặc định: docs/reference)"},
    "docs.check": {"en": "write nothing; exit 1 when a page is missing or differs from the rule files",
                   "vi": "không ghi gì; thoát với mã 1 khi một trang bị thiếu hoặc khác với tệp quy tắc"},
    # serve
    "serve": {"en": "serve the JSON API and the web form over HTTP",
              "vi": "phục vụ API JSON và biểu mẫu web qua HTTP"},
    "serve.description": {
        "en": "Serve the JSON API (/v1, interactive documentation at /v1/docs) and the web form (/) for the "
              "given rulebooks. Needs: pip install 'kcrules[web]'.",
        "vi": "Phục vụ API JSON (/v1, tài liệu tương tác tại /v1/docs) và biểu mẫu web (/) cho các bộ quy tắc "
              "đã chọn. Cần: pip install 'kcrules[web]'."},
    "serve.host": {
        "en": "address to listen on (default 127.0.0.1: this machine only; put a reverse proxy in front rather "
              "than listening on every address)",
        "vi": "địa chỉ lắng nghe (mặc định 127.0.0.1: chỉ máy này; hãy đặt một reverse proxy phía trước thay vì "
              "lắng nghe trên mọi địa chỉ)"},
    "serve.port": {"en": "port (default 8000)", "vi": "cổng (mặc định 8000)"},
    "serve.rulebook": {
        "en": "bundled rulebook id or rulebook folder to serve; repeat for several (default hanoi-2016-2020); "
              "the first is the form's default",
        "vi": "mã bộ quy tắc có sẵn hoặc thư mục bộ quy tắc để phục vụ; lặp lại cho nhiều bộ (mặc định "
              "hanoi-2016-2020); bộ đầu tiên là mặc định của biểu mẫu"},
    "serve.workers": {"en": "worker processes (default 1)", "vi": "số tiến trình xử lý (mặc định 1)"},
    "serve.log_level": {"en": "how much the server logs (default info)",
                        "vi": "mức ghi nhật ký của máy chủ (mặc định info)"},
    # added with --version, schema, progress, rules show and the spreadsheets
    "version": {"en": "print the version of kcrules, of its bundled rulebooks and of Python, and exit",
                "vi": "in phiên bản của kcrules, của các bộ quy tắc có sẵn và của Python, rồi thoát"},
    "rules.show.activity2": {
        "en": "activity id (see `kcrules rules list`), the start of one (3.3), or its name",
        "vi": "mã nội dung (xem `kcrules rules list`), phần đầu của một mã (3.3), hoặc tên nội dung"},
    "schema.description2": {
        "en": "Print the JSON Schema of an application: every code field lists the rulebook's codes as oneOf "
              "const (the id) and title (its name), for a form generator's drop-downs.",
        "vi": "In JSON Schema của một hồ sơ: mỗi trường mã liệt kê các mã của bộ quy tắc dưới dạng oneOf const "
              "(mã) và title (tên), để công cụ tạo biểu mẫu dựng danh sách chọn."},
    "progress": {
        "en": "a progress line on stderr: count, rate, share and time left (default: only when stderr is a "
              "terminal)",
        "vi": "một dòng tiến độ trên stderr: số hồ sơ, tốc độ, phần đã xong và thời gian còn lại (mặc định: chỉ "
              "khi stderr là terminal)"},
    "batch.input2": {
        "en": "applications, one JSON object a line ('-' reads stdin); or a .csv or .xlsx sheet of "
              "applications, one a row",
        "vi": "các hồ sơ, mỗi dòng một đối tượng JSON ('-' đọc từ stdin); hoặc một bảng tính .csv hay .xlsx, "
              "mỗi dòng một hồ sơ"},
    "batch.format": {
        "en": "jsonl: one decision a JSON line; csv, xlsx: one row per application for a spreadsheet "
              "(xlsx needs pip install 'kcrules[xlsx]'); default: by OUT's extension, else jsonl",
        "vi": "jsonl: mỗi dòng JSON một quyết định; csv, xlsx: mỗi hồ sơ một dòng của bảng tính "
              "(xlsx cần pip install 'kcrules[xlsx]'); mặc định theo đuôi của OUT, nếu không thì jsonl"},
    "plan.input2": {
        "en": "applications, JSON Lines (one per line) or a JSON array; '-' reads stdin; or a .csv or .xlsx "
              "sheet, one application a row (see kcrules template)",
        "vi": "các hồ sơ, JSON Lines (mỗi dòng một hồ sơ) hoặc một mảng JSON; '-' đọc từ stdin; hoặc một bảng "
              "tính .csv hay .xlsx, mỗi dòng một hồ sơ (xem kcrules template)"},
    "plan.format2": {
        "en": "text: a readable report (default); json: the plan as the library serialises it; csv, xlsx: the "
              "plan as an annual plan table (xlsx also a summary and the ranking order; needs pip install "
              "'kcrules[xlsx]')",
        "vi": "text: báo cáo để đọc (mặc định); json: kế hoạch đúng như thư viện xuất ra; csv, xlsx: kế hoạch "
              "dạng bảng kế hoạch năm (xlsx có thêm trang tổng hợp và thứ tự xếp hạng; cần pip install "
              "'kcrules[xlsx]')"},
    "plan.output": {"en": "where to write the plan (default: stdout; xlsx needs a file)",
                    "vi": "nơi ghi kế hoạch (mặc định: màn hình; xlsx cần một tệp)"},
    "template": {"en": "write the spreadsheet template (xlsx, csv) for applications, one a row, for kcrules batch",
                 "vi": "ghi bảng tính mẫu (xlsx, csv) để khai hồ sơ, mỗi dòng một hồ sơ, cho kcrules batch"},
    "template.description": {
        "en": "Write the spreadsheet template: row 1 the field names, row 2 the column names, one example row; "
              "the xlsx also has a sheet explaining each column (kind of value, codes allowed). Exit codes: 0 "
              "written, 2 usage error.",
        "vi": "Ghi bảng tính mẫu: dòng 1 là tên trường, dòng 2 là tên cột, một dòng ví dụ; bản xlsx có thêm "
              "trang giải thích từng cột (kiểu giá trị, mã được phép). Mã thoát: 0 đã ghi, 2 lỗi cách dùng."},
    "template.output": {"en": "the file to write (csv: '-' writes to stdout)",
                        "vi": "tệp cần ghi (csv: '-' ghi ra màn hình)"},
    "template.format": {
        "en": "xlsx (needs pip install 'kcrules[xlsx]') or csv; default: by FILE's extension, else xlsx",
        "vi": "xlsx (cần pip install 'kcrules[xlsx]') hoặc csv; mặc định theo đuôi của FILE, nếu không thì xlsx"},
    "template.activity": {"en": "only the columns this activity needs (e.g. 3.3-machinery)",
                          "vi": "chỉ các cột mà nội dung này cần (vd. 3.3-machinery)"},
    "check.verbose": {"en": "also show each criterion's id and its condition as written in the rule files",
                      "vi": "in thêm mã của từng tiêu chí và điều kiện đúng như tệp quy tắc viết"},
    "rules.show.verbose": {"en": "also show ids, each condition as written in the rule files, and parameter ids",
                           "vi": "in thêm các mã, từng điều kiện đúng như tệp quy tắc viết, và mã tham số"},
})

_HELP_VI = {texts["en"]: texts["vi"] for texts in HELP.values()}


def localise(parser: argparse.ArgumentParser, lang: str) -> None:
    """Every parser under ``parser`` in ``lang``: its descriptions and helps, and a ``--lang`` defaulting to ``lang``."""
    for p in _parsers(parser):
        if not any(a.dest == "lang" for a in p._actions):
            p.add_argument("--lang", choices=LANGS)
        for action in p._actions:
            if action.dest == "lang":
                action.default, action.help = lang, HELP["lang"]["en"]
        if lang != "en":
            p.description = _HELP_VI.get(p.description or "", p.description)
            for action in p._actions:
                if action.help and action.help is not argparse.SUPPRESS:
                    action.help = _HELP_VI.get(action.help, action.help)
                for pseudo in getattr(action, "_choices_actions", ()):  # a subcommand's line in its parent's help
                    pseudo.help = _HELP_VI.get(pseudo.help, pseudo.help)


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            seen: set[int] = set()
            for sub in action.choices.values():
                if id(sub) not in seen:  # an alias names the same parser twice
                    seen.add(id(sub))
                    yield from _parsers(sub)


def untranslated(parser: argparse.ArgumentParser) -> list[str]:
    """The descriptions and helps under ``parser`` (built in en) that have no Vietnamese: for the test."""
    texts = []
    for p in _parsers(parser):
        texts.append(p.description)
        for action in p._actions:
            if not isinstance(action, argparse._HelpAction):  # argparse's own, worded in ARGPARSE
                texts.append(action.help)
            texts += [pseudo.help for pseudo in getattr(action, "_choices_actions", ())]
    return [t for t in texts if t and t is not argparse.SUPPRESS and t not in _HELP_VI]


#: The command's own messages: its errors, and the words for the operating system's common errors.
CLI = Catalogue("cli", {
    "error": {"vi": "kcrules: lỗi: {message}", "en": "kcrules: error: {message}"},
    "internal": {"vi": "kcrules: lỗi bên trong chương trình: {kind}: {detail} (chạy lại với --debug để xem chi tiết)",
                 "en": "kcrules: internal error: {kind}: {detail} (run with --debug for details)"},
    "interrupted": {"vi": "đã dừng", "en": "interrupted"},
    "too_large_application": {
        "vi": "{name} lớn hơn {mib} MiB, lớn hơn mọi hồ sơ có thể có; hãy kiểm tra đó có đúng là tệp cần dùng",
        "en": "{name} is larger than {mib} MiB, more than an application can be; check that it is the right "
              "file"},
    "too_large_call": {
        "vi": "{name} lớn hơn {mib} MiB, lớn hơn mọi đợt nhận hồ sơ có thể có; hãy kiểm tra đó có đúng là tệp cần "
              "dùng",
        "en": "{name} is larger than {mib} MiB, more than a call for proposals can be; check that it is the right "
              "file"},
    "too_large_file": {
        "vi": "{name} lớn hơn {mib} MiB, lớn hơn mọi tệp {option} có thể có; hãy kiểm tra đó có đúng là tệp cần dùng",
        "en": "{name} is larger than {mib} MiB, more than a {option} file can be; check that it is the right file"},
    "xlsx_stdout": {"vi": "xlsx là tệp nhị phân: hãy ghi ra tệp với -o FILE.xlsx",
                    "en": "xlsx is a binary file: write it to a file with -o FILE.xlsx"},
    "not_a_date": {"vi": "{text} không phải ngày: hãy viết YYYY-MM-DD, ví dụ 2017-05-10",
                   "en": "{text} is not a date: write YYYY-MM-DD, e.g. 2017-05-10"},
    "not_a_count": {"vi": "{text} không phải một số nguyên từ 1 trở lên, ví dụ 2",
                    "en": "{text} is not a whole number of 1 or more, e.g. 2"},
})


def os_error(err: OSError, lang: str) -> str:
    """What went wrong with a file, in ``lang``, and which file."""
    reason = os_reason(err).text(lang)
    return f"{reason}: {err.filename}" if err.filename else reason


def say(key: str, lang: str, **values: Any) -> str:
    return CLI(key, lang, **values)
