"""Tables of sentences in every language: :class:`Catalogue`, and ``CATALOGUES``, every table built.

Here, at the bottom, so that every layer (errors, rule files, faces) can keep its
sentences in both languages; ``kcrules.text.i18n`` names them for the layers above.
"""

from __future__ import annotations

import re
from typing import Any

LANGS = ("vi", "en")

_FIELD = re.compile(r"\{(\w+)")


class Catalogue(dict[str, dict[str, str]]):
    """One module's sentences, each in every language of ``LANGS``, looked up by key.

    Every table of words a person reads is a ``Catalogue``: it is checked when built (both
    languages, the same ``{placeholders}`` in each) and listed in ``CATALOGUES`` under its
    name, so one test can render every sentence in both languages and look for the other
    language leaking in.
    """

    def __init__(self, name: str, entries: dict[str, dict[str, str]]) -> None:
        super().__init__(entries)
        for key, texts in entries.items():
            if set(texts) != set(LANGS):
                raise ValueError(f"message {name}.{key}: languages {sorted(texts)}, need {list(LANGS)}")
            fields = {lang: set(_FIELD.findall(text)) for lang, text in texts.items()}
            if len({frozenset(f) for f in fields.values()}) > 1:
                raise ValueError(f"message {name}.{key}: placeholders differ between languages: {fields}")
        self.name = name
        CATALOGUES[name] = self

    def __call__(self, key: str, lang: str, **values: Any) -> str:
        return self[key][lang].format(**values)


#: Every catalogue built so far, by name (a module's catalogue exists once it is imported).
CATALOGUES: dict[str, Catalogue] = {}
