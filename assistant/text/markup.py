"""Plan and model text shown as Markdown: the one escaper for the screens and the Markdown report.

A plan is untrusted input, so its text must never become a link, an image, raw HTML, emphasis, a
heading, a list, a table or a code block. CommonMark renders a backslash-escaped ASCII punctuation
mark as itself, so escaping is invisible to readers. Only characters that can start markup are
escaped, so the Markdown report stays readable as a plain file (dates, ids and hyphenated names
keep their look): inline markers anywhere, and block markers only where Markdown reads them, at the
start of a line. Leading whitespace is dropped, because four spaces would start a code block.
"""

from __future__ import annotations

import re

_INLINE = re.compile(r"([\\`*_\[\]<>|~$&])")
_BLOCK_START = re.compile(r"^([#+=-])")
_ORDERED_LIST = re.compile(r"^(\d+)([.)])")


def _escape_line(line: str) -> str:
    line = _INLINE.sub(r"\\\1", line.lstrip(" \t\u3000"))
    line = _BLOCK_START.sub(r"\\\1", line)
    return _ORDERED_LIST.sub(r"\1\\\2", line)


def md_escape(text: str) -> str:
    return "\n".join(_escape_line(line) for line in text.split("\n"))
