"""The words of the reference pages, in Vietnamese and English: (vi, en) pairs by key."""

from __future__ import annotations

from kcrules.text.conditions import CONDITION_WORDS

#: Words inside sentences: conditions (shared with the reports), values, provenance badges, diagram labels.
WORDS: dict[str, tuple[str, str]] = {
    **CONDITION_WORDS,
    "guidance": ("⚠ hướng dẫn trung ương", "⚠ national guidance"),
    "assumption": ("⚠ giả định", "⚠ assumption"),
    "law": ("văn bản pháp luật", "law"),
    "program": ("văn bản chương trình", "program text"),
    "from": ("từ {a}", "from {a}"),
    "from_until": ("từ {a} đến trước {b}", "from {a} until before {b}"),
    "unit.vnd": ("đồng", "đồng (VND)"),
    "unit.percent": ("%", "%"),
    "unit.ratio": ("hệ số", "ratio"),
    "unit.count": ("số lượng", "count"),
    "unit.days": ("ngày", "days"),
    "unit.months": ("tháng", "months"),
    "unit.years": ("năm", "years"),
    "unit.date": ("ngày tháng", "date"),
}

#: Headings and sentences of the page.
TEXTS: dict[str, tuple[str, str]] = {
    "generated": (
        "Trang này được sinh tự động từ các tệp luật `rules/{folder}/` bằng lệnh `kcrules docs`; "
        "đừng sửa tay — hãy sửa tệp luật rồi chạy lại lệnh.",
        "This page is generated from the rule files `rules/{folder}/` by `kcrules docs`; do not edit it "
        "by hand — change the rule files and run the command again.",
    ),
    "other_lang": ("English version: [{file}]({file}).", "Bản tiếng Việt: [{file}]({file})."),
    "chain": ("Chuỗi sổ luật (gốc trước)", "Rulebook chain (root first)"),
    "abstract": (
        "Sổ luật này là **trừu tượng**: nó định nghĩa tiêu chí, tham số, nhóm và thứ tự ưu tiên dùng chung, "
        "nhưng không có nội dung hỗ trợ nào; một sổ luật chương trình (ví dụ `hanoi-2016-2020`) mở rộng nó.",
        "This rulebook is **abstract**: it defines shared criteria, parameters, groups and the priority order "
        "but no activity; a program rulebook (e.g. `hanoi-2016-2020`) extends it.",
    ),
    "legend": ("Cách đọc", "How to read this page"),
    "legend_text": (
        "- **{guidance}**: mức của văn bản trung ương (TTLT 26/2014/TTLT-BTC-BCT Điều 6 khoản 2) dùng làm "
        "hướng dẫn, chưa phải mức của Hà Nội (QĐ 27/2015/QĐ-UBND, chưa có văn bản tại đây).\n"
        "- **{assumption}**: giả định chờ xác nhận; mọi quyết định dùng đến nó đều cảnh báo.\n"
        "- Thời hạn hiệu lực của một mức là nửa mở: *từ* ngày đầu, *đến trước* ngày cuối.\n"
        "- Một điều kiện so sánh với dữ liệu không được khai thì không đạt (cả điều kiện ngược lại cũng vậy); "
        "tiêu chí có phần *chỉ áp dụng khi* là *không áp dụng* nếu phần đó không đúng.",
        "- **{guidance}**: a level of the national text (TTLT 26/2014/TTLT-BTC-BCT Article 6(2)) used as "
        "guidance, not Hanoi's own level (QĐ 27/2015/QĐ-UBND, whose text is not available here).\n"
        "- **{assumption}**: an assumption pending confirmation; every decision that uses it warns.\n"
        "- Validity periods are half-open: *from* the first day, *until before* the last.\n"
        "- A comparison with a fact that was not given is not met (nor is its opposite); a criterion with an "
        "*applies only when* part is *not applicable* when that part is false.",
    ),
    "contents": ("Mục lục", "Contents"),
    "program": ("Chương trình", "Program"),
    "program_text": ("Thời gian: {period}. Tổng kinh phí: {budget}. Căn cứ: {cite}.",
                     "Period: {period}. Total budget: {budget}. Source: {cite}."),
    "activities": ("Các nội dung hỗ trợ", "Activities"),
    "act_table": ("| Nội dung | Tên | Đơn vị đề nghị | Cách tính hỗ trợ | Chỉ tiêu |",
                  "| Activity | Name | Applicants | Support | Target |"),
    "method.share": ("tỷ lệ × chi phí", "share × cost"),
    "method.full": ("theo chi phí được duyệt", "approved cost"),
    "source": ("Căn cứ", "Source"),
    "who_applies": ("Ai đề nghị", "Who applies"),
    "who_benefits": ("Ai hưởng lợi", "Who benefits"),
    "benefits_yes": (
        "Một cơ sở công nghiệp nông thôn hưởng lợi trực tiếp: hồ sơ phải khai `establishment` và cơ sở phải "
        "đạt các tiêu chí cơ sở hưởng lợi dưới đây.",
        "A rural-industry establishment benefits directly: the application must describe the `establishment`, "
        "which must meet the beneficiary criteria below.",
    ),
    "benefits_no": (
        "Không có cơ sở hưởng lợi trực tiếp: đơn vị đề nghị tổ chức thực hiện nội dung này.",
        "No establishment benefits directly: the applicant carries out the activity.",
    ),
    "requires": ("Dữ liệu bắt buộc phải khai", "Facts the application must give"),
    "requires_when": ("Dữ liệu bắt buộc phải khai khi {x}", "Facts the application must give when {x}"),
    "stage.entry": ("1. Thời gian và đơn vị đề nghị", "1. Period and applicant"),
    "stage.beneficiary": ("2. Tiêu chí cơ sở hưởng lợi", "2. Beneficiary criteria"),
    "stage.funding": ("3. Điều kiện được hỗ trợ kinh phí", "3. Conditions for any funding"),
    "stage.activity": ("4. Điều kiện riêng của nội dung", "4. Conditions of this activity"),
    "stage.support": ("5. Mức hỗ trợ", "5. Support"),
    "stage.priority": ("Tiêu chí ưu tiên (xếp thứ tự, không loại hồ sơ)",
                       "Priority criteria (rank applications, never refuse one)"),
    "stage.target": ("Chỉ tiêu của Chương trình", "Program target"),
    "stage.diagram": ("Sơ đồ quyết định", "Decision diagram"),
    "none": ("Không có.", "None."),
    "period_crit": ("Hồ sơ nộp trong thời gian chương trình: {x}.", "The application date is within the program: {x}."),
    "applicant_crit": ("Loại đơn vị đề nghị là một trong: {x}.", "The kind of applicant is one of: {x}."),
    "applies_when": ("Chỉ áp dụng khi", "Applies only when"),
    "condition": ("Điều kiện", "Condition"),
    "tier": ("nhóm ưu tiên", "priority tier"),
    "explain": ("Giải thích trong quyết định", "Explanation in the decision"),
    "support.base": ("Chi phí tính hỗ trợ", "Cost supported"),
    "support.share": ("Tỷ lệ hỗ trợ", "Share"),
    "support.caps": ("Mức trần", "Ceiling"),
    "support.uplift": (
        "Đề án ưu tiên: các mức trần nhân với {x} khi đề án đạt một tiêu chí thuộc nhóm ưu tiên {tiers} "
        "(tỷ lệ không đổi).",
        "Priority project: the ceilings are multiplied by {x} when the project meets a criterion of the "
        "priority tiers {tiers} (the share does not change).",
    ),
    "support.formula_share": (
        "Công thức: **hỗ trợ = nhỏ nhất của (tỷ lệ × chi phí{caps}, chi phí, số tiền đề nghị nếu có)**, "
        "làm tròn xuống đến đồng.",
        "Formula: **support = the smallest of (share × cost{caps}, the cost, the amount requested if given)**, "
        "rounded down to the whole đồng.",
    ),
    "support.caps_in_formula": (", mức trần", ", the ceiling"),
    "support.full": (
        "Hỗ trợ theo chi phí được duyệt, chỉ giới hạn bởi chi phí và số tiền đề nghị (nếu có). "
        "**{badge}: không có mức hỗ trợ cụ thể tại đây**; mọi quyết định đủ điều kiện đều cảnh báo điều này.",
        "Support at the approved cost, bounded only by the cost and the amount requested (if given). "
        "**{badge}: no support level is known here**; every eligible decision warns of it.",
    ),
    "note": ("Ghi chú", "Note"),
    "target_text": ("{count} {unit} ({prov}; {cite}).", "{count} {unit} ({prov}; {cite})."),
    "criteria_all": ("Các tiêu chí", "Criteria"),
    "criteria_unused": ("Tiêu chí không dùng trong nội dung nào", "Criteria no activity uses"),
    "groups": ("Nhóm tiêu chí", "Criterion groups"),
    "groups_text": ("Một nội dung ghi `@tên_nhóm` để dùng mọi tiêu chí của nhóm.",
                    "An activity writes `@group_name` to use every criterion of a group."),
    "priority": ("Thứ tự ưu tiên", "Order of priority"),
    "priority_text": (
        "Các nhóm được so sánh lần lượt. Nhóm *đạt tiêu chí đầu tiên*: tiêu chí có thứ tự nhỏ hơn đứng trước. "
        "Nhóm *đếm*: đạt nhiều tiêu chí hơn đứng trước. Nhóm có *nâng mức* làm đề án thành đề án ưu tiên "
        "(mức trần nhân hệ số).",
        "Tiers are compared in turn. A *first met* tier: the criterion with the lower order ranks first. "
        "A *count* tier: more criteria met ranks first. A tier with *uplift* makes a priority project "
        "(ceilings multiplied by the ratio).",
    ),
    "tier_table": ("| Nhóm | Tên | Cách so | Nâng mức | Căn cứ | Tiêu chí (thứ tự) |",
                   "| Tier | Name | Mode | Uplift | Source | Criteria (order) |"),
    "mode.first_met": ("đạt tiêu chí đầu tiên", "first met"),
    "mode.count": ("đếm", "count"),
    "parameters": ("Tham số (các mức)", "Parameters (levels)"),
    "param_table": ("| Tham số | Đơn vị | Giá trị | Hiệu lực | Nguồn gốc | Căn cứ | Ghi chú |",
                    "| Parameter | Unit | Value | Valid | Provenance | Source | Note |"),
    "overrides": ("thay mức của `{x}`", "overrides `{x}`"),
    "derived": ("Dữ kiện suy ra", "Derived facts"),
    "derived_text": ("Tính từ hồ sơ trước khi xét tiêu chí.", "Computed from the application before the criteria are checked."),
    "codes": ("Bảng mã", "Code tables"),
    "code_table": ("| Mã | Tên | Tên khác | Thuộc tính |", "| Code | Name | Other names | Attributes |"),
    "sources": ("Văn bản căn cứ", "Legal sources"),
    "source_table": ("| Khóa | Văn bản | Tên đầy đủ | Hiệu lực từ | Ghi chú |",
                     "| Key | Document | Full title | In force from | Note |"),
    "d.start": ("Hồ sơ: {x}", "Application: {x}"),
    "d.entry": ("Trong thời gian chương trình và đơn vị đề nghị là: {x}?",
                "Within the program period, and the applicant is: {x}?"),
    "d.entry_abstract": ("Đơn vị đề nghị là: {x}?", "Applicant is: {x}?"),
    "d.count": ("{n} tiêu chí (xem mục {s})", "{n} criteria (see section {s})"),
    "d.no": ("không", "no"),
    "d.yes": ("có", "yes"),
    "d.refused": ("Không đủ điều kiện: hỗ trợ 0 ₫, nêu tiêu chí không đạt",
                  "Not eligible: support 0 ₫, failed criteria listed"),
    "d.share": ("Hỗ trợ = nhỏ nhất của: {share} × chi phí{caps}; chi phí; số đề nghị",
                "Support = smallest of: {share} × cost{caps}; cost; amount requested"),
    "d.cap": ("; trần {cap}", "; ceiling {cap}"),
    "d.uplift": (" (× {x} nếu đề án ưu tiên)", " (× {x} for a priority project)"),
    "d.full": ("Hỗ trợ = chi phí được duyệt (không có mức cụ thể ⚠); không quá số đề nghị",
               "Support = approved cost (no level known ⚠); at most the amount requested"),
    "d.priority": ("Ưu tiên: {x}", "Priority: {x}"),
    "d.decision": ("Quyết định: đủ điều kiện, số tiền hỗ trợ, thứ tự ưu tiên, lý do, cảnh báo",
                   "Decision: eligible, amount, priority rank, reasons, warnings"),
}
