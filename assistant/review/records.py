"""The review store's records: submissions, draft runs, items with their decisions, the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.domain.models import ChecklistItem, Confidence, Finding, PlanCitation, PlanType, Verdict
from assistant.domain.notices import Notice

SubmissionStatus = Literal["draft", "in_review", "final"]


class Decision(BaseModel):
    verdict: Verdict
    comment: str
    reviewer: str
    decided_at: datetime
    version: int = Field(ge=1)
    draft_run_id: int = Field(description="Draft run that was current when the decision was made")


class ItemView(BaseModel):
    """One criterion of the latest draft, with the human decision on it if there is one."""

    submission_id: int
    criterion_id: str
    draft_verdict: Verdict
    rationale: str
    citations: list[PlanCitation] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    confidence: Confidence | None = None
    decision: Decision | None = None
    version: int = Field(ge=0, description="0 while undecided; pass it back as expected_version")

    @property
    def final_verdict(self) -> Verdict | None:
        return self.decision.verdict if self.decision else None


class DraftRunInfo(BaseModel):
    id: int
    submission_id: int
    plan_type: PlanType
    backend: str
    model: str | None = None
    drafted_at: datetime
    warnings: list[str] = Field(default_factory=list)
    notices: list[Notice] = Field(default_factory=list, exclude=True, description="The warnings, typed")


class DraftRun(DraftRunInfo):
    items: list[ChecklistItem]


class SubmissionSummary(BaseModel):
    id: int
    content_hash: str
    file_name: str
    prefecture: str | None = None
    plan_type: PlanType
    status: SubmissionStatus
    created_at: datetime
    pdf_path: str | None = None
    item_count: int = Field(description="Criteria in the latest draft")
    decided_count: int = Field(description="Of those, how many a reviewer has decided")


class SubmissionView(SubmissionSummary):
    draft: DraftRunInfo = Field(description="The latest draft run; its warnings apply to the items")
    items: list[ItemView]


class AuditEntry(BaseModel):
    id: int
    submission_id: int | None
    criterion_id: str | None
    actor: str
    action: str
    at: datetime
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
