"""The matching form: office exports space every change between Japanese and digits or Latin letters,
and headings, cues and table labels must read the same either way."""

from __future__ import annotations

import pytest

from assistant.assess.evidence import is_heading
from assistant.text.cues import count_companies, find_cues, is_non_commitment
from assistant.text.normalize import close_script_gaps, is_table_header, match_form, squash, table_cells


@pytest.mark.parametrize(
    ("spaced", "closed"),
    [
        ("令和 13 年度", "令和13年度"),
        ("第 3 章推進体制", "第3章推進体制"),
        ("KPI については", "KPIについては"),
        ("売上額 400 億円、雇用 120 人", "売上額400億円、雇用120人"),
        ("比率 15% を", "比率15%を"),
    ],
)
def test_gaps_between_scripts_close(spaced: str, closed: str) -> None:
    assert close_script_gaps(spaced) == closed
    assert squash(spaced) == squash(closed), "quotes verify either way"


def test_other_spaces_and_separators_stay() -> None:
    assert close_script_gaps("supply chain") == "supply chain"
    assert close_script_gaps("北浜県 商工労働部") == "北浜県 商工労働部"
    assert close_script_gaps("売上額\t400億円\n雇用") == "売上額\t400億円\n雇用"
    assert match_form("ＫＰＩ　については") == "KPIについては"


def test_headings_cues_and_hedges_read_office_spacing() -> None:
    assert is_heading("第 3 章推進体制と参画企業") and is_heading("第3章推進体制と参画企業")
    assert not is_heading("令和 12 年度に 120 億円")
    assert not is_heading("項目\t内容"), "a table row is never a heading"
    drawn = find_cues("令和12年度に売上額120億円を目標とする。")
    assert find_cues("令和 12 年度に売上額 120 億円を目標とする。") == drawn >= {"year", "amount", "target"}
    assert find_cues("売上額 400 億円", "KPI（令和 12 年度の目標値）") >= {"target", "goal"}
    assert is_non_commitment("KPI の設定は今後 検討する。")
    assert count_companies("株式会社 ABC と XYZ 株式会社") == count_companies("株式会社ABCとXYZ株式会社")


def test_table_header_is_a_row_of_labels_over_figures() -> None:
    def rows(*lines: str) -> list[list[str]]:
        return [table_cells(line) for line in lines]

    kpi = rows("指標\t基準値（令和7年度）\t目標値（令和12年度）", "売上額\t－\t400億円", "雇用\t120人\t250人")
    assert is_table_header(kpi)
    assert not is_table_header(kpi[:1]), "a header needs rows below it"
    companies = rows(
        "・株式会社いろは水産（磯辺市）\t加工・製品化\t中核",
        "・磯辺漁業協同組合連合会\t原料魚の供給\t参画",
    )
    assert not is_table_header(companies), "rows of names: the first one is data"
    assert not is_table_header(rows("計画期間\t令和8年度～令和12年度\t5年", "対象\t県内\t10社"))
    assert not is_table_header(rows("提案者\t天ヶ原県", "提案日\t令和8年10月1日")), (
        "two cells: a label and a value"
    )
    assert not is_table_header(rows("項目\t内容\t備考", "体制\t専任チーム\t新設")), "no figures to label"
