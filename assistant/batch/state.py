"""Resume state: one small JSON per finished plan, keyed by its bytes and the options that shape it.

A record is written *before* the plan's JSON, so a ``kill -9`` at any moment loses at most the
plans in flight, and a rerun skips what is recorded.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.atomic import atomic_write, remove_stale_temp_files
from assistant.domain.models import PlanType
from assistant.ingest.ocr import ocr_available
from assistant.settings import Settings

from .models import STATE_DIR, BatchBackend


class StateRecord(BaseModel):
    key: str = Field(description="'<sha256 of the bytes>-<fingerprint of the options>'")
    params: dict[str, Any]
    seconds: float
    text: str = Field(description="The plan's JSON output, byte for byte")


class State:
    def __init__(self, out_dir: Path) -> None:
        self.root = out_dir / STATE_DIR
        self.results = self.root / "results"
        self.results.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(out_dir, self.root, self.results)

    def _path(self, key: str) -> Path:
        return self.results / f"{key}.json"

    def load(self, key: str) -> StateRecord | None:
        try:
            return StateRecord.model_validate_json(self._path(key).read_bytes())
        except (OSError, ValueError):
            return None

    def store(self, key: str, record: StateRecord) -> None:
        atomic_write(self._path(key), record.model_dump_json().encode("utf-8"))


def fingerprint(params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[
        :16
    ]


def job_params(
    source: str, plan_type: PlanType | None, backend: BatchBackend, settings: Settings, rubric_digest: str
) -> dict[str, Any]:
    """Everything besides the bytes that changes the JSON: a rerun with other options re-assesses.

    The file name is included because it is the ``plan`` field of the output.
    """
    return {
        "file": source,
        "plan_type": plan_type,
        "backend": backend,
        "llm_model": settings.llm_model if backend == "llm" else None,
        "rubric": rubric_digest,
        "embedding": settings.embedding,
        "ocr": settings.ocr_enabled and ocr_available(),
    }
