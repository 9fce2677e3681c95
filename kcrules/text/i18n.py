"""Vietnamese and English wording, and number, money and date formatting (babel)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from fractions import Fraction
from functools import lru_cache
from typing import Any

from kcrules.util.catalogue import CATALOGUES, LANGS, Catalogue

LOCALES = {"vi": "vi_VN", "en": "en_US"}

#: The library's own sentences; rule-specific wording lives in the rule files.
MESSAGES = Catalogue("text.i18n", {
    "met": {"vi": "đạt", "en": "met"},
    "not_met": {"vi": "không đạt", "en": "not met"},
    "not_applicable": {"vi": "không áp dụng", "en": "not applicable"},
    "found": {"vi": "Thực tế", "en": "Found"},
    "required": {"vi": "Yêu cầu", "en": "Required"},
    "eligible": {"vi": "Đủ điều kiện hỗ trợ", "en": "Eligible for support"},
    "ineligible": {"vi": "Không đủ điều kiện hỗ trợ", "en": "Not eligible for support"},
    "support": {"vi": "mức hỗ trợ tối đa", "en": "maximum support"},
    "share": {"vi": "Tỷ lệ hỗ trợ {share} × {base}", "en": "Share {share} × {base}"},
    "full": {"vi": "Hỗ trợ theo chi phí được duyệt (không có tỷ lệ)", "en": "Support at the approved cost (no share)"},
    "cap": {"vi": "Mức trần: {label}", "en": "Ceiling: {label}"},
    "uplift": {"vi": "Mức trần: {label}: {cap} × {ratio} (mức ưu tiên được phê duyệt) = {amount}",
               "en": "Ceiling: {label}: {cap} × {ratio} (approved priority level) = {amount}"},
    "approved_level": {"vi": "Áp dụng mức ưu tiên {ratio} lần mức trần do {by} phê duyệt tại {decision} "
                             "(tối đa {max} lần, {cite})",
                       "en": "Approved priority level {ratio} × the ceilings applied, approved by {by} in {decision} "
                             "(at most {max} ×, {cite})"},
    "approved_level_not_priority": {
        "vi": "Mức ưu tiên {ratio} lần do {by} phê duyệt ({decision}) không được áp dụng: đề án không đạt tiêu chí "
              "địa bàn hay ngành nghề ưu tiên nào ({cite}); áp dụng mức trần thông thường",
        "en": "The priority level {ratio} × approved by {by} ({decision}) is not applied: the project meets no "
              "priority area or sector criterion ({cite}); the normal ceilings apply"},
    "could_approve": {"vi": "Thông tin: đề án thuộc địa bàn, ngành nghề ưu tiên nên có thể được cấp có thẩm quyền "
                            "phê duyệt mức hỗ trợ tới {max} lần mức trần ({cite}); chưa có mức được phê duyệt nên "
                            "không áp dụng",
                      "en": "Information: a priority area or sector project may be approved for up to {max} × the "
                            "ceilings ({cite}); no approved level is given, so none is applied"},
    "requested": {"vi": "Số tiền đề nghị hỗ trợ", "en": "Amount requested"},
    "result": {"vi": "Kết quả (số nhỏ nhất, làm tròn xuống đến đồng; giới hạn bởi {bound})",
               "en": "Result (the smallest bound, rounded down to the đồng; bounded by {bound})"},
    "bound_share": {"vi": "tỷ lệ hỗ trợ", "en": "the share of the cost"},
    "bound_eligible_cost": {"vi": "chi phí được hỗ trợ", "en": "the eligible cost"},
    "bound_requested": {"vi": "số tiền đề nghị hỗ trợ", "en": "the amount requested"},
    "bound_ineligible": {"vi": "không đủ điều kiện", "en": "not eligible"},
    "not_eligible_zero": {"vi": "Không đủ điều kiện nên không được hỗ trợ",
                          "en": "Not eligible, so no support"},
    "rounding": {"vi": "Làm tròn xuống đến đồng sau mỗi phép nhân tỷ lệ",
                 "en": "Rounded down to the whole đồng after each multiplication by a share or ratio"},
    "priority_none": {"vi": "Không thuộc diện ưu tiên", "en": "No priority criterion met"},
    "priority_order": {"vi": "Thứ tự ưu tiên (xét lần lượt): {items}", "en": "Order of priority (compared in turn): {items}"},
    "priority_tier_none": {"vi": "không có", "en": "none"},
    "priority_tier_count": {"vi": "đạt {n} tiêu chí — {items}", "en": "{n} met — {items}"},
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
})


def msg(key: str, lang: str, **values: str) -> str:
    return MESSAGES(key, lang, **values)


def msg_around(key: str, lang: str, hole: str, **values: str) -> tuple[str, str]:
    """The message's text before and after its one field ``hole``, the other fields filled in: a
    sentence written many times with only that field changing is ``before + value + after``."""
    before, after = MESSAGES[key][lang].split("{" + hole + "}")
    return before.format(**values), after.format(**values)


@lru_cache(maxsize=4)
def _locale(lang: str) -> Any:
    from babel import Locale

    return Locale.parse(LOCALES[lang])


# Babel's per-call cost dominates an explained decision, so whole amounts and
# numbers are written with the locale's pattern, read from babel once per
# language and checked against babel on several amounts; where the check fails
# (another locale's style), and for negative or fractional values, babel
# formats every value. Either way the text is babel's.

#: Per language: (prefix, group separator, suffix) of money and of whole numbers; None: use babel.
_MONEY_STYLES: dict[str, tuple[str, str, str] | None] = {}
_NUMBER_STYLES: dict[str, tuple[str, str, str] | None] = {}
_PROBES = (0, 7, 35, 999, 1000, 10**6, 1234567, 123456789012, 10**13)


def money(amount: int, lang: str) -> str:
    """Whole đồng in the locale's style: vi 1.500.000.000 ₫, en ₫1,500,000,000."""
    style = _MONEY_STYLES.get(lang, False)
    if style is False:
        style = _MONEY_STYLES[lang] = _money_style(lang)
    if style is None or type(amount) is not int or amount < 0:
        return _babel_money(amount, lang)
    return _styled(style, amount)  # type: ignore[arg-type]


def number(value: int | Fraction, lang: str) -> str:
    """A number in the locale's style: vi 1.234,5, en 1,234.5."""
    if type(value) is int and value >= 0:
        style = _NUMBER_STYLES.get(lang, False)
        if style is False:
            style = _NUMBER_STYLES[lang] = _number_style(lang)
        if style is not None:
            return _styled(style, value)  # type: ignore[arg-type]
    return _babel_number(value, lang)


@lru_cache(maxsize=256)
def percent(value: Fraction, lang: str) -> str:
    """A share as a percent in the locale's style: vi 50%, en 50%."""
    from decimal import Decimal

    from babel.numbers import format_percent

    return format_percent(Decimal(value.numerator) / Decimal(value.denominator), locale=_locale(lang),
                          decimal_quantization=False)


@lru_cache(maxsize=4096)
def date(value: dt.date, lang: str) -> str:
    """vi 10/05/2017, en 10 May 2017.

    English names the month: a number first reads as the month to an American and as the day to
    a Vietnamese reader ("3/11/18"). Day, month, year is the order of the Vietnamese date too.
    """
    from babel.dates import format_date

    return format_date(value, format="d MMMM y" if lang == "en" else "dd/MM/yyyy", locale=_locale(lang))


def _styled(style: tuple[str, str, str], amount: int) -> str:
    prefix, sep, suffix = style
    return f"{prefix}{f'{amount:,}'.replace(',', sep)}{suffix}"


def _money_style(lang: str) -> tuple[str, str, str] | None:
    sample = _babel_money(1234567, lang)
    head, _, rest = sample.partition("1")
    tail = rest.rpartition("7")[2]
    body = sample[len(head):len(sample) - len(tail)]
    sep = body[1] if len(body) > 7 else ""
    if not sep or sep.isdigit() or any(c.isdigit() for c in head + tail):
        return None
    return _checked((head, sep, tail), _babel_money, lang)


def _number_style(lang: str) -> tuple[str, str, str] | None:
    sample = _babel_number(1234567, lang)
    sep = sample[1] if len(sample) == 9 and sample[0] == "1" and not sample[1].isdigit() else ""
    if not sep:
        return None
    return _checked(("", sep, ""), _babel_number, lang)


def _checked(style: tuple[str, str, str], babel: Callable[[int, str], str], lang: str) -> tuple[str, str, str] | None:
    """``style`` if it writes every probe amount exactly as babel does, else None."""
    if all(_styled(style, probe) == babel(probe, lang) for probe in _PROBES):
        return style
    return None


def _babel_money(amount: int, lang: str) -> str:
    from babel.numbers import format_currency

    return format_currency(amount, "VND", locale=_locale(lang), format_type="standard",
                           currency_digits=True)


@lru_cache(maxsize=256)
def _babel_number(value: int | Fraction, lang: str) -> str:
    from babel.numbers import format_decimal

    if isinstance(value, Fraction):
        from decimal import Decimal

        value = Decimal(value.numerator) / Decimal(value.denominator)  # type: ignore[assignment]
    return format_decimal(value, locale=_locale(lang))
