"""The package works installed, outside the checkout: prompts, guideline and labelled plans ship in it.

The wheel is built from a copy of the checkout (so the build leaves nothing behind), installed without
dependencies into a fresh venv that borrows the test venv's libraries through a ``.pth`` line (the
test stays offline), and run from an empty folder: ``index`` finds the bundled guideline, ``ask``
answers from it, and the LLM prompts load from the package.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _checkout_copy(dest: Path) -> Path:
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    archive = dest / "src.tar"
    with tarfile.open(archive, "w") as tar:
        for name in files:
            if (ROOT / name).is_file():
                tar.add(ROOT / name, arcname=name)
    src = dest / "src"
    with tarfile.open(archive) as tar:
        tar.extractall(src, filter="data")
    return src


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("wheel")
    src = _checkout_copy(tmp)
    dist = tmp / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(src),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = list(dist.glob("review_assistant-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "test_venv_libraries.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )
    return wheel, venv


def test_the_wheel_carries_prompts_guideline_and_labelled_plans(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("assistant/_bundled/prompts/") and n.endswith("answer_system.md") for n in names)
    assert any(n.startswith("assistant/_bundled/corpus/guidelines/") for n in names)
    assert any(n.startswith("assistant/_bundled/evals/data/plans/") and n.endswith(".yaml") for n in names)
    assert not any("/support/" in n or n.startswith("tests/") for n in names), "test fixtures stay out"


def test_installed_cli_indexes_and_answers_outside_the_checkout(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    _, venv = installed
    env = {k: v for k, v in os.environ.items() if not k.startswith("RA_") and k != "PYTHONPATH"}
    env["RA_DATA_DIR"] = str(tmp_path / "data")
    cli = str(venv / "bin" / "review-assistant")
    run = {"cwd": tmp_path, "env": env, "capture_output": True, "text": True, "timeout": 300}
    index = subprocess.run([cli, "index"], **run)
    assert index.returncode == 0, index.stderr
    ask = subprocess.run([cli, "ask", "地場産業成長プランの外部依存性の要件は？", "--json"], **run)
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert answer["answerable"] and answer["citations"]
    where = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import assistant, assistant.settings as s, assistant.llm.prompts as p;"
            "print(assistant.__file__);"
            "print(p.load_prompt(s.Settings(), 'answer_system')[:20])",
        ],
        **run,
    )
    assert where.returncode == 0, where.stderr
    module_file, prompt = where.stdout.splitlines()[:2]
    assert str(venv) in module_file and str(ROOT) not in module_file, "the installed copy, not the checkout"
    assert prompt.strip(), "the LLM prompts load from the package"
