"""The eval corpus generator (eval/generate.py): deterministic, consistent gold, readable documents."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from extractor.checks import evaluate
from extractor.report import Report, flatten

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "eval"
CORPUS = EVAL / "corpus"
sys.path.insert(0, str(EVAL))

import gen_ambiguity  # noqa: E402
from generate import Generated, expand_kinds, generate, generate_one, main  # noqa: E402

CORPUS_SEED = 2024  # the seed eval/corpus was generated with (see eval/README.md)
TEXT_KINDS = expand_kinds(["text"])
SAMPLE_KINDS = ["pdf", "docx", "html", "text", "scan", "image"]


def _failed(gold: dict) -> set[str]:
    return {c.rule for c in evaluate(flatten(gold["report"])) if c.passed is False}


def _values(gold: dict, prefix: str = "") -> list[int | float]:
    return [v for k, v in flatten(gold["report"]).items() if k.startswith(prefix) and isinstance(v, int | float)]


@pytest.fixture(scope="module")
def sample() -> list[Generated]:
    """One document of every kind and text variant."""
    return generate(11, 5 + len(TEXT_KINDS), SAMPLE_KINDS)


def test_same_seed_same_documents(sample: list[Generated]) -> None:
    again = generate(11, len(sample), SAMPLE_KINDS)
    for first, second in zip(sample, again, strict=True):
        assert first.document == second.document
        assert first.gold == second.gold
        assert first.data == second.data, first.document


def test_other_seed_other_reports() -> None:
    assert generate_one(1, 0, "text-tabs").gold["report"] != generate_one(2, 0, "text-tabs").gold["report"]


def test_gold_shape(sample: list[Generated]) -> None:
    for item in sample:
        gold = item.gold
        assert gold["schema_version"] == 1
        assert gold["source"] == item.document
        assert "Synthetic" in gold["notes"] and "seed 11" in gold["notes"]
        report = Report.model_validate(gold["report"])  # the contract's own model accepts it
        assert report.template in ("2021", "2019")
        rows = set(gold["report"]["applications"])
        assert ("other_handling" in rows) != ("other_other" in rows)


def test_identities_hold_except_the_deliberately_broken() -> None:
    seen_broken = 0
    for index in range(60):
        item = generate_one(5, index, TEXT_KINDS[index % len(TEXT_KINDS)])
        failed = _failed(item.gold)
        assert failed == set(item.broken), item.document
        for rule in failed:
            assert rule in item.gold["notes"], (item.document, rule)
        seen_broken += bool(failed)
    assert seen_broken, "no report with a broken identity in 60: the generator stopped making them"


def test_templates_and_single_other_row_occur() -> None:
    golds = [generate_one(9, i, "text-cells").gold["report"] for i in range(40)]
    assert {g["template"] for g in golds} == {"2021", "2019"}
    assert any(g["template"] == "2021" and "other_handling" in g["applications"] for g in golds)


def test_pdf_opens_with_ruled_tables_and_labels(sample: list[Generated]) -> None:
    import pymupdf

    item = next(i for i in sample if i.kind == "pdf")
    doc = pymupdf.open(stream=item.data, filetype="pdf")
    assert doc.page_count >= 2
    text = "".join(page.get_text() for page in doc)
    for label in ("本年新收政府信息公开申请数量", "结转下年度继续办理", "行政复议", "第二十条第（一）项", "申请人情况"):
        assert label in text
    assert re.search(r"^\S?\s?1\s?\S?$", doc[0].get_text().strip().splitlines()[-1])  # the footer
    assert sum(len(d["items"]) for page in doc for d in page.get_drawings()) > 100  # ruled tables
    for value in _values(item.gold, "applications."):
        assert str(value) in text or f"{value:,}" in text


def test_scan_is_image_only(sample: list[Generated]) -> None:
    import pymupdf

    item = next(i for i in sample if i.kind == "scan")
    doc = pymupdf.open(stream=item.data, filetype="pdf")
    assert doc.page_count >= 2
    for page in doc:
        assert page.get_text().strip() == ""
        assert len(page.get_images()) == 1


def test_image_is_one_long_jpeg(sample: list[Generated]) -> None:
    import io

    from PIL import Image

    item = next(i for i in sample if i.kind == "image")
    assert item.document.endswith(".jpg")
    image = Image.open(io.BytesIO(item.data))
    assert image.format == "JPEG" and image.height > 2 * image.width


def test_docx_has_merged_cells_and_the_numbers(sample: list[Generated]) -> None:
    import io

    import docx

    item = next(i for i in sample if i.kind == "docx")
    document = docx.Document(io.BytesIO(item.data))
    assert len(document.tables) in (3, 4)  # section 3 is sometimes cut in two
    xml = "".join(table._tbl.xml for table in document.tables)
    assert "w:gridSpan" in xml and "w:vMerge" in xml
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    for value in _values(item.gold, "applications."):
        assert str(value) in cells or f"{value:,}" in cells
    assert any("本年新收政府信息公开申请数量" in c for c in cells)


def test_html_has_spans_and_the_numbers(sample: list[Generated]) -> None:
    from bs4 import BeautifulSoup

    item = next(i for i in sample if i.kind == "html")
    charset = re.search(rb"charset=\"?([\w-]+)", item.data)
    assert charset
    page = item.data.decode(charset.group(1).decode())
    soup = BeautifulSoup(page, "lxml")
    tables = soup.find_all("table")
    assert len(tables) in (3, 4)  # section 3 is sometimes cut in two
    assert soup.find("td", attrs={"rowspan": True}) and soup.find(["td", "th"], attrs={"colspan": True})
    texts = {td.get_text(strip=True) for td in soup.find_all(["td", "th"])}
    full = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
    texts |= {t.translate(full) for t in texts}
    for value in _values(item.gold, "applications."):
        assert str(value) in texts or f"{value:,}" in texts


def test_text_variants_print_every_label_once(sample: list[Generated]) -> None:
    for item in sample:
        if not item.kind.startswith("text-"):
            continue
        text = item.data.decode("utf-8")
        assert "本年新收政府信息公开申请数量" in text.replace("\n", ""), item.document
        assert "结转下年度继续办理" in text.replace("\n", ""), item.document


def test_lost_column_gold_keeps_the_true_values() -> None:
    for index in range(12):
        item = generate_one(3, index, "text-lostcol")
        if "was lost" not in item.gold["notes"]:
            continue
        lines = item.data.decode("utf-8").splitlines()
        row = next(line for line in lines if line.startswith("四、结转下年度继续办理"))
        assert len(row.split("\t")) == 1 + 6  # label and six of seven numbers
        assert all(v is not None for v in flatten(item.gold["report"]["applications"]).values())
        return
    pytest.fail("no lost-column document in 12 tries")


def test_ambiguity_readings() -> None:
    assert (7, 0, 0, 0, 0, 0, 7) in gen_ambiguity.insertion_readings([7, 0, 0, 0, 0, 7])
    assert (0, 7, 0, 0, 0, 0, 7) in gen_ambiguity.insertion_readings([7, 0, 0, 0, 0, 7])
    assert gen_ambiguity.removal_readings([80, 2, 0, 0, 0, 0, 0, 82]) == {(80, 2, 0, 0, 0, 0, 82)}
    assert gen_ambiguity.run_together_readings(["31", "0", "00", "0", "233"]) == {(31, 0, 0, 0, 0, 2, 33)}
    assert gen_ambiguity.unique_review_reading(["0" * 15])
    assert not gen_ambiguity.unique_review_reading(["1" * 15 + "1"])


def test_cli_writes_documents_and_gold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--out", str(tmp_path), "--seed", "4", "--count", "3", "--kinds", "text-webdump,html"]) == 0
    golds = sorted(tmp_path.glob("*.gold.json"))
    assert len(golds) == 3
    for path in golds:
        gold = json.loads(path.read_text(encoding="utf-8"))
        assert (tmp_path / gold["source"]).is_file()
    assert "syn4_000_text-webdump.txt" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--kinds", "fax"])


# ---------------------------------------------------------------- the committed corpus


def _corpus_golds() -> list[Path]:
    return sorted(CORPUS.glob("*.gold.json"))


def test_corpus_is_there_and_small() -> None:
    golds = _corpus_golds()
    assert len(golds) >= 20, "eval/corpus is missing: regenerate it (eval/README.md)"
    kinds = {p.name.split("_", 2)[2].removesuffix(".gold.json") for p in golds}
    assert {"pdf", "scan", "docx", "html"} <= kinds and {k for k in kinds if k.startswith("text-")} == set(TEXT_KINDS)
    assert sum(p.stat().st_size for p in CORPUS.iterdir()) < 5 * 1024 * 1024


def test_corpus_documents_and_identities() -> None:
    for path in _corpus_golds():
        gold = json.loads(path.read_text(encoding="utf-8"))
        assert (CORPUS / gold["source"]).is_file(), gold["source"]
        assert gold["source"].rsplit(".", 1)[0] == path.name.removesuffix(".gold.json")
        for rule in _failed(gold):
            assert rule in gold["notes"], (path.name, rule)


def test_corpus_matches_its_seed() -> None:
    """The committed gold is what the generator makes today (text kinds: the documents too)."""
    for path in _corpus_golds():
        match = re.fullmatch(r"syn(\d+)_(\d+)_(.+)\.gold\.json", path.name)
        assert match, path.name
        seed, index, kind = int(match.group(1)), int(match.group(2)), match.group(3)
        assert seed == CORPUS_SEED
        if kind == "scan":
            continue  # rendering a scan is slow; its gold is the PDF's
        item = generate_one(seed, index, kind)
        assert json.loads(path.read_text(encoding="utf-8")) == item.gold, path.name
        if kind.startswith("text-") or kind == "html":
            assert (CORPUS / item.document).read_bytes() == item.data, item.document
