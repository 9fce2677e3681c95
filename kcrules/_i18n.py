"""Vietnamese and English wording, and number, money and date formatting (babel)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from functools import lru_cache
from typing import Any

LOCALES = {"vi": "vi_VN", "en": "en_US"}

#: The library's own sentences; rule-specific wording lives in the rule files.
MESSAGES: dict[str, dict[str, str]] = {
    "met": {"vi": "đạt", "en": "met"},
    "not_met": {"vi": "không đạt", "en": "not met"},
    "not_applicable": {"vi": "không áp dụng", "en": "not applicable"},
    "found": {"vi": "Thực tế", "en": "Found"},
    "required": {"vi": "Yêu cầu", "en": "Required"},
    "eligible": {"vi": "Đủ điều kiện hỗ trợ", "en": "Eligible for support"},
    "ineligible": {"vi": "Không đủ điều kiện hỗ trợ", "en": "Not eligible for support"},
    "support": {"vi": "mức hỗ trợ tối đa", "en": "maximum support"},
    "base": {"vi": "Chi phí được hỗ trợ ({field})", "en": "Eligible cost ({field})"},
    "share": {"vi": "Tỷ lệ hỗ trợ {share} × {base}", "en": "Share {share} × {base}"},
    "full": {"vi": "Hỗ trợ theo chi phí được duyệt (không có tỷ lệ)", "en": "Support at the approved cost (no share)"},
    "cap": {"vi": "Mức trần: {label}", "en": "Ceiling: {label}"},
    "uplift": {"vi": "Mức trần nhân {ratio} (đề án ưu tiên): {label}",
               "en": "Ceiling × {ratio} (priority project): {label}"},
    "requested": {"vi": "Số tiền đề nghị hỗ trợ", "en": "Amount requested"},
    "result": {"vi": "Kết quả (số nhỏ nhất, làm tròn xuống đến đồng)",
               "en": "Result (the smallest bound, rounded down to the đồng)"},
    "not_eligible_zero": {"vi": "Không đủ điều kiện nên không được hỗ trợ",
                          "en": "Not eligible, so no support"},
    "rounding": {"vi": "Làm tròn xuống đến đồng sau mỗi phép nhân tỷ lệ",
                 "en": "Rounded down to the whole đồng after each multiplication by a share or ratio"},
    "priority_none": {"vi": "Không thuộc diện ưu tiên", "en": "No priority criterion met"},
    "priority_met": {"vi": "Ưu tiên: {items}", "en": "Priority: {items}"},
    "warning_guidance": {
        "vi": "{label} = {value}: mức hướng dẫn của trung ương, chưa phải mức của Hà Nội. {note}",
        "en": "{label} = {value}: a national guidance level, not Hanoi's own. {note}",
    },
    "warning_assumption": {
        "vi": "{label} = {value}: giả định chờ xác nhận. {note}",
        "en": "{label} = {value}: an assumption pending confirmation. {note}",
    },
    "warning_rule_assumption": {
        "vi": "Tiêu chí {label} dựa trên giả định chờ xác nhận: {note}",
        "en": "Criterion {label} rests on an assumption pending confirmation: {note}",
    },
    "warning_no_level": {
        "vi": "Không có mức hỗ trợ cụ thể tại đây: hỗ trợ chỉ giới hạn bởi chi phí được duyệt và số tiền đề nghị. {note}",
        "en": "No support level is known here: support is bounded only by the approved cost and the amount asked. {note}",
    },
    "summary_yes": {"vi": "{verdict}: {amount} ({activity}).", "en": "{verdict}: {amount} ({activity})."},
    "summary_no": {"vi": "{verdict} ({activity}): {failed}.", "en": "{verdict} ({activity}): {failed}."},
}


def msg(key: str, lang: str, **values: str) -> str:
    return MESSAGES[key][lang].format(**values)


@lru_cache(maxsize=4)
def _locale(lang: str) -> Any:
    from babel import Locale

    return Locale.parse(LOCALES[lang])


def money(amount: int, lang: str) -> str:
    """Whole đồng in the locale's style: vi 1.500.000.000 ₫, en ₫1,500,000,000."""
    from babel.numbers import format_currency

    return format_currency(amount, "VND", locale=_locale(lang), format_type="standard",
                           currency_digits=True)


def number(value: int | Fraction, lang: str) -> str:
    from babel.numbers import format_decimal

    if isinstance(value, Fraction):
        from decimal import Decimal

        value = Decimal(value.numerator) / Decimal(value.denominator)  # type: ignore[assignment]
    return format_decimal(value, locale=_locale(lang))


def percent(value: Fraction, lang: str) -> str:
    from decimal import Decimal

    from babel.numbers import format_percent

    return format_percent(Decimal(value.numerator) / Decimal(value.denominator), locale=_locale(lang),
                          decimal_quantization=False)


def date(value: dt.date, lang: str) -> str:
    from babel.dates import format_date

    return format_date(value, format="short" if lang == "en" else "dd/MM/yyyy", locale=_locale(lang))
