"""Parameters (every dated level, with provenance and citation) and derived facts on a reference page."""

from __future__ import annotations

from kcrules.reference.conditions import term
from kcrules.reference.page import Page, cell


def parameters(page: Page) -> str:
    """Every parameter, one row per dated value, with unit, validity, provenance and citation."""
    out = [page.t("param_table"), "|---|---|---|---|---|---|---|"]
    for p in page.d.params.values():
        over = page.d.overrides.get(f"parameter:{p.id}")
        name = f'<a id="param-{p.id}"></a>{cell(p.label[page.lang])} (`{p.id}`)'
        if over:
            name += f"; {page.t('overrides', x=over)}"
        for n, pv in enumerate(p.values):
            prov = page.w(pv.provenance)
            prov = f"**{prov}**" if pv.provenance in ("guidance", "assumption") else prov
            first = name if n == 0 else "〃"
            out.append(f"| {first} | {page.w('unit.' + p.unit)} | {page.value(p.unit, pv.value)} "
                       f"| {page.validity(pv)} | {prov} | {cell(page.cite(pv.cite))} | {cell(pv.note[page.lang] if pv.note else '')} |")
    return "\n".join(out) + "\n"


def derived(page: Page) -> str:
    """The derived facts, each as its formula in words."""
    out = [page.t("derived_text") + "\n"]
    for der in page.d.derived.values():
        out.append(f'- <a id="derived-{der.id}"></a>**{der.label[page.lang]}** (`derived.{der.id}`) = '
                   f"{term(page, der.expr)} ({page.cite(der.cite)}).")
    return "\n".join(out) + "\n"
