"""Answers that answer: the first line quotes the decisive guideline words, for every plan type a
question concerns, side by side for comparisons, whole for lists; follow-ups inherit their topic;
what the guideline lacks is declined first, with the closest requirement shown after."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.api import ReviewAssistant
from assistant.domain.models import Answer, Turn
from assistant.text.normalize import squash

B_DEPENDENCY = "当該地域又は国内で調達・提供することを目指すか"
C_DEPENDENCY = "特定の者(大企業・フランチャイザー等)に過度に依存する計画となっていないか"


def first_line(answer: Answer) -> str:
    return answer.answer.split("\n", 1)[0]


def has(text: str, phrase: str) -> bool:
    return squash(phrase) in squash(text)


@pytest.mark.parametrize(
    "question",
    [
        "地場産業成長プランの外部依存性の要件は？",
        "今度うちで地場プランを作るんですけど、外部依存性の基準を満たすには何を書けばいいんでしょう",
        "地場プランで、取引の大半を一つの大手チェーンに頼るような事業だと問題がありますか",
    ],
)
def test_a_named_requirement_is_answered_in_the_first_line(ra: ReviewAssistant, question: str) -> None:
    answer = ra.ask(question, backend="offline")
    assert answer.answerable
    assert has(first_line(answer), C_DEPENDENCY) and "[1]" in first_line(answer)
    assert any(has(c.quote, C_DEPENDENCY) for c in answer.citations)


def test_a_requirement_without_a_plan_type_is_answered_for_both_b_and_c(ra: ReviewAssistant) -> None:
    answer = ra.ask("外部依存性ではどんなことを確認されますか", backend="offline")
    line = first_line(answer)
    assert has(line, B_DEPENDENCY) and has(line, C_DEPENDENCY)
    assert "地域産業クラスター計画" in line and "地場産業成長プラン" in line
    assert answer.topic is not None and answer.topic.plan_types == ["B", "C"]


def test_comparison_is_side_by_side(ra: ReviewAssistant) -> None:
    line = first_line(ra.ask("地域クラスターと地場プランで有望度の要件を並べてください", backend="offline"))
    b, c = line.index("地域産業クラスター計画では"), line.index("地場産業成長プランでは")
    assert has(line[b:c], "海外輸出で外貨を稼げる") and has(
        line[c:], "既存製品・サービスと比較して付加価値を高める"
    )


def test_a_list_question_gets_the_whole_list(ra: ReviewAssistant) -> None:
    answer = ra.ask("プロジェクト提案はどんな基準で受け付けられるんですか", backend="offline")
    line = first_line(answer)
    for item in (
        "17の戦略分野に関する検討と整合",
        "一定の大規模投資の見込み",
        "賃上げも含めた持続可能な地域の労働環境整備",
    ):
        assert has(line, item), item
    assert len(answer.citations) == 7


def test_a_follow_up_inherits_the_topic(ra: ReviewAssistant) -> None:
    first = ra.ask("地場プランだとKPIは必要ですか", backend="offline")
    history = [Turn(question=first.question, topic=first.topic)]
    follow = ra.ask("B計画だったら？", backend="offline", history=history)
    assert follow.answerable and "地域産業クラスター計画" in first_line(follow)
    assert has(first_line(follow), "具体的なKPIの設定")
    others = ra.ask("KPI以外には何が求められますか", backend="offline", history=history)
    assert has(first_line(others), "定期的なモニタリング")


@pytest.mark.parametrize(
    ("question", "related"),
    [
        ("地場プランでは売上の何割まで一社に頼ってよいのですか", C_DEPENDENCY),
        ("伴走支援体制の職員は最低何人必要ですか", "伴走支援体制の確立"),
        ("知事の発表は、県のホームページへの掲載だけでも要件を満たしますか", "知事としての発表"),
    ],
)
def test_what_the_guideline_lacks_is_declined_with_the_closest_requirement(
    ra: ReviewAssistant, question: str, related: str
) -> None:
    answer = ra.ask(question, backend="offline")
    assert not answer.answerable
    assert first_line(answer).startswith("ガイドラインに記載がありません。")
    assert "関連する記載" in answer.answer and any(has(c.quote, related) for c in answer.citations)


def test_a_scope_clause_answers_whether_an_alternative_is_acceptable(ra: ReviewAssistant) -> None:
    answer = ra.ask("伴走支援の体制は、今ある課の体制のままでも構いませんか", backend="offline")
    assert answer.answerable and has(first_line(answer), "新設・既設問わず")


def test_english_questions_are_understood(ra: ReviewAssistant) -> None:
    answer = ra.ask("What does the external dependency requirement ask of a type C plan?", backend="offline")
    assert answer.answerable and has(first_line(answer), C_DEPENDENCY)


def test_cli_follow_up_of_a_saved_answer(ra: ReviewAssistant, tmp_path: Path) -> None:
    env = {"RA_DATA_DIR": str(ra.settings.data_dir), "PATH": "/usr/bin:/bin"}
    cli = str(Path(sys.executable).parent / "review-assistant")
    first = subprocess.run(
        [cli, "ask", "地場プランの外部依存性の要件は？", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    saved = tmp_path / "first.json"
    saved.write_text(first.stdout, encoding="utf-8")
    follow = subprocess.run(
        [cli, "ask", "Bの場合は？", "--follow-up-of", str(saved), "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    payload = json.loads(follow.stdout)
    assert has(payload["answer"].split("\n")[0], B_DEPENDENCY)
    broken = tmp_path / "broken.json"
    broken.write_text("not json", encoding="utf-8")
    refused = subprocess.run(
        [cli, "ask", "Bの場合は？", "--follow-up-of", str(broken)], capture_output=True, text=True, env=env
    )
    assert refused.returncode == 1 and "ask --json" in refused.stderr and "Traceback" not in refused.stderr


def test_an_alternative_the_criterion_names_is_answered_not_declined(ra: ReviewAssistant) -> None:
    """「…又は国内で上位シェア」 names the alternative a 「…でも認められるか」 question asks about."""
    answer = ra.ask(
        "地域クラスターの有望度は、輸出でなく国内で高いシェアを狙う計画でも認められますか", backend="offline"
    )
    assert answer.answerable
    assert has(first_line(answer), "国内で上位シェアを目指すもの")


@pytest.mark.parametrize(
    ("question", "answerable"),
    [
        ("計画素案を議論する検討会議には誰が加わりますか", True),
        ("有望度の審査は、どこの誰が担当するんですか", False),
        ("検討会議の委員には、どこの団体が入っているのですか", False),
        ("地域産業クラスター計画のKPIの達成状況は毎年公表しなければなりませんか", False),
    ],
)
def test_who_and_which_body_need_an_actor_or_a_proper_name(
    ra: ReviewAssistant, question: str, answerable: bool
) -> None:
    """A category word (「地方公共団体」) names no body; a criterion without an actor cannot say who."""
    answer = ra.ask(question, backend="offline")
    assert answer.answerable is answerable, answer.answer
    if not answerable:
        assert answer.answer.startswith("ガイドラインに記載がありません。")


def test_a_short_question_with_its_own_subject_is_not_a_follow_up(ra: ReviewAssistant) -> None:
    """After a question about 外部依存性, 「補助金の交付決定日はいつですか」 is a new question; 「Cの場合は？」
    and 「それは誰が作るの？」 continue the previous one."""
    first = ra.ask("地域産業クラスター計画の外部依存性の要件は？", backend="offline")
    history = [Turn(question=first.question, topic=first.topic)]
    new = ra.ask("補助金の交付決定日はいつですか", backend="offline", history=history)
    assert not new.answerable and new.answer.startswith("ガイドラインに記載がありません。")
    assert new.topic is not None and not new.topic.groups
    same = ra.ask("Cの場合は？", backend="offline", history=history)
    assert same.answerable and has(first_line(same), C_DEPENDENCY)
