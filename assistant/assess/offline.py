"""Draft a checklist assessment of one plan: a verdict, rationale and verified page quotes per criterion.

The offline drafter is deliberately modest. For ``presence`` criteria it decides from wording it
can point at (amounts, years, named companies, announcement verbs, non-committal phrases); for
``judgement`` criteria it gathers the strongest evidence and leaves the call to the reviewer.
The LLM drafter may judge, but its output passes the same quote verification, and a ``meets``
on a presence criterion must also show the cue the offline rules require, so neither a
hallucinating model nor an injected instruction can produce an unsupported ``meets``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from . import llm
from .citations import chunk_sentences, quote_on_page
from .cues import (
    CUE_LABELS_JA,
    DEPENDENCY_RISK,
    DEPENDENCY_RISK_SHARE,
    MITIGATION,
    count_companies,
    find_cues,
    is_non_commitment,
)
from .embeddings import get_embeddings
from .errors import LLMUnavailableError, PlanEndpointNotAllowedError
from .index import MemoryStore, Scope
from .ingest import chunk_document, parse_pdf
from .injection import INJECTION_RE, find_injections, strip_injections, warning_for
from .models import (
    EVIDENCE_VERDICTS,
    Assessment,
    ChecklistItem,
    ParsedDocument,
    PlanCitation,
    PlanType,
    Verdict,
)
from .retrieve import HybridRetriever
from .rubric import Criterion, Rubric, load_rubric
from .settings import Settings, get_settings
from .textnorm import nfkc, squash

MAX_CITATIONS = 3
#: Cosine similarity to the criterion above which a sentence with one shared keyword counts as
#: being about the criterion (two shared keywords always do).
DENSE_RELEVANT = 0.15

_TYPE_PATTERNS: dict[str, re.Pattern[str]] = {
    "B": re.compile(r"地域産業クラスター計画|地域産業クラスター"),
    "C": re.compile(r"地場産業成長プラン|地場産業プラン"),
    "A": re.compile(r"戦略産業クラスター|プロジェクト提案"),
}
#: Vocabulary of each type as the guideline defines it (B: クラスター, 重点支援, 中堅企業, 複数自治体;
#: C: 地域資源 such as 農林水産・食品, 観光, 伝産品, with 付加価値向上 and 販路開拓).
_TYPE_WORDING: dict[str, re.Pattern[str]] = {
    "A": re.compile(r"戦略分野|大規模投資|官民投資ロードマップ|関係省庁|日本成長戦略|インフラ整備|拠点整備"),
    "B": re.compile(
        r"クラスター|中核企業|重点支援|中堅企業|複数自治体|サプライチェーン|バリューチェーン|誘致|外貨"
    ),
    "C": re.compile(
        r"地域資源|地場|農林水産|水産|農産|林産|食品|特産|観光|伝産品|伝統|工芸|酒造|販路|付加価値向上|フランチャイズ"
    ),
}


class TypeDetection(BaseModel):
    plan_type: PlanType
    confident: bool
    reason: str


def detect_plan_type(doc: ParsedDocument) -> TypeDetection:
    """Title and first page decide; wording alone only suggests, and says so.

    Wording counts distinct terms, not occurrences, so one word repeated (誘致は行わない …) cannot
    outweigh a plan's overall vocabulary.
    """
    head = nfkc(doc.title + "\n" + (doc.pages[0].text if doc.pages else ""))
    body = nfkc("\n".join(p.text for p in doc.pages))
    head_hits = {t: len(p.findall(head)) for t, p in _TYPE_PATTERNS.items()}
    body_hits = {t: len(p.findall(body)) for t, p in _TYPE_PATTERNS.items()}
    for hits, where in ((head_hits, "表題・1頁目"), (body_hits, "本文")):
        ranked = sorted(hits.items(), key=lambda kv: -kv[1])
        if ranked[0][1] and ranked[0][1] > ranked[1][1]:
            t = ranked[0][0]
            return TypeDetection(
                plan_type=t,
                confident=where == "表題・1頁目" or ranked[1][1] == 0,  # type: ignore[arg-type]
                reason=f"{where}の「{_TYPE_PATTERNS[t].pattern.split('|')[0]}」の記載から判定",
            )
    wording = {t: len(set(p.findall(body))) for t, p in _TYPE_WORDING.items()}
    best = max(("B", "C", "A"), key=lambda t: wording[t])
    return TypeDetection(
        plan_type=best,
        confident=False,  # type: ignore[arg-type]
        reason="計画種別の名称が見当たらないため、用語の傾向から推定",
    )


# ---------------------------------------------------------------------------------------------
# Evidence
# ---------------------------------------------------------------------------------------------
_HEADING_NUMBER = re.compile(
    r"^\s*(?:第?[0-9０-９一二三四五六七八九十]+[\.．章節)）]?|[（(][0-9０-９]+[)）]|[■□●◆【#]+)\s*"
)


def is_heading(line: str) -> bool:
    """Short lines with no sentence end, no label/value colon and no figures are headings."""
    text = line.strip()
    if not text or len(text) > 25 or text.endswith(("。", "．")) or re.search(r"[：:]", text[1:]):
        return False
    body = _HEADING_NUMBER.sub("", text)
    return bool(body) and not re.search(r"[0-9０-９]", body)


class Evidence(BaseModel):
    page: int
    text: str
    context: str = ""
    score: float
    keyword_hits: list[str]
    cues: set[str]
    non_commitment: bool
    ocr: bool = False


@dataclass
class PlanEvidence:
    """One plan prepared for per-criterion retrieval: sanitised chunks in an in-memory hybrid index."""

    original: ParsedDocument
    sanitised: ParsedDocument
    retriever: HybridRetriever
    embeddings: Embeddings
    _vec_cache: dict[str, np.ndarray] = field(default_factory=dict)
    _headings: dict[int, list[tuple[int, str]]] = field(default_factory=dict)

    @classmethod
    def build(
        cls, doc: ParsedDocument, settings: Settings, embeddings: Embeddings, injections: list
    ) -> PlanEvidence:
        sanitised = strip_injections(doc, injections)
        store = MemoryStore(chunk_document(sanitised, settings), embeddings)
        retriever = HybridRetriever(
            store=store,
            settings=settings,
            scope=Scope(guidelines=False, plan_ids=frozenset({doc.doc_id})),
            k=6,
        )
        return cls(original=doc, sanitised=sanitised, retriever=retriever, embeddings=embeddings)

    def vectors(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vec_cache]
        if missing:
            for t, v in zip(missing, self.embeddings.embed_documents(missing), strict=True):
                vec = np.asarray(v, dtype=np.float32)
                self._vec_cache[t] = vec / max(float(np.linalg.norm(vec)), 1e-9)
        return np.stack([self._vec_cache[t] for t in texts]) if texts else np.zeros((0, 1), dtype=np.float32)

    def chunks_for(self, criterion: Criterion) -> list[Document]:
        """Fuse the rankings of every hint query: a criterion is asked about in several ways."""
        scores: dict[str, float] = {}
        docs: dict[str, Document] = {}
        for query in [criterion.text, *criterion.queries]:
            for rank, d in enumerate(self.retriever.search(query, k=6)):
                key = d.id or ""
                docs[key] = d
                scores[key] = scores.get(key, 0.0) + 1.0 / (rank + 1)
        return [docs[k] for k, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:8]]

    def headings(self, page: int) -> list[tuple[int, str]]:
        """(offset, text) of heading-like lines on a page, which give list rows their topic."""
        if page not in self._headings:
            text = next((p.text for p in self.sanitised.pages if p.page == page), "")
            found = []
            offset = 0
            for line in text.split("\n"):
                if is_heading(line):
                    found.append((offset, line.strip()))
                offset += len(line) + 1
            self._headings[page] = found
        return self._headings[page]

    def context_of(self, chunk: Document, sentence: str) -> str:
        page = int(chunk.metadata["page"])
        at = int(chunk.metadata.get("start", 0)) + max(chunk.page_content.find(sentence), 0)
        before = [h for off, h in self.headings(page) if off < at]
        return before[-1] if before else ""

    def evidence_for(self, criterion: Criterion) -> list[Evidence]:
        """Sentences about the criterion: a topic keyword in the sentence or its heading, and close
        enough in meaning (or carrying the criterion's cue). Headings themselves are context, not
        evidence: a heading shows a topic exists but states nothing."""
        chunks = self.chunks_for(criterion)
        seen: set[tuple[int, str]] = set()
        candidates: list[tuple[Document, str, str]] = []
        for chunk in chunks:
            for sentence in chunk_sentences(chunk):
                key = (int(chunk.metadata["page"]), squash(sentence))
                if key in seen or is_heading(sentence) or INJECTION_RE.search(nfkc(sentence)):
                    continue
                seen.add(key)
                candidates.append((chunk, sentence, self.context_of(chunk, sentence)))
        if not candidates:
            return []
        target = self.vectors([criterion.text + " " + " ".join(criterion.queries)])[0]
        sims = self.vectors([f"{ctx} {s}".strip() for _, s, ctx in candidates]) @ target
        keywords = [nfkc(k) for k in criterion.keywords]
        out = []
        for (chunk, sentence, ctx), sim in zip(candidates, sims, strict=True):
            norm = nfkc(ctx + " " + sentence)
            hits = [k for k in keywords if k in norm]
            cues = find_cues(sentence, ctx)
            if not hits or (len(hits) < 2 and sim < DENSE_RELEVANT and not cues & set(criterion.cues)):
                continue
            score = float(sim) + 0.15 * min(len(hits), 3) + 0.1 * len(cues & set(criterion.cues))
            out.append(
                Evidence(
                    page=int(chunk.metadata["page"]),
                    text=sentence,
                    context=ctx,
                    score=score,
                    keyword_hits=hits,
                    cues=cues,
                    non_commitment=is_non_commitment(sentence),
                    ocr=bool(chunk.metadata.get("ocr")),
                )
            )
        out.sort(key=lambda e: (-e.score, e.page, e.text))
        return out

    def verified(self, evidence: list[Evidence]) -> list[PlanCitation]:
        cites = []
        for e in evidence:
            if quote_on_page(self.original, e.page, None, e.text):
                cites.append(PlanCitation(page=e.page, quote=e.text))
        return cites


# ---------------------------------------------------------------------------------------------
# Offline rules
# ---------------------------------------------------------------------------------------------
def cue_satisfied(criterion: Criterion, texts: list[str], context: str = "") -> tuple[bool, set[str]]:
    """Whether the texts show the concrete element a presence criterion asks for."""
    joined = "\n".join(texts)
    cues = find_cues(joined, context)
    wanted = set(criterion.cues)
    if "company" in wanted and count_companies(joined) < 2:
        cues.discard("company")
    if not wanted:
        return True, cues
    ok = wanted <= cues if criterion.cue_mode == "all" else bool(wanted & cues)
    return ok, cues


def _applicable(criterion: Criterion, doc: ParsedDocument) -> bool:
    if not criterion.applicability_keywords:
        return True
    body = nfkc("\n".join(p.text for p in doc.pages))
    return any(nfkc(k) in body for k in criterion.applicability_keywords)


def _pages(cites: list[PlanCitation]) -> str:
    return "・".join(str(p) for p in sorted({c.page for c in cites}))


def _cue_names(cues: set[str]) -> str:
    return "、".join(CUE_LABELS_JA[c] for c in sorted(cues) if c in CUE_LABELS_JA) or "なし"


_DEPENDENCY_WORD = re.compile(
    r"依存|一社|1社|単一|特定の(?:取引先|販売先|企業|者)|フランチャイ|FC本部|輸入|海外製|独占|専属|OEM"
)
_CLAUSE_SPLIT = re.compile(r"が、|ものの、|。|；|;")


def _dependency_signals(evidence: list[Evidence]) -> str:
    """Risk shares count only in a clause about dependence: 「国内調達率を90％へ引き上げる」 is a
    mitigation target, while 「売上の9割を一社に依存」 is a risk."""
    clauses = [c for e in evidence for c in _CLAUSE_SPLIT.split(nfkc(e.text)) if c]
    risky = [c for c in clauses if _DEPENDENCY_WORD.search(c) and not MITIGATION.search(c)]
    risks = sorted({m.group(0) for c in risky for m in DEPENDENCY_RISK.finditer(c)})
    mitig = sorted({m.group(0) for c in clauses for m in MITIGATION.finditer(c)})
    parts = []
    if risks:
        strong = any(DEPENDENCY_RISK_SHARE.search(c) for c in risky)
        parts.append(
            f"依存のリスク要因：{'、'.join(risks[:5])}"
            + ("（特定先への高い集中を示す記載あり）" if strong else "")
        )
    if mitig:
        parts.append(f"依存低減・域内/国内調達に関する記載：{'、'.join(mitig[:5])}")
    if not parts:
        parts.append("依存の度合いを示す数値や低減策の記載は確認できません")
    return "。".join(parts) + "。"


def draft_item_offline(criterion: Criterion, plan: PlanEvidence) -> ChecklistItem:
    if not _applicable(criterion, plan.sanitised):
        return ChecklistItem(
            criterion_id=criterion.id,
            verdict=Verdict.not_applicable,
            rationale=f"適用条件（{criterion.applicability}）に当たる記載が計画にないため、対象外と判断しました。"
            "該当する場合は審査者が確認してください。",
        )
    evidence = plan.evidence_for(criterion)
    if not evidence:
        return ChecklistItem(
            criterion_id=criterion.id,
            verdict=Verdict.not_addressed,
            rationale=f"「{criterion.label}」に関する記載が計画書に見当たりません。",
        )
    ocr_note = (
        "（OCRで読み取った頁を含むため、引用の確認をお願いします）"
        if any(e.ocr for e in evidence[:MAX_CITATIONS])
        else ""
    )
    if criterion.kind == "judgement":
        cites = plan.verified(evidence[:MAX_CITATIONS])
        rationale = f"「{criterion.label}」は審査者の判断が必要な項目です。関連する記載（{_pages(cites)}頁）を示します。"
        if criterion.group == "外部依存性":
            rationale += _dependency_signals(evidence)
        verdict = Verdict.needs_review if cites else Verdict.not_addressed
        if not cites:
            rationale = f"「{criterion.label}」に関する記載を引用として確認できませんでした。"
        return ChecklistItem(
            criterion_id=criterion.id, verdict=verdict, rationale=rationale + ocr_note, citations=cites
        )
    concrete = [e for e in evidence if cue_satisfied(criterion, [e.text], e.context)[0]]
    committed = [e for e in concrete if not _is_hedged(e, criterion)]
    hedges = [e for e in evidence if e.non_commitment and _is_hedged(e, criterion)]
    if committed and hedges and hedges[0].score > committed[0].score:
        chosen = [hedges[0], committed[0]]
        verdict = Verdict.partially_meets
        rationale = (
            f"「{criterion.label}」について具体的な記載もありますが、中心となる記載が「今後検討」「予定」等の"
            "表現にとどまっています。"
        )
    elif committed:
        chosen = committed[:MAX_CITATIONS]
        verdict = Verdict.meets
        _, cues = cue_satisfied(criterion, [e.text for e in chosen], chosen[0].context)
        rationale = f"「{criterion.label}」について具体的な記載があります（確認できた要素：{_cue_names(cues & set(criterion.cues) or cues)}）。"
    elif all(e.non_commitment for e in evidence[:MAX_CITATIONS]):
        chosen = [e for e in evidence if e.non_commitment][:MAX_CITATIONS]
        verdict = Verdict.does_not_meet
        rationale = f"「{criterion.label}」は「今後検討」「予定」「未定」等の表現にとどまり、具体的な内容が示されていません。"
    elif not any(e.cues & set(criterion.cues) or len(e.keyword_hits) >= 2 for e in evidence[:MAX_CITATIONS]):
        return ChecklistItem(
            criterion_id=criterion.id,
            verdict=Verdict.not_addressed,
            rationale=f"「{criterion.label}」に当たる具体的な記載が見当たりません（関連語を含む記載のみ）。",
        )
    else:
        ok, cues = cue_satisfied(criterion, [e.text for e in evidence[:MAX_CITATIONS]], evidence[0].context)
        chosen = evidence[:MAX_CITATIONS]
        missing = _cue_names(set(criterion.cues) - cues) if criterion.cues else "具体的な内容"
        verdict = Verdict.meets if ok else Verdict.partially_meets
        rationale = (
            f"「{criterion.label}」に関する記載はありますが、{missing}が確認できません。"
            if not ok
            else f"「{criterion.label}」について記載があります（確認できた要素：{_cue_names(cues)}）。"
        )
    cites = plan.verified(chosen)
    return _enforce_evidence(
        ChecklistItem(
            criterion_id=criterion.id, verdict=verdict, rationale=rationale + ocr_note, citations=cites
        )
    )


def _is_hedged(e: Evidence, criterion: Criterion) -> bool:
    """A non-committal sentence, unless it carries the figure the criterion asks for: 「令和10年度に
    稼働予定」 is a schedule, while 「知事が発表する予定」 is not yet an announcement."""
    if not e.non_commitment:
        return False
    quantitative = {"amount", "year", "percent", "target"}
    return not (e.cues & quantitative & set(criterion.cues)) or "announce" in criterion.cues


def _enforce_evidence(item: ChecklistItem) -> ChecklistItem:
    """A verdict that claims something about the plan needs at least one verified quote."""
    if item.verdict in EVIDENCE_VERDICTS and not item.citations:
        return item.model_copy(
            update={
                "verdict": Verdict.needs_review,
                "rationale": item.rationale + "（検証済みの引用がないため「要確認」に変更しました）",
            }
        )
    return item


# ---------------------------------------------------------------------------------------------
# LLM drafter
# ---------------------------------------------------------------------------------------------
class LLMPlanCitation(BaseModel):
    key: str = Field(description="Evidence key such as S3")
    quote: str = Field(description="Exact text copied from that evidence passage")


class LLMItem(BaseModel):
    criterion_id: str
    verdict: Verdict
    rationale: str = Field(description="Japanese rationale, 1-3 sentences")
    citations: list[LLMPlanCitation]


class LLMChecklist(BaseModel):
    items: list[LLMItem]


def _llm_prompt(
    criteria: list[Criterion], plan: PlanEvidence, settings: Settings
) -> tuple[list, dict[str, Document]]:
    keyed: dict[str, Document] = {}
    blocks = []
    for c in criteria:
        lines = [
            f"## {c.id}（{c.group}／{'記載の有無' if c.kind == 'presence' else '審査者の判断'}）",
            f"基準：{c.text}",
        ]
        if c.applicability:
            lines.append(f"適用条件：{c.applicability}")
        for chunk in plan.chunks_for(c)[:4]:
            key = next((k for k, v in keyed.items() if v.id == chunk.id), None)
            if key is None:
                key = f"S{len(keyed) + 1}"
                keyed[key] = chunk
            lines.append(f"候補根拠：【{key}】")
        blocks.append("\n".join(lines))
    evidence = "\n\n".join(
        f"【{k}】{v.metadata['page']}頁\n<plan_data>\n{v.page_content}\n</plan_data>"
        for k, v in keyed.items()
    )
    system = llm.load_prompt(settings, "assess_system")
    user = llm.load_prompt(settings, "assess_user").format(
        criteria="\n\n".join(blocks), evidence=evidence, plan=plan.original.source
    )
    return [SystemMessage(system), HumanMessage(user)], keyed


def _check_llm_items(
    obj: LLMChecklist, criteria: list[Criterion], keyed: dict[str, Document], plan: PlanEvidence
) -> list[str]:
    errors = []
    expected = {c.id for c in criteria}
    got = [i.criterion_id for i in obj.items]
    if set(got) != expected or len(got) != len(expected):
        errors.append(
            f"items: criterion_id はちょうど次の {len(expected)} 件を1回ずつ含めてください：{', '.join(sorted(expected))}"
        )
    for item in obj.items:
        for c in item.citations:
            chunk = keyed.get(c.key)
            if chunk is None:
                errors.append(f"{item.criterion_id}: 根拠キー {c.key} は存在しません")
            elif not quote_on_page(plan.original, int(chunk.metadata["page"]), None, c.quote):
                errors.append(
                    f"{item.criterion_id}: {c.key} の quote「{c.quote[:40]}」は計画書の原文と一致しません"
                )
            elif INJECTION_RE.search(nfkc(c.quote)):
                errors.append(f"{item.criterion_id}: {c.key} の quote は審査への指示文であり根拠にできません")
    return errors


def _accept_llm_item(
    item: LLMItem, criterion: Criterion, keyed: dict[str, Document], plan: PlanEvidence, injected: bool
) -> ChecklistItem:
    """Keep the model's judgement only where the evidence rules can back it.

    Quotes must verify on their page and never be injected text; a positive verdict must cite a
    passage on the criterion's topic; a presence ``meets`` must cite a concrete, committed
    statement; and when the plan tried to instruct the assessor, no positive verdict stands
    without a person looking at it.
    """
    cites = []
    for c in item.citations:
        chunk = keyed.get(c.key)
        if chunk is None or INJECTION_RE.search(nfkc(c.quote)):
            continue
        page = int(chunk.metadata["page"])
        if quote_on_page(plan.original, page, None, c.quote):
            cites.append(PlanCitation(page=page, quote=c.quote.strip()))
    verdict, rationale = item.verdict, item.rationale
    positive = verdict in (Verdict.meets, Verdict.partially_meets)
    on_topic = any(nfkc(k) in nfkc(c.quote) for c in cites for k in criterion.keywords)
    if positive and criterion.keywords and not on_topic:
        verdict = Verdict.needs_review
        rationale += "（引用が基準の内容に関する記載と確認できないため「要確認」としました）"
    elif (
        verdict == Verdict.meets
        and criterion.kind == "presence"
        and not any(cue_satisfied(criterion, [c.quote])[0] and not is_non_commitment(c.quote) for c in cites)
    ):
        verdict = Verdict.needs_review
        rationale += "（引用に具体的な記載が確認できないため「要確認」としました）"
    elif positive and injected:
        verdict = Verdict.needs_review
        rationale += "（計画書に審査への指示と思われる記載があるため、肯定的な判定は審査者の確認が必要です）"
    return _enforce_evidence(
        ChecklistItem(
            criterion_id=criterion.id, verdict=verdict, rationale=rationale, citations=cites[:MAX_CITATIONS]
        )
    )


def draft_llm(
    criteria: list[Criterion], plan: PlanEvidence, settings: Settings, *, injected: bool = False
) -> list[ChecklistItem]:
    llm.ensure_plan_allowed(settings)
    messages, keyed = _llm_prompt(criteria, plan, settings)
    obj, _errors = llm.structured_call(
        settings, messages, LLMChecklist, lambda o: _check_llm_items(o, criteria, keyed, plan)
    )
    by_id = {i.criterion_id: i for i in obj.items}
    items = []
    for c in criteria:
        if c.id in by_id:
            items.append(_accept_llm_item(by_id[c.id], c, keyed, plan, injected))
        else:
            fallback = draft_item_offline(c, plan)
            items.append(
                fallback.model_copy(
                    update={
                        "rationale": "（LLMの出力に含まれなかったためオフライン下書き）" + fallback.rationale
                    }
                )
            )
    return items


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------
def assess_document(
    doc: ParsedDocument,
    *,
    plan_type: PlanType | None = None,
    backend: str | None = None,
    settings: Settings | None = None,
    rubric: Rubric | None = None,
    embeddings: Embeddings | None = None,
) -> Assessment:
    """Draft the checklist; ``backend`` None means the LLM when one is configured, else offline."""
    settings = settings or get_settings()
    backend = backend or ("llm" if settings.llm_enabled else "offline")
    rubric = rubric or load_rubric(settings)
    embeddings = embeddings or get_embeddings(settings)
    warnings = list(doc.warnings)
    if plan_type is None:
        detection = detect_plan_type(doc)
        plan_type = detection.plan_type
        if not detection.confident:
            warnings.append(
                f"計画種別を「{plan_type}：{rubric.type_label(plan_type)}」と推定しました（{detection.reason}）。"
                "誤っている場合は --type で指定してください。"
            )
    injections = find_injections(doc)
    warnings.extend(warning_for(f) for f in injections)
    plan = PlanEvidence.build(doc, settings, embeddings, injections)
    criteria = rubric.for_type(plan_type)
    backend_label = "offline"
    if backend == "llm":
        try:
            items = draft_llm(criteria, plan, settings, injected=bool(injections))
            backend_label = llm.backend_name(settings)
        except (LLMUnavailableError, PlanEndpointNotAllowedError) as exc:
            warnings.append(f"LLMを利用できないため、オフライン下書きに切り替えました：{exc}")
            items = [draft_item_offline(c, plan) for c in criteria]
    else:
        items = [draft_item_offline(c, plan) for c in criteria]
    return Assessment(
        plan=doc.source, plan_type=plan_type, backend=backend_label, warnings=warnings, items=items
    )


def assess_pdf(
    path: Path,
    *,
    plan_type: PlanType | None = None,
    backend: str | None = None,
    settings: Settings | None = None,
) -> Assessment:
    settings = settings or get_settings()
    return assess_document(
        parse_pdf(path, kind="plan", settings=settings),
        plan_type=plan_type,
        backend=backend,
        settings=settings,
    )
