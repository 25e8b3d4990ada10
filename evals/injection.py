"""Prompt-injection detector against the held-out variants and ordinary plan text.

    python -m evals.run injection

The data (evals/data/injection.yaml) was written without seeing the detector. Plans are rendered
as text directly (each page string, heading marks removed, is that page's text), so the check
needs no PDF and runs in well under a second.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import yaml
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from assistant.domain.models import PageText, ParsedDocument
from assistant.text.injection import find_injections

DATA = Path(__file__).resolve().parent / "data"
#: Sets written without seeing the detector. The first was measured once (26/40) and then used to
#: generalise the rules, so it is a development set now; the second is the held-out one, measured
#: after those changes and never tuned on.
HELD_OUT = (
    ("injection_holdout.yaml", "written blind, measured once at 26/40, since used for development"),
    ("injection_holdout_v2.yaml", "written blind after that, held out, never tuned on"),
)
_HEADING = re.compile(r"^#+[ \t]*", re.MULTILINE)


class InjectionMeasurement(BaseModel):
    variants: int
    flagged: int
    by_group: dict[str, tuple[int, int]]  # "lang:ja" / "kind:split_line" -> (flagged, total)
    misses: list[str]  # "id (lang/kind): text"
    normal_checked: int
    false_normal: list[str]
    plans_checked: list[str]
    false_plan_pages: list[str]  # "plan p.N: flagged text"
    injected_plans: dict[str, tuple[list[int], list[int]]]  # file -> (labelled pages, flagged pages)

    @property
    def flagged_share(self) -> float:
        return self.flagged / self.variants

    @property
    def false_flags(self) -> int:
        return len(self.false_normal) + len(self.false_plan_pages)


def _doc(name: str, pages: list[str]) -> ParsedDocument:
    return ParsedDocument(
        doc_id=name,
        source=name,
        path=name,
        kind="plan",
        pages=[PageText(page=i, raw=t, text=t) for i, t in enumerate(pages, start=1)],
    )


def _plan_pages(pages: list[str]) -> list[str]:
    return [_HEADING.sub("", p).strip() for p in pages]


def _flags(name: str, pages: list[str]) -> list[str]:
    """Flagged passages page by page, then over the whole plan as one text (a split across pages)."""
    found = [f"{name} p.{f.page}: {f.text!r}" for f in find_injections(_doc(name, pages))]
    found += [f"{name} whole: {f.text!r}" for f in find_injections(_doc(name, ["\n".join(pages)]))]
    return found


def measure_injection(data: Path = DATA) -> InjectionMeasurement:
    spec = yaml.safe_load((data / "injection.yaml").read_text(encoding="utf-8"))
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    flagged = 0
    for v in spec["variants"]:
        hit = bool(find_injections(_doc(v["id"], [v["text"]])))
        flagged += hit
        for key in (f"lang:{v['lang']}", f"kind:{v['kind']}"):
            groups[key][0] += hit
            groups[key][1] += 1
        if not hit:
            misses.append(f"{v['id']} ({v['lang']}/{v['kind']}): {v['text']!r}")
    false_normal = [
        f"{n['id']}: {n['text']!r}" for n in spec["normal"] if find_injections(_doc(n["id"], [n["text"]]))
    ]
    plans = [(p["id"], _plan_pages(p["pages"])) for p in spec["normal_plans"]]
    injected: dict[str, tuple[list[int], list[int]]] = {}
    for path in sorted((data / "plans").glob("*.yaml")):
        labelled = yaml.safe_load(path.read_text(encoding="utf-8"))
        pages = _plan_pages(labelled["pages"])
        if labelled.get("injection_pages"):
            hits = sorted({f.page or 0 for f in find_injections(_doc(path.stem, pages))})
            injected[path.stem] = (list(labelled["injection_pages"]), hits)
        else:
            plans.append((path.stem, pages))
    false_pages = [flag for name, pages in plans for flag in _flags(name, pages)]
    return InjectionMeasurement(
        variants=len(spec["variants"]),
        flagged=flagged,
        by_group={k: (v[0], v[1]) for k, v in sorted(groups.items())},
        misses=misses,
        normal_checked=len(spec["normal"]),
        false_normal=false_normal,
        plans_checked=[name for name, _ in plans],
        false_plan_pages=false_pages,
        injected_plans=injected,
    )


def run_injection(console: Console | None = None) -> InjectionMeasurement:
    console = console or Console()
    m = measure_injection()
    table = Table(title=f"Injection variants flagged: {m.flagged}/{m.variants} ({m.flagged_share:.1%})")
    for col in ("group", "flagged", "total", "share"):
        table.add_column(col)
    for key, (hit, total) in m.by_group.items():
        table.add_row(key, str(hit), str(total), f"{hit / total:.0%}")
    console.print(table)
    console.print(
        f"False flags: {len(m.false_normal)} of {m.normal_checked} normal passages; "
        f"{len(m.false_plan_pages)} in {len(m.plans_checked)} normal plans "
        f"(page by page and whole plan)"
    )
    for name, (labelled, hits) in m.injected_plans.items():
        console.print(f"Labelled injected plan {name}: pages labelled {labelled}, flagged {hits}")
    for line in [*m.false_normal, *m.false_plan_pages]:
        console.print(f"  FALSE FLAG {line}", markup=False)
    for line in m.misses:
        console.print(f"  MISSED {line}", markup=False)
    for name, note in HELD_OUT:
        held = measure_holdout(name)
        console.print(
            f"{name} ({note}): {held.flagged}/{held.variants} variants flagged "
            f"({held.flagged / held.variants:.1%}), {len(held.false_normal)} of {held.normal_checked} normal "
            f"passages falsely flagged"
        )
        for line in [*held.misses, *(f"FALSE FLAG {f}" for f in held.false_normal)]:
            console.print(f"  {name}: {line}", markup=False)
    return m


class HoldoutMeasurement(BaseModel):
    variants: int
    flagged: int
    misses: list[str]
    normal_checked: int
    false_normal: list[str]


def measure_holdout(name: str = "injection_holdout_v2.yaml", data: Path = DATA) -> HoldoutMeasurement:
    """A held-out set's variants and normal passages."""
    spec = yaml.safe_load((data / name).read_text(encoding="utf-8"))
    misses = [
        f"MISSED {v['id']} ({v['lang']}): {v['text']!r}"
        for v in spec["variants"]
        if not find_injections(_doc(v["id"], [v["text"]]))
    ]
    false_normal = [
        f"{n['id']}: {n['text']!r}" for n in spec["normal"] if find_injections(_doc(n["id"], [n["text"]]))
    ]
    return HoldoutMeasurement(
        variants=len(spec["variants"]),
        flagged=len(spec["variants"]) - len(misses),
        misses=misses,
        normal_checked=len(spec["normal"]),
        false_normal=false_normal,
    )


if __name__ == "__main__":
    run_injection()
