"""What a report must not show a person: internal names, and the other language's words.

Shared by the terminal, rules-browsing, message and documented-command tests.
"""

from __future__ import annotations

import re

#: English function words: one of them in a Vietnamese text is English leaking in ("in" is not among them:
#: it is Vietnamese for "print").
ENGLISH = re.compile(r"\b(the|of|and|is|are|not|for|with|must|should|to|was|be|this|that|or|an|a|on|at|"
                     r"given|allowed|did you mean|error|line|please)\b", re.IGNORECASE)
#: Letters only Vietnamese writes (English has none of them).
VIETNAMESE = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.IGNORECASE)

#: Words written the same in both languages, which are not a leak:
WHITELIST_EN = (
    # the names of the program, the currency and the city, used in English too
    "khuyến công", "đồng", "Hà Nội",
    # the official short names of legal documents (their article words are English: Article, clause, point)
    "NĐ", "QĐ",
    # the yes/no answers the interview accepts, shown in English as the words to type
    "có/không",
    # the link to the Vietnamese page is named in Vietnamese, as language switches are
    "Tiếng Việt",
)
WHITELIST_VI = (
    # file formats, codes, options and field names are the same in every language
    "JSON", "TOML", "YYYY-MM-DD", "DD/MM/YYYY", "UTF-8", "stdin", "stdout", "true", "false",
    "--lang", "--top", "--save", "--interactive", "--fixed", "--what-if", "--check", "--debug",
    "kcrules", "durable-rules", "native", "durable", "text", "html", "json", "skip", "partial", "stop",
    "info", "approved_level_percent", "approved_by", "approved_decision", "application_date", "activity",
    "establishment", "project", "end_date", "start_date", "ACTIVITY", "MiB",
    # argparse's %-placeholders
    "%(prog)s", "%(message)s", "%(heading)s", "%(default)s", "%(argument_name)s",
    # the English pydantic words quoted verbatim when no Vietnamese is known (marked as such)
    "y/n",
)


#: Condition operators, dotted field paths or criterion ids, and a score in place of the order of priority.
INTERNALS = re.compile(r"==|!=|\b[a-z_]+\.[a-z_]+(\.[a-z_]+)*\b|\((điểm|score) \d+\)")


def internals_in(text: str, param_ids: list[str]) -> list[str]:
    """The lines of a report that show an internal name (a command to type is no report line)."""
    ids = re.compile(r"\b(" + "|".join(map(re.escape, param_ids)) + r")\b")
    return [line for line in text.splitlines()
            if not line.strip().startswith(("Thử: kcrules", "Try: kcrules"))
            and (INTERNALS.search(line) or ids.search(line))]


def without(text: str, words: tuple[str, ...]) -> str:
    """``text`` without the whitelisted words, quoted examples, placeholders, paths and addresses."""
    for w in words:
        text = re.sub(re.escape(w), " ", text, flags=re.IGNORECASE)
    return re.sub(r"`[^`]*`|'[^']*'|\{[^}]*\}|%\(\w+\)[sr]|https?://\S+|examples/\S+|docs/\S+", " ", text)
