"""Code tables and sources on a reference page."""

from __future__ import annotations

from kcrules.reference.page import Page, cell, date


def codes(page: Page) -> str:
    """Every code table: codes, names, aliases and attributes."""
    out = []
    for table in page.d.codes.values():
        out.append(f'<a id="code-{table.id}"></a>\n\n### `{table.id}` — {table.label[page.lang]}\n')
        if table.cite:
            out.append(f"{page.t('source')}: {page.cite(table.cite)}.\n")
        if not table.values:
            out.append(page.t("none") + "\n")
            continue
        out.append(page.t("code_table"))
        out.append("|---|---|---|---|")
        for v in table.values.values():
            attrs = "; ".join(f"{k} = {page.attr_value(table.attributes.get(k), val)}"
                              for k, val in v.attrs.items())
            out.append(f"| `{v.id}` | {cell(v.label[page.lang])} | {cell(', '.join(v.aliases))} | {cell(attrs)} |")
        out.append("")
    return "\n".join(out)


def sources(page: Page) -> str:
    """The legal texts cited, with when each is in force."""
    out = [page.t("source_table"), "|---|---|---|---|---|"]
    for s in page.d.sources.values():
        start = date(s.in_force_from, page.lang) if s.in_force_from else "—"
        out.append(f"| `{s.key}` | {cell(s.short)} | {cell(s.title)} | {start} | {cell(s.note[page.lang] if s.note else '')} |")
    return "\n".join(out) + "\n"
