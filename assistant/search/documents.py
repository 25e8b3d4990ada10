"""Full page texts of every indexed document, kept beside the index.

Quotes are verified against the whole page a chunk came from, not against the chunk, so the
parsed document is stored once per content hash.
"""

from __future__ import annotations

import os
from pathlib import Path

from assistant.domain.models import ParsedDocument


class DocumentStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(self, doc: ParsedDocument) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{doc.doc_id}.json"
        tmp = target.with_suffix(".tmp")
        tmp.write_text(doc.model_dump_json(), encoding="utf-8")
        os.replace(tmp, target)

    def load(self, doc_id: str) -> ParsedDocument | None:
        path = self.folder / f"{doc_id}.json"
        if not path.exists():
            return None
        return ParsedDocument.model_validate_json(path.read_text(encoding="utf-8"))

    def ids_with_prefix(self, prefix: str) -> list[str]:
        if not self.folder.exists():
            return []
        return sorted(p.stem for p in self.folder.glob(f"{prefix}*.json"))
