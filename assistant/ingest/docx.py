"""Plans submitted as Word documents (.docx), read directly with python-docx: no pages, only structure.

A .docx has no physical pages (where a page ends depends on the fonts of whoever opens it), so the
document is cut at its headings instead. Each heading section becomes one :class:`PageText` whose
``page`` is an internal 1-based ordinal (a "part"), ``section`` its heading, and ``raw``/``text`` its
paragraphs one per line, with every table row on one line of its own (cells separated by a tab). The
drafter, chunking, injection detection and plan type detection then run on the parts exactly as they
run on a PDF's pages; only what is shown outside converts a part and a quote into the heading and the
paragraph number (:mod:`assistant.assess.locate`), because an ordinal means nothing to a reviewer.

Paragraph numbers count the non-empty body paragraphs (headings included) and table rows in
document order, which is what a reviewer counts scrolling through the document in Word. Headers,
footers, footnotes and comments are not body text and never enter the parts; tracked deletions are
left out and tracked insertions kept, as Word shows the document with changes accepted; text
formatted as hidden is left out, as Word does not show it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.domain.errors import CorruptDocxError, DocxNoTextError
from assistant.domain.models import DocKind, PageText, ParsedDocument
from assistant.settings import Settings
from assistant.text.normalize import CELL_SEP, join_wrapped_lines

from .docx_package import BROKEN, detail, open_document
from .files import content_hash, read_input, source_name

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

#: The first part's section when the document has text before its first heading and no title.
PREFACE = "（冒頭）"

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
#: Elements whose text Word does not show in the body: deletions, field codes, the VML copy of a
#: drawing that ``mc:Choice`` already holds, and property blocks.
_HIDDEN = frozenset(
    {
        f"{_W}del",
        f"{_W}moveFrom",
        f"{_W}delText",
        f"{_W}instrText",
        f"{_W}delInstrText",
        f"{_W}pPr",
        f"{_W}rPr",
        f"{_W}tblPr",
        f"{_W}trPr",
        f"{_W}tcPr",
        f"{_MC}Fallback",
    }
)
#: Body-level wrappers whose children are paragraphs and tables (content controls, custom XML).
_WRAPPERS = frozenset({f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}ins", f"{_W}moveTo"})
_HEADING_STYLE = re.compile(r"^(?:heading|見出し)\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLE = re.compile(r"^(?:title|表題|タイトル)$", re.IGNORECASE)
#: Numbered heading lines typed as plain paragraphs, as many Japanese documents are: 「第3章 …」,
#: 「1. …」, 「2-1 …」, 「（1）…」. The rest of the line must look like a heading to the drafter too.
_NUMBERED = re.compile(
    r"^\s*(?:第[0-9０-９一二三四五六七八九十]+[章節部編]|[0-9０-９]+(?:[-－‐][0-9０-９]+)*(?:[\.．、]|\s)"
    r"|[（(][0-9０-９一二三四五六七八九十]+[)）])\s*"
)
_DIGIT = re.compile(r"[0-9０-９]")


@dataclass
class _Block:
    """One paragraph or table row of the body, in document order."""

    text: str
    heading: bool = False
    title: bool = False
    numbered: bool = False
    """A heading only by its numbering (a plain paragraph 「2. 製品と市場」), not by its style."""


@dataclass
class _Part:
    section: str
    lines: list[str] = field(default_factory=list)


def parse_docx(path: Path, *, kind: DocKind, settings: Settings, data: bytes | None = None) -> ParsedDocument:
    """Raises a typed :class:`~assistant.domain.errors.IngestError` for every broken package (see
    :mod:`.docx_package`) and for a document without body text; never a python-docx traceback.

    Without ``data`` the file is read through :func:`~assistant.ingest.files.read_input`, the same
    checked read every PDF goes through.
    """
    source = source_name(path)
    data = read_input(path, max_bytes=settings.max_file_bytes) if data is None else data
    document = open_document(data, source, settings)
    try:
        styles = _StyleLevels(document)
        blocks = _demote_lists(list(_body_blocks(document.element.body, styles)))
        core_title = _core_title(document)
    except RecursionError:
        raise CorruptDocxError(source, "入れ子が深すぎます / nesting too deep") from None
    except BROKEN as exc:
        raise CorruptDocxError(source, detail(exc)) from None
    title = core_title or next((b.text for b in blocks if b.title), "")
    parts = _parts(blocks, title or PREFACE)
    if not parts:
        raise DocxNoTextError(source)
    pages = [
        PageText(page=n, section=part.section, raw="\n".join(part.lines), text="\n".join(part.lines))
        for n, part in enumerate(parts, start=1)
    ]
    return ParsedDocument(
        doc_id=content_hash(data),
        source=source,
        path=str(path),
        kind=kind,
        title=title or next((b.text for b in blocks if b.heading), blocks[0].text)[:120],
        pages=pages,
        paged=False,
    )


def _parts(blocks: list[_Block], preface: str) -> list[_Part]:
    """One part per heading, the heading its first line; text before the first heading is a part of
    its own named after the document's title."""
    parts: list[_Part] = []
    current = _Part(section=preface)
    for block in blocks:
        if block.heading:
            if current.lines:
                parts.append(current)
            current = _Part(section=block.text, lines=[block.text])
        else:
            current.lines.append(block.text)
    if current.lines:
        parts.append(current)
    return parts


def _core_title(document: DocxDocument) -> str:
    return " ".join((document.core_properties.title or "").split())


class _StyleLevels:
    """Which paragraph styles are headings: Word's built-in Heading 1-9 and Title (stored under their
    English names whatever the language of Word), localised names (「見出し 1」), and any style
    that carries an outline level, followed through ``basedOn``."""

    def __init__(self, document: DocxDocument) -> None:
        self._styles: dict[str, Any] = {}
        self._cache: dict[str, tuple[bool, bool]] = {}
        for style in document.styles.element.iterchildren(f"{_W}style"):
            style_id = style.get(f"{_W}styleId")
            if style_id:
                self._styles[style_id] = style

    def kind(self, style_id: str | None) -> tuple[bool, bool]:
        """(heading, title) for a paragraph style id."""
        if not style_id or not self._styles:
            return False, False
        if style_id not in self._cache:
            self._cache[style_id] = self._resolve(style_id)
        return self._cache[style_id]

    def _resolve(self, style_id: str) -> tuple[bool, bool]:
        seen: set[str] = set()
        current: str | None = style_id
        while current and current not in seen and current in self._styles:
            seen.add(current)
            style = self._styles[current]
            name = _val(style.find(f"{_W}name")) or ""
            if _TITLE_STYLE.match(name.strip()):
                return True, True
            if _HEADING_STYLE.match(name.strip()) or _outline_level(style.find(f"{_W}pPr")) is not None:
                return True, False
            current = _val(style.find(f"{_W}basedOn"))
        return False, False


def _val(element: Any) -> str | None:
    return None if element is None else element.get(f"{_W}val")


def _outline_level(ppr: Any) -> int | None:
    """Word's outline levels 0-8 are heading levels 1-9; 9 means body text."""
    if ppr is None:
        return None
    raw = _val(ppr.find(f"{_W}outlineLvl"))
    return int(raw) if raw is not None and raw.isdigit() and int(raw) < 9 else None


def _body_blocks(container: Any, styles: _StyleLevels) -> Iterator[_Block]:
    for child in container.iterchildren():
        tag = child.tag
        if tag == f"{_W}p":
            block = _paragraph(child, styles)
            if block is not None:
                yield block
        elif tag == f"{_W}tbl":
            yield from (_Block(text=row) for row in table_lines(child))
        elif tag in _WRAPPERS:
            yield from _body_blocks(child, styles)


def _paragraph(p: Any, styles: _StyleLevels) -> _Block | None:
    text = paragraph_text(p)
    if not text:
        return None
    ppr = p.find(f"{_W}pPr")
    heading, title = styles.kind(_val(ppr.find(f"{_W}pStyle")) if ppr is not None else None)
    styled = (heading or _outline_level(ppr) is not None) and len(text) <= 120
    numbered = not styled and is_numbered_heading(text)
    return _Block(text=text, heading=styled or numbered, title=title, numbered=numbered)


#: This many numbered lines in a row are a list (a table of contents), not headings.
LIST_RUN = 3


def _demote_lists(blocks: list[_Block]) -> list[_Block]:
    """Numbered lines that count up with nothing between them are a list, most often the plan's table
    of contents (「1. 製品と市場」「2. 中核企業」「3. …」); a chapter and its first section heading
    (「第1章」「（1）」), or a contents list followed by the first chapter (「3.」 then 「1.」), are not."""
    out = list(blocks)
    i = 0
    while i < len(out):
        j = i + 1 if out[i].numbered else i
        while j < len(out) and out[j].numbered and _number(out[j].text) == _number(out[j - 1].text) + 1:
            j += 1
        if j - i >= LIST_RUN:
            for k in range(i, j):
                out[k] = _Block(text=out[k].text)
        i = max(j, i + 1)
    return out


_KANJI_DIGITS = {c: n for n, c in enumerate("〇一二三四五六七八九十")}


def _number(line: str) -> int:
    """The leading number of a numbered line (「第3章」「（3）」「3.」 → 3); -1 when there is none."""
    match = re.search(r"[0-9]+|[〇一二三四五六七八九十]", unicodedata.normalize("NFKC", line))
    if match is None:
        return -1
    text = match.group(0)
    return int(text) if text.isdigit() else _KANJI_DIGITS[text]


def is_numbered_heading(line: str) -> bool:
    """「第3章 推進体制」「2. 製品と市場」「（1）KPI」: a number, then a short line the drafter would
    itself read as a heading (no sentence end, no 「：」, no figures)."""
    from assistant.assess.evidence import is_heading  # the drafter's rule; imported late (layering)

    match = _NUMBERED.match(line)
    if match is None or not match.group(0).strip():
        return False
    rest = line[match.end() :].strip()
    return bool(rest) and not _DIGIT.search(rest) and is_heading(rest)


def paragraph_text(p: Any) -> str:
    """The paragraph as Word shows it, on one line: soft line breaks inside it are joined the way
    wrapped PDF lines are (no space between Japanese characters)."""
    out: list[str] = []
    _collect(p, out)
    return _one_line("".join(out))


def _one_line(text: str) -> str:
    """Spaces the author typed stay (unlike a PDF's, they are not extraction noise); NULs and
    carriage returns go, tabs become spaces."""
    text = text.replace("\x00", "").replace("\r", "\n").replace("\t", " ")
    lines = [line.strip() for line in text.split("\n")]
    joined = join_wrapped_lines("\n".join(line for line in lines if line))
    return " ".join(part for part in joined.split("\n") if part.strip()).strip()


def _hidden_run(run: Any) -> bool:
    """Text formatted as hidden (``w:vanish``): Word does not show it, so a reviewer never sees it, and
    nothing the reviewer cannot see may become evidence."""
    rpr = run.find(f"{_W}rPr")
    vanish = rpr.find(f"{_W}vanish") if rpr is not None else None
    return vanish is not None and _val(vanish) not in ("0", "false", "off")


def _collect(element: Any, out: list[str]) -> None:
    for child in element.iterchildren():
        tag = child.tag
        if not isinstance(tag, str) or tag in _HIDDEN or (tag == f"{_W}r" and _hidden_run(child)):
            continue
        if tag == f"{_W}t":
            out.append(child.text or "")
        elif tag in (f"{_W}tab", f"{_W}ptab"):
            out.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            if child.get(f"{_W}type") not in ("page", "column"):
                out.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            out.append("-")
        elif tag == f"{_W}p":
            out.append("\n")
            _collect(child, out)
            out.append("\n")
        elif tag == f"{_W}tbl":
            out.extend(f"\n{line}\n" for line in table_lines(child))
        else:
            _collect(child, out)


def table_lines(tbl: Any) -> list[str]:
    """One line per row, its cells separated by a tab (:data:`~assistant.text.normalize.CELL_SEP`,
    as the PDF layout reader writes them); a cell's own paragraphs (a wrapped or multi-line cell) are
    joined onto that line, so a row never splits.

    The text stays exactly what the document says — no label is copied into a row, so every quote
    is verbatim — and the evidence reader gives each row its table's column labels as context the
    same way for Word files and PDFs (:func:`~assistant.text.normalize.is_table_header`).
    """
    rows = [cells for cells, _ in (_row_cells(tr) for tr in tbl.iterchildren(f"{_W}tr")) if any(cells)]
    return [CELL_SEP.join(cells) for cells in rows]


def _row_cells(tr: Any) -> tuple[list[str], bool]:
    cells = []
    for tc in tr.iterchildren(f"{_W}tc", f"{_W}sdt", f"{_W}customXml"):
        for cell in [tc] if tc.tag == f"{_W}tc" else tc.iter(f"{_W}tc"):
            parts: list[str] = []
            for child in cell.iterchildren():
                if child.tag == f"{_W}p":
                    parts.append(paragraph_text(child))
                elif child.tag == f"{_W}tbl":
                    parts.extend(table_lines(child))
                elif child.tag in _WRAPPERS:
                    parts.extend(paragraph_text(p) for p in child.iter(f"{_W}p"))
            cells.append(_one_line("\n".join(p for p in parts if p)))
    trpr = tr.find(f"{_W}trPr")
    marked = trpr is not None and trpr.find(f"{_W}tblHeader") is not None
    return cells, marked
