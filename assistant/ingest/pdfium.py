"""PDFium keeps process-wide state and is not thread-safe: every use in this process takes this lock.

OCR renders pages with it and the UI renders page images with it, from different worker threads.
"""

from __future__ import annotations

import threading

PDFIUM_LOCK = threading.Lock()
