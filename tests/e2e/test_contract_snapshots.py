"""The public contracts, byte for byte: what the CLI prints and writes must not drift unnoticed.

Recorded outputs live in ``tests/snapshots/contracts``. They cover ``assess --json`` on every
labelled eval plan, ``ask --json`` on every eval question (guideline-only, plus reviewer questions
about a plan), ``search --json``, ``review list/show --json``, all four ``review export`` formats of
a decided submission, and a batch run's per-plan JSON, ``files.csv``, ``checklist.csv`` and
``summary.xlsx``. The CLI runs in-process through its installed console-script entry point, so the
test follows the entry point wherever the code behind it lives.

Only clock readings are masked (drafted/decided/exported times, batch seconds). When a change of
output is intended, regenerate with ``pytest tests/test_contract_snapshots.py --snapshot-update``
and review the diff of ``tests/snapshots`` in the same commit.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from support.pdfgen import write_plan_pdf

from assistant import settings as settings_module

ROOT = Path(__file__).resolve().parents[2]
EVALS = ROOT / "evals" / "data"
SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots" / "contracts"

_ISO_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:\d{2}|Z| [A-Z]{2,5})?"
)
_SECONDS_CELL = re.compile(r"(?m)^(.*,)\d+\.\d{2}(\r?)$")

#: The labelled plans that existed when the snapshots were recorded (later plans are not contracts).
SNAPSHOT_PLANS = (
    "a_proposal_oose",
    "b_injection_chihaya",
    "b_mixed_nishikawa",
    "b_strong_kitahama",
    "b_weak_minamioka",
    "c_mixed_hamakaze",
    "c_scanned_okusawa",
    "c_strong_higashiura",
    "c_weak_yamanobe",
)
PLAN_QUESTIONS = (
    "この計画は外部依存性の基準を満たしていますか",
    "KPIは設定されていますか",
    "知事の発表はありますか",
    "投資計画の規模とスケジュールは？",
)


def _mask(text: str) -> str:
    return _ISO_TIME.sub("<time>", text)


def _cli() -> Callable[[list[str]], int]:
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "review-assistant"]
    return script.load()


class Runner:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.main = _cli()

    def __call__(self, *argv: str) -> str:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = self.main(list(argv))
        assert code == 0, f"{argv}: exit {code}\n{err.getvalue()}"
        return out.getvalue()


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    tmp = tmp_path_factory.mktemp("contracts")
    mp = pytest.MonkeyPatch()
    for key in [k for k in __import__("os").environ if k.startswith("RA_")]:
        mp.delenv(key)
    mp.setenv("RA_DATA_DIR", str(tmp / "data"))
    mp.setenv("RA_CONFIG", str(tmp / "absent.toml"))
    settings_module.get_settings.cache_clear()
    runner = Runner(tmp / "data")
    runner("index")
    yield runner
    settings_module.get_settings.cache_clear()
    mp.undo()


@pytest.fixture(scope="module")
def plan_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("plans")
    pdfs = {}
    for stem in SNAPSHOT_PLANS:
        spec = yaml.safe_load((EVALS / "plans" / f"{stem}.yaml").read_text(encoding="utf-8"))
        pdfs[stem] = write_plan_pdf(
            folder / spec["file"],
            spec["pages"],
            title=spec.get("title"),
            scanned_pages=spec.get("scanned_pages", []),
        )
    return pdfs


def _check(name: str, actual: str, request: pytest.FixtureRequest) -> None:
    path = SNAPSHOTS / name
    if request.config.getoption("--snapshot-update"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.is_file(), f"no snapshot {name}; record it with --snapshot-update"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from its snapshot"


def _questions() -> list[tuple[str, str]]:
    out = []
    for name in ("qa.yaml", "retrieval.yaml"):  # the sets that existed when the snapshots were recorded
        for q in yaml.safe_load((EVALS / name).read_text(encoding="utf-8"))["questions"]:
            out.append((q["id"], q["question"]))
    return out


def test_assess_json_on_every_eval_plan(
    cli: Runner, plan_pdfs: dict[str, Path], request: pytest.FixtureRequest
) -> None:
    outputs = {stem: json.loads(cli("assess", str(pdf), "--json")) for stem, pdf in plan_pdfs.items()}
    _check("assess.json", json.dumps(outputs, ensure_ascii=False, indent=1) + "\n", request)


def test_ask_json_on_every_eval_question(cli: Runner, request: pytest.FixtureRequest) -> None:
    outputs = {qid: json.loads(cli("ask", question, "--json")) for qid, question in _questions()}
    _check("ask.json", json.dumps(outputs, ensure_ascii=False, indent=1) + "\n", request)


def test_ask_json_about_a_plan(
    cli: Runner, plan_pdfs: dict[str, Path], request: pytest.FixtureRequest
) -> None:
    outputs = {}
    for stem in ("b_strong_kitahama", "c_weak_yamanobe"):
        for n, question in enumerate(PLAN_QUESTIONS):
            outputs[f"{stem}/{n}"] = json.loads(
                cli("ask", question, "--plan", str(plan_pdfs[stem]), "--json")
            )
    _check("ask_plan.json", json.dumps(outputs, ensure_ascii=False, indent=1) + "\n", request)


def test_search_json(cli: Runner, request: pytest.FixtureRequest) -> None:
    outputs = {qid: json.loads(cli("search", question, "--json")) for qid, question in _questions()[::4]}
    _check("search.json", json.dumps(outputs, ensure_ascii=False, indent=1) + "\n", request)


def _xlsx_values(path: Path) -> str:
    wb = load_workbook(path)
    sheets = {
        ws.title: [
            [_mask(str(v)) if v is not None else None for v in row] for row in ws.iter_rows(values_only=True)
        ]
        for ws in wb.worksheets
    }
    return json.dumps(sheets, ensure_ascii=False, indent=1) + "\n"


def test_review_list_show_and_exports(
    cli: Runner, plan_pdfs: dict[str, Path], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    pdf = plan_pdfs["b_mixed_nishikawa"]
    cli("assess", str(pdf), "--save", "--prefecture", "西川県", "--out", str(tmp_path / "a.json"))
    listing = json.loads(cli("review", "list", "--json"))
    sub = next(s for s in listing if s["file_name"] == pdf.name)["id"]
    show = json.loads(cli("review", "show", str(sub), "--json"))
    for n, item in enumerate(show["items"]):
        # 要確認 is never a final verdict: the reviewer chooses one for those items.
        drafted = "meets" if item["draft_verdict"] == "needs_review" else item["draft_verdict"]
        verdict = drafted if n % 3 else "partially_meets"
        cli(
            "review", "decide", str(sub), item["criterion_id"], "--verdict", verdict,
            "--comment", f"確認済み {n}", "--reviewer", "snapshot-reviewer",
        )  # fmt: skip
    data = str(cli.data_dir)
    _check("review_list.json", _mask(cli("review", "list", "--json")).replace(data, "<data>"), request)
    _check(
        "review_show.json", _mask(cli("review", "show", str(sub), "--json")).replace(data, "<data>"), request
    )
    for fmt in ("md", "html", "csv"):
        out = tmp_path / f"export.{fmt}"
        cli("review", "export", str(sub), "--format", fmt, "--out", str(out))
        _check(f"export.{fmt}", _mask(out.read_text(encoding="utf-8-sig")), request)
    cli("review", "export", str(sub), "--format", "xlsx", "--out", str(tmp_path / "export.xlsx"))
    _check("export.xlsx.json", _xlsx_values(tmp_path / "export.xlsx"), request)


def test_batch_outputs(
    cli: Runner, plan_pdfs: dict[str, Path], tmp_path: Path, request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for stem in ("b_weak_minamioka", "c_strong_higashiura", "a_proposal_oose"):
        (inbox / plan_pdfs[stem].name).write_bytes(plan_pdfs[stem].read_bytes())
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n")
    monkeypatch.chdir(tmp_path)
    main = cli.main
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        assert main(["batch", "inbox", "--out", "out", "--workers", "1"]) == 1
    out = tmp_path / "out"
    per_plan = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.json"))}
    _check("batch_plans.json", json.dumps(per_plan, ensure_ascii=False, indent=1) + "\n", request)
    files = (out / "files.csv").read_text(encoding="utf-8-sig")
    _check("batch_files.csv", _SECONDS_CELL.sub(r"\1<s>\2", files), request)
    _check("batch_checklist.csv", (out / "checklist.csv").read_text(encoding="utf-8-sig"), request)
    _check("batch_summary.xlsx.json", _xlsx_values(out / "summary.xlsx"), request)
