"""Printed-and-scanned copies of PDFs: image-only pages, slightly skewed, with scanner noise.

Some prefectures print the signed plan and scan it, so the submission has no text layer at all and
only OCR can read it. ``support.pdfgen``'s scanned pages are drawn straight onto a clean, square
canvas; these come from rasterising a real PDF (an office export, say) and then adding what a flatbed
adds: a small rotation and speckle. A fixed seed makes the same inputs give the same bytes, so a
failing test can be rerun on the identical file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

# Pillow writes no dates unless asked; fixed ones look like a real scan and keep the bytes stable.
_PDF_DATE = datetime(2026, 3, 1, tzinfo=UTC).timetuple()
# Speckle is far rarer than grain: at noise=0.02 about one pixel in a thousand flips.
_SPECKLE_PER_NOISE = 0.05
_JPEG_QUALITY = 75


def write_scanned_pdf(
    src_pdf: Path,
    dst: Path,
    *,
    dpi: int = 200,
    skew_degrees: float = 0.5,
    noise: float = 0.02,
    seed: int = 0,
) -> Path:
    """Write ``dst`` as ``src_pdf`` scanned in grey at ``dpi``: same pages, images only.

    ``noise`` is the grain's standard deviation as a fraction of full white; speckle (isolated black
    and white pixels) comes in proportion to it.
    """
    if dpi < 50:
        raise ValueError(f"dpi {dpi} is too low for a scan anyone could read")
    if not 0 <= noise < 1:
        raise ValueError(f"noise must be in [0, 1), not {noise}")
    rng = np.random.default_rng(seed)
    pdf = pdfium.PdfDocument(src_pdf)
    try:
        images = [_scan_page(pdf[i], dpi, skew_degrees, noise, rng) for i in range(len(pdf))]
    finally:
        pdf.close()
    if not images:
        raise ValueError(f"{src_pdf.name} has no pages")
    dst.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(
        dst,
        "PDF",
        save_all=True,
        append_images=images[1:],
        resolution=float(dpi),
        quality=_JPEG_QUALITY,
        # No title: Pillow would otherwise use the file name, and the bytes would depend on it.
        title="",
        creationDate=_PDF_DATE,
        modDate=_PDF_DATE,
    )
    return dst


def _scan_page(
    page: pdfium.PdfPage, dpi: int, skew_degrees: float, noise: float, rng: np.random.Generator
) -> Image.Image:
    image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    if skew_degrees:
        image = image.rotate(skew_degrees, resample=Image.Resampling.BICUBIC, fillcolor=255)
    if not noise:
        return image
    pixels = np.asarray(image, dtype=np.float32)
    pixels += rng.normal(0.0, noise * 255.0, pixels.shape).astype(np.float32)
    speckle = rng.random(pixels.shape)
    rate = noise * _SPECKLE_PER_NOISE
    pixels[speckle < rate / 2] = 0.0
    pixels[speckle > 1 - rate / 2] = 255.0
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
