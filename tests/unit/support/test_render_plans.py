"""The committed plan PDFs must say what their YAML cards say; the check must notice when they don't."""

from __future__ import annotations

import shutil
from pathlib import Path

from support.render_plans import ROOT, main, pdf_path, plan_cards, render_all, stale_pdfs


def test_committed_pdfs_match_their_cards() -> None:
    assert main(["--check"]) == 0


def test_every_card_has_its_pdf_beside_it() -> None:
    cards = plan_cards()
    assert (ROOT / "corpus/samples/sample_b_kitahama.yaml") in cards
    assert len(cards) > 10
    assert all(pdf_path(card).is_file() for card in cards)


def test_check_lists_an_edited_card_and_a_missing_pdf(tmp_path: Path) -> None:
    plans = tmp_path / "evals/data/plans"
    samples = tmp_path / "corpus/samples"
    plans.mkdir(parents=True)
    samples.mkdir(parents=True)
    for name in ("b_table_miyama.yaml", "c_scanned_okusawa.yaml"):
        shutil.copy(ROOT / "evals/data/plans" / name, plans / name)
    shutil.copy(ROOT / "corpus/samples/sample_b_kitahama.yaml", samples / "sample_b_kitahama.yaml")
    render_all(tmp_path)
    assert stale_pdfs(tmp_path) == []
    card = plans / "b_table_miyama.yaml"
    card.write_text(card.read_text(encoding="utf-8").replace("精密減速機", "精密変速機"), encoding="utf-8")
    (samples / "sample_b_kitahama.pdf").unlink()
    assert stale_pdfs(tmp_path) == [plans / "b_table_miyama.pdf", samples / "sample_b_kitahama.pdf"]
