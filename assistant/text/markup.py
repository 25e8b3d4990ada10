"""Plan and model text shown as Markdown: the one escaper for the UI and the Markdown report.

A plan is untrusted input. Every character that Markdown (or the HTML it may carry) gives a
meaning is backslash-escaped, so plan text can never become a link, an image, raw HTML, emphasis,
a heading or a list: CommonMark renders a backslash-escaped ASCII punctuation mark as itself.
"""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_\[\](){}<>#+!|~$&=.-])")


def md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)
