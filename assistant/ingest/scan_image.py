"""A scanned page made readable for OCR: straightened, despeckled, and without table rules.

A flatbed adds a slight rotation and speckle; an office export adds bordered Word tables. Tesseract
reads a table's borders as 「|」 and 「一」 glued to the cell text, and with the borders in place it
takes a bordered table for a picture and reads its rows as noise (「雇用の創出 120人」 came out as
「用の8|出120人」). With the rules erased, the cells are text on white that it reads row by row.

A rule is told from a character stroke by its length and by what it meets, never by the page's
wording: a horizontal rule is a dark run much longer than any character (a fraction of the page's
width); a vertical one is a dark run taller than a line of text whose top or bottom meets a
horizontal rule, as the inner and outer borders of a grid do. Kanji strokes, however long, meet no
rule, so a heading's 「|」-like strokes stay.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from .tables import Segment

_SKEW_RANGE = 2.0
_SKEW_STEP = 0.1
#: Ink: darker than this on 0-255 after despeckling.
_DARK = 140
#: A horizontal rule is at least this share of the page's width (a character is about 2%).
_RULE_WIDTH_SHARE = 0.06
#: A vertical rule is at least this share of the page's height (a text line is about 1.5%).
_RULE_HEIGHT_SHARE = 0.012
#: How far (pixels) the end of a vertical rule may stand from the horizontal rule it meets.
_MEET = 4
#: Rules are erased this many pixels wider on each side, for their anti-aliased edges.
_EDGE = 1


class CleanScan(NamedTuple):
    image: Image.Image
    #: The erased rules, in points from the page's top left, for :func:`~.tables.find_grids`.
    rules: list[Segment]


def clean_scan(image: Image.Image, dpi: float) -> CleanScan:
    """Straighten by the angle whose row profile is sharpest, remove speckle, erase table rules."""
    small = ImageOps.invert(image.resize((max(1, image.width // 4), max(1, image.height // 4))))
    best_angle, best_score = 0.0, -1.0
    for angle in np.arange(-_SKEW_RANGE, _SKEW_RANGE + _SKEW_STEP / 2, _SKEW_STEP):
        rows = np.asarray(small.rotate(float(angle), resample=Image.BILINEAR, fillcolor=0), dtype=np.float32)
        score = float(np.var(rows.sum(axis=1)))
        if score > best_score:
            best_angle, best_score = float(angle), score
    if abs(best_angle) >= _SKEW_STEP / 2:
        image = image.rotate(best_angle, resample=Image.BICUBIC, fillcolor=255)
    return erase_rules(image.filter(ImageFilter.MedianFilter(3)), dpi)


def _long_runs(dark: np.ndarray, length: int, axis: int) -> np.ndarray:
    """The pixels that lie in an unbroken dark run of at least ``length`` along ``axis``."""
    if axis == 0:
        return _long_runs(dark.T, length, 1).T
    n = dark.shape[1]
    if length < 1 or length > n:
        return np.zeros_like(dark)
    total = np.zeros((dark.shape[0], n + 1), dtype=np.int16)
    np.cumsum(dark, axis=1, dtype=np.int16, out=total[:, 1:])
    full = (total[:, length:] - total[:, : n + 1 - length]) == length
    cover = np.zeros((dark.shape[0], n + 1), dtype=np.int16)
    cover[:, : n + 1 - length] += full
    cover[:, length:] -= full
    return np.cumsum(cover[:, :n], axis=1, dtype=np.int16) > 0


def _grow(mask: np.ndarray, by: int) -> np.ndarray:
    """``mask`` widened by ``by`` pixels in every direction (a square dilation, edges clipped)."""
    out = mask.copy()
    h, w = mask.shape
    for dy in range(-by, by + 1):
        for dx in range(-by, by + 1):
            src = mask[max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)]
            out[max(0, dy) : h - max(0, -dy), max(0, dx) : w - max(0, -dx)] |= src
    return out


def _runs(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The unbroken runs along each row of ``lines``: their row, first and last index."""
    before = np.pad(lines, [(0, 0), (1, 0)])[:, :-1]
    after = np.pad(lines, [(0, 0), (0, 1)])[:, 1:]
    starts = np.argwhere(lines & ~before)
    ends = np.argwhere(lines & ~after)
    return starts[:, 0], starts[:, 1], ends[:, 1]


def _meeting_verticals(vertical: np.ndarray, near_rule: np.ndarray) -> np.ndarray:
    """The vertical runs of ``vertical`` whose top or bottom pixel lies in ``near_rule``."""
    h = vertical.shape[0]
    xs, tops, bottoms = _runs(vertical.T)
    keep = near_rule[tops, xs] | near_rule[bottoms, xs]
    cover = np.zeros((h + 1, vertical.shape[1]), dtype=np.int32)
    np.add.at(cover, (tops[keep], xs[keep]), 1)
    np.add.at(cover, (bottoms[keep] + 1, xs[keep]), -1)
    return np.cumsum(cover, axis=0)[:h] > 0


def _segments(mask: np.ndarray, *, horizontal: bool, scale: float) -> list[Segment]:
    """The unbroken runs of ``mask`` along its rows (``horizontal``) or columns, as rules in points."""
    at, first, last = _runs(mask if horizontal else mask.T)
    return [
        Segment(horizontal=horizontal, pos=float(p) * scale, start=float(a) * scale, end=float(b + 1) * scale)
        for p, a, b in zip(at.tolist(), first.tolist(), last.tolist(), strict=True)
    ]


def erase_rules(image: Image.Image, dpi: float) -> CleanScan:
    """``image`` (greyscale) with the rules of bordered tables painted white, and those rules.

    Rules are found on the page at half size, a pixel dark where any of its four was: a rule stays
    unbroken at that size and the search takes a quarter of the time.
    """
    pixels = np.asarray(image)
    h, w = pixels.shape
    dark = (pixels[: h - h % 2, : w - w % 2] < _DARK).reshape(h // 2, 2, w // 2, 2).any(axis=(1, 3))
    horizontal = _long_runs(dark, round(_RULE_WIDTH_SHARE * w / 2), axis=1)
    if not horizontal.any():
        return CleanScan(image, [])
    near = _grow(horizontal, max(1, _MEET // 2))
    vertical = _meeting_verticals(_long_runs(dark, round(_RULE_HEIGHT_SHARE * h / 2), axis=0), near)
    rules = np.repeat(np.repeat(_grow(horizontal | vertical, _EDGE), 2, axis=0), 2, axis=1)
    cleaned = pixels.copy()
    cleaned[: rules.shape[0], : rules.shape[1]][rules] = 255
    scale = 2 * 72 / dpi
    segments = _segments(horizontal, horizontal=True, scale=scale) + _segments(
        vertical, horizontal=False, scale=scale
    )
    return CleanScan(Image.fromarray(cleaned), segments)
