"""A reviewed submission as a document to read and print: Markdown and a self-contained HTML page.

Plan text is untrusted: it is escaped for HTML and Markdown, so it can never become markup.
"""

from __future__ import annotations

import html
from pathlib import Path

from assistant.atomic import atomic_write
from assistant.domain.labels import verdict_ja
from assistant.domain.rubric import CriterionView, Rubric
from assistant.review.records import ItemView, SubmissionView
from assistant.text.markup import md_escape

from .cells import clean
from .common import cite_place, header_facts, local_time


# Markdown --------------------------------------------------------------------------------------
def _md(text: str) -> str:
    """Backslash-escape Markdown syntax and raw HTML, and keep line breaks inside list items."""
    return "  \n  ".join(md_escape(line) for line in clean(text).splitlines())


def render_markdown(view: SubmissionView, *, rubric: Rubric) -> str:
    lines = [f"# 審査結果：{_md(view.file_name)}", ""]
    lines += [f"- {key}：{_md(value)}" for key, value in header_facts(view, rubric)]
    if view.draft.warnings:
        lines += ["", "## 注意事項", ""]
        lines += [f"- {_md(w)}" for w in view.draft.warnings]
    for n, item in enumerate(view.items, start=1):
        criterion = rubric.view(item.criterion_id)
        decision = item.decision
        lines += [
            "",
            f"## {n}. {_md(criterion.group)}｜{_md(criterion.label)}",
            "",
            f"- 項目ID：{_md(item.criterion_id)}",
            f"- 基準：{_md(criterion.text)}",
            f"- 判定（案）：{verdict_ja(item.draft_verdict)}",
            f"- 判定（確定）：{verdict_ja(item.final_verdict) or '未確定'}",
        ]
        if decision:
            lines += [
                f"- 審査者：{_md(decision.reviewer)}（{local_time(decision.decided_at)}、版 {decision.version}）",
                f"- コメント：{_md(decision.comment)}",
            ]
        lines.append(f"- 根拠：{_md(item.rationale)}")
        for citation in item.citations:
            quote = "\n".join(f"> {_md(line)}" for line in citation.quote.splitlines())
            lines += ["", quote, f"> — {_md(cite_place(citation))}"]
    return "\n".join(lines) + "\n"


# HTML ------------------------------------------------------------------------------------------
_CSS = """
body { font-family: "IPAexGothic", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif;
       max-width: 60em; margin: 2em auto; padding: 0 1em; line-height: 1.6; color: #222; }
h1 { font-size: 1.5em; border-bottom: 2px solid #345; }
h2 { font-size: 1.15em; margin-top: 1.8em; border-left: 6px solid #789; padding-left: .5em; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
dl.facts dt { font-weight: bold; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #999; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #eef2f7; }
.criterion { background: #f6f6f6; padding: .4em .8em; }
blockquote { margin: .4em 0 .4em 1em; padding-left: .8em; border-left: 4px solid #bbb; white-space: pre-wrap; }
.warnings { background: #fff4e0; padding: .4em 1em; }
.pending { color: #a00; }
section.item { break-inside: avoid; }
"""


def _h(text: str) -> str:
    return html.escape(clean(text), quote=True)


def _h_lines(text: str) -> str:
    return "<br>".join(_h(line) for line in text.splitlines())


def render_html(view: SubmissionView, *, rubric: Rubric) -> str:
    """A single self-contained page (no external assets) that also prints cleanly."""
    title = f"審査結果：{view.file_name}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="ja">',
        '<head><meta charset="utf-8">',
        f"<title>{_h(title)}</title>",
        f"<style>{_CSS}</style></head>",
        "<body>",
        f"<h1>{_h(title)}</h1>",
        '<dl class="facts">',
        *(f"<dt>{_h(key)}</dt><dd>{_h(value)}</dd>" for key, value in header_facts(view, rubric)),
        "</dl>",
    ]
    if view.draft.warnings:
        parts += ['<section class="warnings"><h2>注意事項</h2><ul>']
        parts += [f"<li>{_h(w)}</li>" for w in view.draft.warnings]
        parts += ["</ul></section>"]
    for n, item in enumerate(view.items, start=1):
        parts += _html_item(n, item, rubric.view(item.criterion_id))
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _html_item(n: int, item: ItemView, criterion: CriterionView) -> list[str]:
    decision = item.decision
    final = _h(verdict_ja(item.final_verdict)) if decision else '<span class="pending">未確定</span>'
    rows = [
        ("判定（案）", _h(verdict_ja(item.draft_verdict))),
        ("判定（確定）", final),
    ]
    if decision:
        rows += [
            (
                "審査者",
                _h(f"{decision.reviewer}（{local_time(decision.decided_at)}、版 {decision.version}）"),
            ),
            ("コメント", _h_lines(decision.comment)),
        ]
    rows.append(("根拠", _h_lines(item.rationale)))
    parts = [
        f'<section class="item" id="{_h(item.criterion_id)}">',
        f"<h2>{n}. {_h(criterion.group)}｜{_h(criterion.label)}</h2>",
        f'<p class="criterion">{_h(criterion.text)}<br><small>{_h(item.criterion_id)}</small></p>',
        "<table>",
        *(f"<tr><th>{key}</th><td>{value}</td></tr>" for key, value in rows),
        "</table>",
    ]
    for citation in item.citations:
        parts.append(
            f"<blockquote>{_h(citation.quote)}<br><cite>{_h(cite_place(citation))}</cite></blockquote>"
        )
    parts.append("</section>")
    return parts


def export_markdown(view: SubmissionView, out: Path, *, rubric: Rubric) -> Path:
    atomic_write(out, render_markdown(view, rubric=rubric).encode("utf-8"))
    return out


def export_html(view: SubmissionView, out: Path, *, rubric: Rubric) -> Path:
    atomic_write(out, render_html(view, rubric=rubric).encode("utf-8"))
    return out
