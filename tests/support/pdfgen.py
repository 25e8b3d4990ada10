"""Real plan PDFs for tests, evaluations, benchmarks and the demo.

Plans are written with fpdf2 and the IPAex Gothic TrueType font because that pair round-trips
Japanese exactly through pypdf: what a test puts on a page is what extraction gives back, so a
failing test means the code under test is wrong, not the fixture. Labels in ``evals/data`` refer to
physical pages, so one input string always becomes exactly one page (the font shrinks to fit rather
than spilling onto a new page).
"""

from __future__ import annotations

import random
import re
import tempfile
from collections.abc import Callable, Collection, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, WrapMode, XPos, YPos
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter

IPAEX_FONT = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")

_PAGE_W_MM = 210.0
_PAGE_H_MM = 297.0
_MARGIN_MM = 20.0
_BODY_PT = 10.5
_HEADING_PT = {1: 15.0, 2: 12.5}
_LINE_FACTOR = 1.55
_PARAGRAPH_GAP_MM = 1.2
_MIN_SCALE = 0.55
_SCAN_DPI = 300
# A fixed date keeps the bytes (and so the sha256 doc ids) identical between runs.
_CREATION_DATE = datetime(2026, 3, 1, tzinfo=UTC)
_HEADING_RE = re.compile(r"^(#{1,2}) (.*)$")
_MM_PER_PT = 25.4 / 72

#: The short plan behind the encrypted, corrupt, scanned and garbled bad inputs, so tests can check
#: what a successful recovery (decryption, OCR) should give back.
SAMPLE_PLAN_PAGES: tuple[str, ...] = (
    "# 東雲県 地場産業成長プラン\n"
    "本プランは、東雲県の伝統工芸品である東雲塗の販路拡大を目指すものである。\n"
    "中核事業者：東雲漆器協同組合\n"
    "売上目標：令和12年度に年間売上額30億円",
    "# 推進体制とKPI\n"
    "県産業振興課に伴走支援チームを設置し、毎年度KPIの達成状況を確認する。\n"
    "KPI：海外売上額 6億円（令和12年度）",
)


def write_plan_pdf(
    path: Path,
    pages: list[str],
    *,
    title: str | None = None,
    scanned_pages: Collection[int] = (),
    font_path: Path = IPAEX_FONT,
) -> Path:
    """Write one physical page per string; pages in ``scanned_pages`` (1-based) become images only.

    A line starting with ``# `` (or ``## ``) is a heading. Blank lines add a small gap.
    """
    if not pages:
        raise ValueError("a PDF needs at least one page")
    bad = sorted(p for p in scanned_pages if not 1 <= p <= len(pages))
    if bad:
        raise ValueError(f"scanned_pages {bad} outside 1..{len(pages)}")
    _check_glyphs(pages, font_path)
    pdf = FPDF(format="A4")
    pdf.set_creation_date(_CREATION_DATE)
    pdf.set_auto_page_break(False)
    pdf.set_margins(_MARGIN_MM, _MARGIN_MM, _MARGIN_MM)
    pdf.add_font("plan", "", str(font_path))
    if title:
        pdf.set_title(title)
    for number, text in enumerate(pages, start=1):
        pdf.add_page()
        if number in scanned_pages:
            pdf.image(_render_scan(text, font_path), x=0, y=0, w=_PAGE_W_MM, h=_PAGE_H_MM)
        else:
            _write_text_page(pdf, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def write_encrypted_pdf(src: Path, dst: Path, user_password: str = "secret") -> Path:
    """Copy ``src`` behind an open password, with AES-256 as current office software writes it."""
    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password, algorithm="AES-256")
    dst.parent.mkdir(parents=True, exist_ok=True)
    with dst.open("wb") as fh:
        writer.write(fh)
    return dst


def make_bad_inputs(folder: Path) -> dict[str, Path]:
    """One file per ingest failure kind, named after the kind, and nothing else in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = list(SAMPLE_PLAN_PAGES)
    kinds = ("empty", "not_pdf", "encrypted", "corrupt", "scanned", "garbled")
    out = {kind: folder / f"{kind}.pdf" for kind in kinds}
    out["empty"].write_bytes(b"")
    out["not_pdf"].write_text(_NOT_PDF_HTML, encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        plain = write_plan_pdf(Path(tmp) / "plain.pdf", pages, title="東雲県 地場産業成長プラン")
        write_encrypted_pdf(plain, out["encrypted"])
        data = plain.read_bytes()
        out["corrupt"].write_bytes(data[: len(data) // 2])
        _write_pua_mapped_copy(plain, out["garbled"])
    write_plan_pdf(out["scanned"], pages, scanned_pages=range(1, len(pages) + 1))
    return out


# What a browser saves when a portal session has expired: an HTML page with a .pdf name.
_NOT_PDF_HTML = """<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>セッションの有効期限切れ</title></head>
<body><h1>ログインしてください</h1><p>セッションの有効期限が切れました。再度ログインしてからダウンロードしてください。</p></body>
</html>
"""


def _write_pua_mapped_copy(src: Path, dst: Path) -> None:
    """Make a PDF whose glyphs map to private-use characters, as broken font embedding does.

    Every font keeps drawing correctly, but its ToUnicode CMap sends glyph id N to U+E000+N, so
    extraction yields PUA characters instead of the Japanese text.
    """
    writer = PdfWriter(clone_from=PdfReader(src))
    cmap = _pua_cmap().encode("ascii")
    for page in writer.pages:
        for font in page["/Resources"]["/Font"].values():
            font["/ToUnicode"].get_object().set_data(cmap)
    with dst.open("wb") as fh:
        writer.write(fh)


def _pua_cmap() -> str:
    ranges = "\n".join(f"<{hi:02X}00> <{hi:02X}FF> <{0xE000 + hi * 256:04X}>" for hi in range(16))
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"16 beginbfrange\n{ranges}\nendbfrange\n"
        "endcmap\nCMapName currentdict /CMapResource defineresource pop\nend\nend\n"
    )


@lru_cache(maxsize=4)
def _font_chars(font_path: Path) -> frozenset[int]:
    with TTFont(str(font_path), lazy=True) as font:
        return frozenset(font.getBestCmap())


def _check_glyphs(pages: list[str], font_path: Path) -> None:
    """Refuse text the font cannot draw: fpdf2 would drop it silently and break the round trip."""
    known = _font_chars(font_path)
    missing = sorted({ch for page in pages for ch in page if ch != "\n" and ord(ch) not in known})
    if missing:
        raise ValueError(f"characters missing from {font_path.name}: {''.join(missing)!r}")


def _parse_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield (heading level or 0, line text); blank lines come through as (0, "")."""
    for line in text.split("\n"):
        match = _HEADING_RE.match(line)
        if match:
            yield len(match.group(1)), match.group(2)
        else:
            yield 0, line


def _size_pt(level: int, scale: float) -> float:
    return (_HEADING_PT[level] if level else _BODY_PT) * scale


def _write_text_page(pdf: FPDF, text: str) -> None:
    lines = list(_parse_lines(text))
    width = _PAGE_W_MM - 2 * _MARGIN_MM
    scale = _fit_scale(lambda s: _text_height(pdf, lines, width, s))
    pdf.set_xy(_MARGIN_MM, _MARGIN_MM)
    for level, line in lines:
        _text_line(pdf, level, line, width, scale, dry_run=False)


def _text_height(pdf: FPDF, lines: list[tuple[int, str]], width: float, scale: float) -> float:
    return sum(_text_line(pdf, level, line, width, scale, dry_run=True) for level, line in lines)


def _text_line(pdf: FPDF, level: int, line: str, width: float, scale: float, *, dry_run: bool) -> float:
    size = _size_pt(level, scale)
    if not line:
        if not dry_run:
            pdf.ln(_PARAGRAPH_GAP_MM * 2 * scale)
        return _PARAGRAPH_GAP_MM * 2 * scale
    pdf.set_font("plan", size=size)
    gap = _PARAGRAPH_GAP_MM * scale * (3 if level else 1)
    # CHAR wrapping keeps every character, spaces included, so extraction minus newlines is exact.
    height = pdf.multi_cell(
        width,
        size * _MM_PER_PT * _LINE_FACTOR,
        line,
        align="L",
        wrapmode=WrapMode.CHAR,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
        dry_run=dry_run,
        output=MethodReturnValue.HEIGHT,
    )
    if not dry_run:
        pdf.ln(gap)
    return float(height) + gap


def _fit_scale(height_at: Callable[[float], float]) -> float:
    """Largest font scale at which the page's content fits between the margins."""
    available = _PAGE_H_MM - 2 * _MARGIN_MM
    scale = 1.0
    while scale >= _MIN_SCALE:
        if height_at(scale) <= available:
            return scale
        scale = round(scale - 0.05, 2)
    raise ValueError("page text too long to fit on one A4 page; split it into more pages")


def _render_scan(text: str, font_path: Path) -> Image.Image:
    """Draw a page the way a clean office scan looks: black text on white at 300 dpi, no text layer."""
    px_per_mm = _SCAN_DPI / 25.4
    size_px = (round(_PAGE_W_MM * px_per_mm), round(_PAGE_H_MM * px_per_mm))
    margin = round(_MARGIN_MM * px_per_mm)
    width = size_px[0] - 2 * margin
    lines = list(_parse_lines(text))

    def layout(scale: float) -> list[tuple[ImageFont.FreeTypeFont, str, float]]:
        rows: list[tuple[ImageFont.FreeTypeFont, str, float]] = []
        for level, line in lines:
            # Scans use a slightly larger body size than the text pages so OCR reads them reliably.
            font = _pil_font(font_path, round(_size_pt(level, scale) * 1.15 * _SCAN_DPI / 72))
            step = font.size * _LINE_FACTOR
            rows.extend((font, part, step) for part in _wrap_px(line, font, width))
            rows.append((font, "", _PARAGRAPH_GAP_MM * px_per_mm * scale * (3 if level else 1)))
        return rows

    scale = _fit_scale(lambda s: sum(step for _, _, step in layout(s)) / px_per_mm)
    image = Image.new("L", size_px, 255)
    draw = ImageDraw.Draw(image)
    y = float(margin)
    for font, part, step in layout(scale):
        if part:
            draw.text((margin, y), part, font=font, fill=0)
        y += step
    return image


@lru_cache(maxsize=16)
def _pil_font(font_path: Path, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path), size_px)


def _wrap_px(line: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    if not line:
        return [""]
    parts: list[str] = []
    current = ""
    for ch in line:
        if current and font.getlength(current + ch) > width:
            parts.append(current)
            current = ""
        current += ch
    parts.append(current)
    return parts


# ---------------------------------------------------------------------------------------------
# Synthetic plan bodies for benchmarks and bulk tests.

_PREFECTURES = (
    "青葉県",
    "白砂県",
    "朝霧県",
    "若草県",
    "高嶺県",
    "緑川県",
    "潮見県",
    "雪原県",
    "月岡県",
    "桜台県",
)
_COMPANY_STEMS = (
    "北辰",
    "明和",
    "東光",
    "大和田",
    "新星",
    "瑞穂",
    "旭陽",
    "若松",
    "清流",
    "千代田",
    "丸福",
    "松風",
    "光洋",
    "昭栄",
    "藤崎",
    "白鷺",
    "中央",
    "日向",
    "高砂",
    "柏葉",
)
_COMPANY_SUFFIXES_B = (
    "精工",
    "マテリアル",
    "電子",
    "テクノロジーズ",
    "化成",
    "工業",
    "エナジー",
    "メディカル",
)
_COMPANY_SUFFIXES_C = ("酒造", "製菓", "水産", "漆器", "観光", "製茶", "食品", "織物")
_FIELDS_B = (
    ("半導体関連部素材", "高純度石英部材"),
    ("蓄電池", "全固体電池用正極材"),
    ("航空機部品", "炭素繊維複合材の構造部品"),
    ("医療機器", "低侵襲手術用カテーテル"),
    ("水素関連機器", "水電解装置用電極"),
)
_FIELDS_C = (
    ("日本酒", "純米吟醸酒"),
    ("伝統工芸品", "漆塗りの食器"),
    ("水産加工品", "冷凍干物セット"),
    ("観光", "滞在型の体験観光商品"),
    ("茶", "有機抹茶"),
)


def synthetic_plan_pages(plan_type: Literal["B", "C"], n_pages: int, seed: int = 0) -> list[str]:
    """A plausible plan body, ~800–1200 characters a page, the same for the same (type, seed)."""
    if plan_type not in ("B", "C"):
        raise ValueError(f"plan_type must be 'B' or 'C', not {plan_type!r}")
    if n_pages < 1:
        raise ValueError("n_pages must be at least 1")
    rng = random.Random(f"{plan_type}:{seed}")
    ctx = _synthetic_context(plan_type, rng)
    sections = _fresh_sections(plan_type, ctx, rng)
    pages: list[str] = []
    for number in range(1, n_pages + 1):
        # A block that would push the page past 1200 characters is swapped for a short filler.
        target = rng.randint(850, 1100)
        page = f"# {ctx['pref']} {ctx['plan_name']}\n{_filler(ctx, rng)}" if number == 1 else ""
        while len(page) < target:
            if not sections:
                sections = _fresh_sections(plan_type, ctx, rng)
            use_section = rng.random() < 0.7
            block = sections[-1] if use_section else _filler(ctx, rng)
            if len(page) + len(block) + 1 > 1200:
                block = rng.choice(_FILLER_SHORT)
            elif use_section:
                sections.pop()
            page = f"{page}\n{block}" if page else block
        pages.append(page)
    return pages


def _fresh_sections(plan_type: str, ctx: dict[str, str], rng: random.Random) -> list[str]:
    """Sections for the plan's first project, then for further projects with their own numbers.

    Long benchmark documents would otherwise be all filler after the first pages, which is not how
    real plans read and would make retrieval artificially easy.
    """
    if "project" in ctx:
        fresh = _synthetic_context(plan_type, rng)
        ctx.update({k: v for k, v in fresh.items() if k not in ("pref", "plan_name")})
        ctx["project"] = str(int(ctx["project"]) + 1)
    else:
        ctx["project"] = "1"
    sections = [make(ctx, rng) for make in _SECTION_MAKERS]
    rng.shuffle(sections)
    if ctx["project"] != "1":
        sections.append(f"# 個別プロジェクト{ctx['project']}：{ctx['product']}")
    return sections


def _company(rng: random.Random, suffixes: tuple[str, ...]) -> str:
    return f"株式会社{rng.choice(_COMPANY_STEMS)}{rng.choice(suffixes)}"


def _synthetic_context(plan_type: str, rng: random.Random) -> dict[str, str]:
    suffixes = _COMPANY_SUFFIXES_B if plan_type == "B" else _COMPANY_SUFFIXES_C
    field, product = rng.choice(_FIELDS_B if plan_type == "B" else _FIELDS_C)
    companies = list(dict.fromkeys(_company(rng, suffixes) for _ in range(8)))[:4]
    while len(companies) < 4:
        companies.append(f"{rng.choice(_COMPANY_STEMS)}{rng.choice(suffixes)}協同組合")
    first_year = rng.randint(7, 9)
    return {
        "pref": rng.choice(_PREFECTURES),
        "plan_name": "地域産業クラスター計画" if plan_type == "B" else "地場産業成長プラン",
        "field": field,
        "product": product,
        "c1": companies[0],
        "c2": companies[1],
        "c3": companies[2],
        "c4": companies[3],
        "y0": str(first_year),
        "y1": str(first_year + 4),
        "market": str(rng.randint(3, 90) * 100),
        "growth": str(rng.randint(3, 15)),
        "sales": str(rng.randint(12, 480)),
        "sales0": str(rng.randint(3, 10)),
        "va": str(rng.randint(5, 150)),
        "invest": str(rng.randint(8, 600)),
        "jobs": str(rng.randint(30, 900)),
        "wage": str(rng.randint(2, 6)),
        "local": str(rng.randint(20, 45)),
        "local1": str(rng.randint(50, 80)),
        "trade": str(rng.randint(5, 120)),
        "share": str(rng.randint(10, 40)),
        "depend": str(rng.randint(15, 45)),
    }


def _section_market(ctx: dict[str, str], rng: random.Random) -> str:
    lead = rng.choice(
        (
            "国内外の{field}市場は年率{growth}％で拡大しており、世界市場は約{market}億円と見込まれる。",
            "{field}の需要は、主要顧客である国内大手メーカーからの引き合いが増えており、市場規模は{market}億円に達する。",
        )
    )
    return "## 市場の動向\n" + (lead + "本計画では{product}を主力とし、国内シェア{share}％を目指す。").format(
        **ctx
    )


def _section_core(ctx: dict[str, str], rng: random.Random) -> str:
    intro = rng.choice(("中核企業は次のとおりである。", "計画推進の核となる事業者は以下のとおり。"))
    return "\n".join(
        ("## 中核企業", intro, "・{c1}（製造）", "・{c2}（加工）", "・{c3}（販売）", "・{c4}（研究開発）")
    ).format(**ctx)


def _section_procurement(ctx: dict[str, str], rng: random.Random) -> str:
    text = rng.choice(
        (
            "主要部材の県内調達率を令和{y0}年度の{local}％から令和{y1}年度に{local1}％へ引き上げる。",
            "原材料の県内調達率は現状{local}％であり、地元の生産者との長期契約により{local1}％を目指す。",
        )
    )
    return "## 調達と外部依存\n" + (text + "最大の取引先への売上依存度は{depend}％にとどめる。").format(**ctx)


def _section_kpi(ctx: dict[str, str], rng: random.Random) -> str:
    return "\n".join(
        (
            "## KPI",
            "KPI1：売上額 令和{y1}年度 {sales}億円",
            "KPI2：雇用創出 {jobs}人",
            "KPI3：域内取引額 {trade}億円",
            rng.choice(("KPI4：平均賃金上昇率 年{wage}％", "KPI4：賃上げ率 年{wage}％以上")),
        )
    ).format(**ctx)


def _section_monitoring(ctx: dict[str, str], rng: random.Random) -> str:
    text = rng.choice(
        (
            "KPIの達成状況は毎年度末に推進協議会で検証し、結果を県のウェブサイトで公表する。",
            "四半期ごとに進捗を確認し、年1回の外部評価を受けて計画を見直す。",
        )
    )
    return "## モニタリング\n" + text


def _section_sales(ctx: dict[str, str], rng: random.Random) -> str:
    return (
        "## 売上目標\n"
        "計画期間の最終年度である令和{y1}年度に、売上額{sales}億円（現状{sales0}億円）、付加価値額{va}億円を目標とする。"
    ).format(**ctx)


def _section_investment(ctx: dict[str, str], rng: random.Random) -> str:
    steps = rng.choice(
        (
            ("用地取得・設計", "建屋着工", "本格稼働"),
            ("設備導入", "試験生産", "量産開始"),
            ("店舗改装", "新商品開発", "海外販路開設"),
        )
    )
    return "\n".join(
        (
            "## 投資計画",
            "投資総額：{invest}億円",
            "令和{y0}年度：" + steps[0],
            "令和" + str(int(ctx["y0"]) + 2) + "年度：" + steps[1],
            "令和{y1}年度：" + steps[2],
        )
    ).format(**ctx)


def _section_support(ctx: dict[str, str], rng: random.Random) -> str:
    team = rng.choice(
        (
            "県商工労働部に伴走支援チームを置き",
            "県産業振興課に専任の相談窓口を設け",
            "産学官の推進協議会を設置し",
        )
    )
    announce = rng.choice(
        (
            "本計画は{pref}知事が記者会見で発表した。",
            "知事が県議会で本計画の推進を表明した。",
            "知事は本計画を県の重点施策として公表した。",
        )
    )
    return ("## 推進体制\n" + team + "、計画期間を通じて参画企業の相談に応じる。" + announce).format(**ctx)


_SECTION_MAKERS = (
    _section_market,
    _section_core,
    _section_procurement,
    _section_kpi,
    _section_monitoring,
    _section_sales,
    _section_investment,
    _section_support,
)

_FILLER = (
    "{pref}では人口減少と高齢化が進んでおり、地域経済を支える産業の育成が急務となっている。",
    "{field}は本県の強みを生かせる分野であり、大学や公設試験研究機関との連携による技術の蓄積がある。",
    "これまでの取組により、県内事業者の間で新たな取引関係が生まれつつある。",
    "若年層の県外流出を抑えるため、魅力ある雇用の場を創出することが求められている。",
    "{product}の品質は国内外の展示会で高い評価を受けており、引き合いが増えている。",
    "物流コストの上昇や人材不足といった課題にも、関係機関と連携して対応する。",
    "地域の金融機関とも協調し、設備投資や運転資金の円滑な供給を図る。",
    "計画の推進に当たっては、市町村や商工団体との役割分担を明確にする。",
    "デジタル技術を活用した生産性の向上にも取り組み、省人化を進める。",
    "脱炭素への対応は取引先からの要請も強く、再生可能エネルギーの導入を検討する。",
    "県内の高等専門学校や工業高校と連携し、技能を持つ人材を計画的に育成する。",
    "{pref}の豊かな自然と交通の利便性は、企業立地の面でも優位性となっている。",
)
_FILLER_SHORT = (
    "詳細は別紙のとおり。",
    "以上の方針に基づき取組を進める。",
    "関係機関と連携して推進する。",
)


def _filler(ctx: dict[str, str], rng: random.Random) -> str:
    return "".join(rng.sample(_FILLER, 3)).format(**ctx)
