"""Ingest and retrieval benchmark (offline, 2 cores).

    python -m benchmarks.ingest [--pages 50] [--chunks 10000] [--queries 200]

Reports, all measured in this run:
- whole ingest of a generated N-page Japanese plan PDF (parse + chunk + embed + Chroma add);
- pypdf extraction alone and embedding alone, with their ratio to the whole;
- retrieval latency p50/p95 over an index of ~10,000 chunks, hybrid vs dense-only and BM25-only
  (dense-only is the baseline the ratios refer to).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from assistant.api import ReviewAssistant
from assistant.domain.models import PageText, ParsedDocument
from assistant.ingest.chunking import chunk_document
from assistant.ingest.pdf import parse_pdf
from assistant.search.embeddings import get_embeddings
from assistant.search.stores import Scope
from assistant.settings import Settings
from tests.support.pdfgen import synthetic_plan_pages, write_plan_pdf


def _timed(fn):  # noqa: ANN001, ANN202
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def bench_ingest(tmp: Path, pages: int) -> None:
    pdf = write_plan_pdf(tmp / "plan50.pdf", synthetic_plan_pages("B", pages, seed=7))
    settings = Settings(data_dir=tmp / "data", ocr_enabled=False)
    get_embeddings(settings).embed_query("warm-up")  # model load is start-up, not ingest
    ra = ReviewAssistant(settings)
    ra.index.count()
    _, whole = _timed(lambda: ra.index_plan(pdf))
    doc, extract = _timed(lambda: parse_pdf(pdf, kind="plan", settings=settings))
    chunks = chunk_document(doc, settings)
    texts = [c.embedding_text() for c in chunks]
    _, embed = _timed(lambda: get_embeddings(settings).embed_documents(texts))
    print(
        f"## Ingest of a generated {pages}-page plan ({len(chunks)} chunks, {sum(len(p.text) for p in doc.pages)} chars)"
    )
    print("| step | seconds | share of whole ingest |")
    print("|---|---:|---:|")
    print(f"| whole ingest (parse+chunk+embed+Chroma) | {whole:.2f} | 1.00 |")
    print(f"| pypdf extraction alone | {extract:.2f} | {extract / whole:.2f} |")
    print(f"| embedding alone | {embed:.2f} | {embed / whole:.2f} |")
    print(f"| embedding / extraction ratio | {embed / extract:.2f}× | |")
    print(f"| pages per second (whole) | {pages / whole:.1f} | |")


def bench_retrieval(tmp: Path, n_chunks: int, n_queries: int) -> None:
    settings = Settings(data_dir=tmp / "ret", ocr_enabled=False)
    ra = ReviewAssistant(settings)
    ra.index_paths()
    seed = 0
    total = ra.index.count()
    plan_ids = []
    start = time.perf_counter()
    while total < n_chunks:
        pages = synthetic_plan_pages("BC"[seed % 2], 40, seed=seed)  # type: ignore[arg-type]
        doc = ParsedDocument(
            doc_id=f"synthetic{seed:06d}",
            source=f"synthetic_{seed}.pdf",
            path="",
            kind="plan",
            pages=[PageText(page=i + 1, raw=p, text=p) for i, p in enumerate(pages)],
        )
        total += ra.index_document(doc, chunk_document(doc, settings))
        plan_ids.append(doc.doc_id)
        seed += 1
    build = time.perf_counter() - start
    queries = [q for c in ra.rubric.criteria for q in c.queries][:n_queries]
    while len(queries) < n_queries:
        queries += queries
    queries = queries[:n_queries]
    scope = Scope(plan_ids=frozenset(plan_ids))
    print(
        f"\n## Retrieval latency over {total} chunks ({len(plan_ids)} plans + guideline; index built in {build:.0f} s)"
    )
    print("| mode | p50 ms | p95 ms | p50 vs dense-only |")
    print("|---|---:|---:|---:|")
    results = {}
    for mode in ("dense", "bm25", "hybrid"):
        retriever = ra.retriever(scope, k=6, mode=mode)  # type: ignore[arg-type]
        retriever.search("warm-up")
        times = []
        for i, q in enumerate(queries):
            text = f"{q}（{mode}{i}）"  # unique text, so the query-embedding cache never helps
            _, t = _timed(lambda r=retriever, text=text: r.search(text))
            times.append(t * 1000)
        times.sort()
        results[mode] = (statistics.median(times), times[int(0.95 * (len(times) - 1))])
    base = results["dense"][0]
    for mode, (p50, p95) in results.items():
        print(f"| {mode} | {p50:.1f} | {p95:.1f} | {p50 / base:.2f}× |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_ingest(Path(tmp), args.pages)
        bench_retrieval(Path(tmp), args.chunks, args.queries)


if __name__ == "__main__":
    main()
