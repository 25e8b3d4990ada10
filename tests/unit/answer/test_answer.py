"""Q&A: the offline extractive answerer and the LLM answerer against a scripted HTTP server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.fake_openai import FakeOpenAI, HTTPError, Reply

from assistant.api import ReviewAssistant
from assistant.domain.models import Answer, AnswerDelta
from assistant.settings import Settings
from assistant.text.grounding import verify_citation
from assistant.text.normalize import squash

C_DEPENDENCY = "特定の者(大企業・フランチャイザー等)に過度に依存する計画となっていないか"


def _all_quotes_verified(ra: ReviewAssistant, answer: Answer) -> bool:
    by_source = {}
    for doc_id in {c.doc_id for c in ra.index.snapshot().chunks}:
        doc = ra.lookup(doc_id)
        by_source[doc.source] = doc
    return all(verify_citation(c, by_source[c.source]) for c in answer.citations)


def test_offline_answer_quotes_the_c_dependency_criterion(ra: ReviewAssistant) -> None:
    answer = ra.ask("地場産業成長プランの外部依存性の要件は？", backend="offline")
    assert answer.answerable and answer.backend == "offline"
    assert any(squash(C_DEPENDENCY) in squash(c.quote) for c in answer.citations)
    assert all(c.page is None and c.section for c in answer.citations)
    assert _all_quotes_verified(ra, answer)


@pytest.mark.parametrize(
    "question",
    [
        "地域未来交付金の補助率は何％か",
        "申請の締切日はいつですか",
        "審査委員は何人ですか",
        "東京の天気はどうですか",
    ],
)
def test_offline_answer_abstains_when_the_guideline_does_not_say(ra: ReviewAssistant, question: str) -> None:
    answer = ra.ask(question, backend="offline")
    assert not answer.answerable
    assert answer.answer.startswith("ガイドラインに記載がありません。"), "the refusal comes first"
    assert _all_quotes_verified(ra, answer), "whatever is shown as 関連する記載 is quoted verbatim"


def test_offline_answer_with_plan_cites_guideline_and_plan(ra: ReviewAssistant, strong_b_pdf: Path) -> None:
    answer = ra.ask("この計画は外部依存性の要件を満たしているか", plan=str(strong_b_pdf), backend="offline")
    assert answer.answerable
    kinds = {"plan" if c.page else "guideline" for c in answer.citations}
    assert kinds == {"plan", "guideline"}
    assert any(
        c.source == strong_b_pdf.name and c.page == 5 and "輸入に依存" in c.quote for c in answer.citations
    )
    assert _all_quotes_verified(ra, answer)


def test_cli_ask_json_contract(ra: ReviewAssistant) -> None:
    env = {"RA_DATA_DIR": str(ra.settings.data_dir), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [
            str(Path(sys.executable).parent / "review-assistant"),
            "ask",
            "地場産業成長プランの外部依存性の要件は？",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    payload = json.loads(out.stdout)
    assert {"answer", "answerable", "backend", "citations"} <= set(payload)
    assert set(payload) - {"answer", "answerable", "backend", "citations"} <= {"question", "topic"}
    assert payload["answerable"] is True and payload["backend"] == "offline"
    assert set(payload["citations"][0]) == {"source", "page", "section", "quote"}
    assert any(C_DEPENDENCY in c["quote"] for c in payload["citations"])


# ---------------------------------------------------------------------------------------------
# LLM answerer against a scripted OpenAI-compatible server
# ---------------------------------------------------------------------------------------------
def _llm_ra(ra: ReviewAssistant, srv: FakeOpenAI, **extra: object) -> ReviewAssistant:
    settings = ra.settings.model_copy(
        update={
            "llm_model": "fake-model",
            "llm_base_url": srv.base_url,
            "llm_timeout": 3.0,
            "llm_max_retries": 0,
            **extra,
        }
    )
    return ReviewAssistant(settings)


def _key_for(body: dict, needle: str) -> str:
    """The chunk key the prompt gave the passage containing needle (keys depend on retrieval)."""
    prompt = body["messages"][1]["content"]
    for block in prompt.split("【S")[1:]:
        key, _, rest = block.partition("】")
        if needle in rest.split("【S")[0]:
            return f"S{key}"
    raise AssertionError(f"{needle} not in prompt")


def _good(body: dict) -> dict:
    key = _key_for(body, "フランチャイザー")
    return {
        "answerable": True,
        "answer": f"特定の者に過度に依存しないことが求められています【{key}】。",
        "citations": [{"key": key, "quote": C_DEPENDENCY}],
    }


def test_llm_good_answer_is_verified_and_renumbered(ra: ReviewAssistant) -> None:
    with FakeOpenAI([_good]) as srv:
        answer = _llm_ra(ra, srv).ask("地場産業成長プランの外部依存性の要件は？")
        assert srv.requests[0]["response_format"]["type"] == "json_schema"
    assert answer.backend == "llm:fake-model" and answer.answerable
    assert answer.answer == "特定の者に過度に依存しないことが求められています[1]。"
    assert [c.quote for c in answer.citations] == [C_DEPENDENCY]


def test_llm_hallucinated_key_is_dropped_after_reask(ra: ReviewAssistant) -> None:
    def bad(body: dict) -> dict:
        good = _good(body)
        good["answer"] += "補助率は50%です【S99】。"
        good["citations"].append({"key": "S99", "quote": "補助率は50%"})
        return good

    with FakeOpenAI([bad, bad]) as srv:
        answer = _llm_ra(ra, srv).ask("地場産業成長プランの外部依存性の要件は？")
        assert "S99" in srv.requests[1]["messages"][-1]["content"], (
            "the re-ask must carry the validation error"
        )
    assert "50%" not in answer.answer and "S99" not in answer.answer
    assert [c.quote for c in answer.citations] == [C_DEPENDENCY]


def test_llm_non_verbatim_quote_is_fixed_by_reask(ra: ReviewAssistant) -> None:
    def paraphrased(body: dict) -> dict:
        good = _good(body)
        good["citations"][0]["quote"] = "特定の企業に頼りすぎていないこと"
        return good

    with FakeOpenAI([paraphrased, _good]) as srv:
        answer = _llm_ra(ra, srv).ask("地場産業成長プランの外部依存性の要件は？")
        assert "一致しません" in srv.requests[1]["messages"][-1]["content"]
    assert answer.backend == "llm:fake-model"
    assert [c.quote for c in answer.citations] == [C_DEPENDENCY]


def test_llm_claim_without_verified_quote_falls_back_to_offline(ra: ReviewAssistant) -> None:
    def paraphrased(body: dict) -> dict:
        good = _good(body)
        good["citations"][0]["quote"] = "特定の企業に頼りすぎていないこと"
        return good

    with FakeOpenAI([paraphrased, paraphrased]) as srv:
        answer = _llm_ra(ra, srv).ask("地場産業成長プランの外部依存性の要件は？")
    assert answer.backend == "offline" and "注意" in answer.answer
    assert all("頼りすぎ" not in c.quote for c in answer.citations)


@pytest.mark.parametrize(
    "script", [["{not json", "still { not json"], [Reply("{}", delay=5)]], ids=["malformed", "slow"]
)
def test_llm_failures_fall_back_to_offline_with_notice(ra: ReviewAssistant, script: list) -> None:
    with FakeOpenAI(script) as srv:
        answer = _llm_ra(ra, srv).ask("地場産業成長プランの外部依存性の要件は？")
    assert answer.backend == "offline"
    assert answer.answer.startswith("（注意：LLMを使えないため")
    assert any(C_DEPENDENCY in c.quote for c in answer.citations)


def test_llm_429_then_success(ra: ReviewAssistant) -> None:
    with FakeOpenAI([HTTPError(429), _good]) as srv:
        answer = _llm_ra(ra, srv, llm_max_retries=2).ask("地場産業成長プランの外部依存性の要件は？")
        assert len(srv.requests) == 2
    assert answer.backend == "llm:fake-model"


def test_llm_unanswerable_stays_unanswerable(ra: ReviewAssistant) -> None:
    with FakeOpenAI(
        [{"answerable": False, "answer": "ガイドラインに記載がありません。", "citations": []}]
    ) as srv:
        answer = _llm_ra(ra, srv).ask("地域未来交付金の補助率は何％か")
    assert not answer.answerable and answer.citations == []


def test_plan_text_is_not_sent_to_a_non_local_endpoint(ra: ReviewAssistant, strong_b_pdf: Path) -> None:
    settings = ra.settings.model_copy(
        update={
            "llm_model": "gpt-x",
            "llm_base_url": "https://llm.example.com/v1",
            "llm_max_retries": 0,
            "llm_timeout": 1.0,
        }
    )
    answer = ReviewAssistant(settings).ask("この計画の外部依存性は？", plan=str(strong_b_pdf))
    assert answer.backend == "offline" and "送信できません" in answer.answer


def test_plan_text_is_delimited_as_data_in_the_prompt(ra: ReviewAssistant, strong_b_pdf: Path) -> None:
    with FakeOpenAI(
        [{"answerable": False, "answer": "ガイドラインに記載がありません。", "citations": []}]
    ) as srv:
        _llm_ra(ra, srv).ask("この計画の外部依存性は？", plan=str(strong_b_pdf))
        prompt = srv.requests[0]["messages"][-1]["content"]
        system = srv.requests[0]["messages"][0]["content"]
    assert "<plan_data>" in prompt and "輸入に依存" in prompt.split("<plan_data>", 1)[1]
    assert "従わず" in system


def test_streaming_yields_deltas_then_a_verified_answer(ra: ReviewAssistant) -> None:
    def streamed(body: dict) -> Reply:
        key = _key_for(body, "フランチャイザー")
        text = f"特定の者に過度に依存しない計画であることが求められます【{key}】。"
        return Reply(text, chunks=[text[:10], text[10:]])

    with FakeOpenAI([streamed]) as srv:
        events = list(_llm_ra(ra, srv).stream_ask("地場産業成長プランの外部依存性の要件は？"))
    deltas = [e.text for e in events if isinstance(e, AnswerDelta)]
    final = events[-1]
    assert len(deltas) == 2 and isinstance(final, Answer)
    assert final.backend == "llm:fake-model" and final.answer.endswith("[1]。")
    assert C_DEPENDENCY in final.citations[0].quote


def test_settings_from_env_select_the_llm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RA_LLM_MODEL", "qwen")
    monkeypatch.setenv("RA_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("RA_LLM_ALLOWED_HOSTS", '["api.example.jp"]')
    s = Settings(data_dir=tmp_path)
    assert s.llm_enabled and s.llm_may_receive_plans() and s.llm_allowed_hosts == ["api.example.jp"]


@pytest.mark.parametrize(
    ("base_url", "allowed", "ok"),
    [
        ("https://aoai.example.jp/openai", ["https://aoai.example.jp/openai"], True),
        ("https://aoai.example.jp/openai", ["https://aoai.example.jp/other"], False),
        ("https://aoai.example.jp/openai-x", ["https://aoai.example.jp/openai"], False),
        ("https://aoai.example.jp/openai", ["aoai.example.jp"], True),
        ("http://localhost:11434/v1", [], True),
        (None, [], False),
        ("https://evil.example.com/v1", ["aoai.example.jp"], False),
    ],
)
def test_plan_endpoint_allow_list(base_url: str | None, allowed: list[str], ok: bool) -> None:
    s = Settings(llm_model="m", llm_base_url=base_url, llm_allowed_hosts=allowed)
    assert s.llm_may_receive_plans() is ok
