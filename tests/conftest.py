# --- LLM plumbing fixtures (owner: llm) --------------------------------------------------------
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.fake_openai import FakeOpenAI

from assistant.settings import Settings


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """An empty scripted server; add replies with ``fake_openai.add(...)`` (see tests/fake_openai.py)."""
    with FakeOpenAI() as srv:
        yield srv


@pytest.fixture
def fake_llm_settings(fake_openai: FakeOpenAI, tmp_path: Path) -> Settings:
    """Settings pointed at ``fake_openai``: short timeout and no client retries, so one scripted
    reply answers one call; override with ``fake_llm_settings.model_copy(update={...})``."""
    return Settings(
        llm_model="fake-model",
        llm_base_url=fake_openai.base_url,
        llm_timeout=5.0,
        llm_max_retries=0,
        data_dir=tmp_path / "data",
    )


# --- end LLM plumbing fixtures -----------------------------------------------------------------


# --- core fixtures (owner: lead) ---------------------------------------------------------------
from support.pdfgen import write_plan_pdf  # noqa: E402

from assistant.api import ReviewAssistant  # noqa: E402

STRONG_B_PAGES = [
    "# 北浜県 地域産業クラスター計画\n北浜県は、蓄電池部材の地域産業クラスターを形成する。本計画は令和8年度から令和12年度までの5年計画である。",
    "# 1. 市場と製品\n本クラスターが実現する製品は、電気自動車向けの全固体電池用セパレータである。"
    "世界市場は2030年に1兆2000億円に拡大すると見込まれ、国内外の自動車メーカーからの需要が高い。\n"
    "輸出比率を50%とし、国内シェア上位3位を目指す。",
    "# 2. 推進体制\n中核企業は株式会社北浜マテリアルズであり、山田化学工業株式会社、株式会社ミナト精機が参画する。\n"
    "県は産業振興課に専任の伴走支援チームを設置し、計画期間中、継続的に支援する。\n"
    "知事は令和8年4月の記者会見で本計画を発表した。",
    "# 3. 目標とKPI\n計画にて創出する売上額の目標は令和12年度に350億円、付加価値額は120億円とする。\n"
    "KPI：域内取引額 80億円、新規雇用 300人、平均賃金 5%引上げ。\n"
    "毎年度、推進協議会で進捗をモニタリングし、結果を公表する。",
    "# 4. 投資計画\n主要企業による設備投資は総額250億円を見込み、令和9年度に着工、令和10年度に稼働予定である。\n"
    "部材の8割は海外からの輸入に依存しているが、令和11年度までに域内調達率を60%に引き上げる。",
]


@pytest.fixture(scope="session")
def corpus_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One indexed copy of the bundled corpus shared by read-only tests (indexing loads models)."""
    data_dir = tmp_path_factory.mktemp("corpus-data")
    ReviewAssistant(Settings(data_dir=data_dir)).index_paths()
    return data_dir


@pytest.fixture
def ra(corpus_data_dir: Path, tmp_path: Path) -> ReviewAssistant:
    """A ReviewAssistant over a private copy of the indexed corpus, so tests may write to it."""
    import shutil

    data_dir = tmp_path / "data"
    shutil.copytree(corpus_data_dir, data_dir)
    return ReviewAssistant(Settings(data_dir=data_dir))


@pytest.fixture(scope="session")
def strong_b_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_plan_pdf(
        tmp_path_factory.mktemp("plans") / "b_kitahama.pdf",
        STRONG_B_PAGES,
        title="北浜県 地域産業クラスター計画",
    )


# --- end core fixtures -------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--snapshot-update",
        action="store_true",
        help="rewrite tests/snapshots from the current outputs instead of comparing with them",
    )
