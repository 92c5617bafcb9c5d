"""Alter reports the way real pages and files differ from the ones we generate, keeping their gold.

    python eval/perturb.py DIR --out OUT [--only NAME ...] [--together]

Each alteration changes how a report is printed, never what it says, so the source's gold holds
for the altered file (under its new name). Sources are the documents of DIR with their gold beside
them (``<stem>.gold.json`` or ``<stem>.json``): web pages, Word files, and text (converter outputs).
Each alteration writes OUT/<name>/ with the files it applies to; ``extractor eval OUT/<name>``
scores them, and ``eval/convert.py --real`` puts an altered page through the converters.

- ``invisible``: zero-width spaces between some characters of the text (pages pasted from
  other editors carry them, and soft hyphens, joiners, byte-order marks).
- ``spacer-column``: an empty cell after the last of every row of section 三's table (Word
  keeps hidden ``<td width=0>`` columns when a table is pasted into a page).
- ``none-word``: about half of section 三's zero cells print 无 instead of 0.
- ``date-iso``, ``date-cn``: the signature date as ``2024-01-17``, or in Chinese numerals with ○.
- ``title-guanyu``: the title as 某某局关于2023年度政府信息公开工作年度报告.
- ``qita``: 其它 for every 其他 (the column 其它, （六）其它处理).

What each found when it was made is in the README (Evaluation).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

CJK_PAIR = re.compile(r"(?<=[\u4e00-\u9fff])(?=[\u4e00-\u9fff])")
CN_DIGITS = "○一二三四五六七八九"  # ○, as typed for 〇


def _cn(n: int) -> str:
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def _date_forms(gold: dict) -> tuple[re.Pattern[str], int, int, int] | None:
    published = gold.get("report", gold).get("published_on")
    if not published:
        return None
    y, m, d = (int(x) for x in published.split("-"))
    return re.compile(rf"{y}\s*年\s*0?{m}\s*月\s*0?{d}\s*日"), y, m, d


# --- text: converter outputs and the text of pages ------------------------------------------


def invisible_text(text: str, rng: random.Random) -> str:
    return CJK_PAIR.sub(lambda _: "\u200b" if rng.random() < 0.1 else "", text)


def _last_date(text: str, gold: dict, form: Callable[[int, int, int], str]) -> str:
    found = _date_forms(gold)
    if found is None:
        return text
    pattern, y, m, d = found
    hits = list(pattern.finditer(text))
    if not hits:
        return text
    last = hits[-1]
    return text[: last.start()] + form(y, m, d) + text[last.end() :]


def date_iso(text: str, gold: dict) -> str:
    return _last_date(text, gold, lambda y, m, d: f"{y}-{m:02d}-{d:02d}")


def date_cn(text: str, gold: dict) -> str:
    return _last_date(
        text, gold, lambda y, m, d: "".join(CN_DIGITS[int(c)] for c in str(y)) + f"年{_cn(m)}月{_cn(d)}日"
    )


def title_guanyu(text: str, gold: dict) -> str:
    report = gold.get("report", gold)
    org, year = report.get("organization"), report.get("year")
    if not org or not year:
        return text
    return re.sub(rf"({re.escape(org)})\s*({year}\s*年)", r"\1关于\2", text, count=1)


# --- web pages ---------------------------------------------------------------------------


def _soup(data: bytes):  # type: ignore[no-untyped-def]
    from bs4 import BeautifulSoup

    return BeautifulSoup(data, "lxml")


def _section_three(soup):  # type: ignore[no-untyped-def]
    return next((t for t in soup.find_all("table") if "予以公开" in t.get_text()), None)


def _text_nodes(soup):  # type: ignore[no-untyped-def]
    from bs4 import Comment, Doctype, NavigableString

    for node in list(soup.find_all(string=True)):
        if type(node) is NavigableString and not isinstance(node, Comment | Doctype):
            if node.parent is not None and node.parent.name not in ("script", "style", "title"):
                yield node


def html_invisible(data: bytes, rng: random.Random) -> bytes | None:
    from bs4 import NavigableString

    soup = _soup(data)
    for node in _text_nodes(soup):
        node.replace_with(NavigableString(invisible_text(str(node), rng)))
    return str(soup).encode("utf-8")


def html_spacer_column(data: bytes, rng: random.Random) -> bytes | None:
    soup = _soup(data)
    table = _section_three(soup)
    if table is None:
        return None
    for row in table.find_all("tr"):
        cell = soup.new_tag("td")
        cell["width"] = "0"
        row.append(cell)
    return str(soup).encode("utf-8")


def html_none_word(data: bytes, rng: random.Random) -> bytes | None:
    from bs4 import NavigableString

    soup = _soup(data)
    table = _section_three(soup)
    if table is None:
        return None
    for node in _text_nodes(table):
        if node.strip() == "0" and node.find_parent("td") is not None and rng.random() < 0.5:
            node.replace_with(NavigableString("无"))
    return str(soup).encode("utf-8")


# --- Word files --------------------------------------------------------------------------


def docx_spacer_column(data: bytes, rng: random.Random) -> bytes | None:
    import io

    import docx
    from docx.shared import Pt

    document = docx.Document(io.BytesIO(data))
    table = next((t for t in document.tables if any("予以公开" in c.text for r in t.rows for c in r.cells)), None)
    if table is None:
        return None
    table.add_column(Pt(2))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


TextAlteration = Callable[[str, dict, random.Random], str]


def _text(fn: TextAlteration) -> Callable[[bytes, dict, random.Random], bytes | None]:
    def run(data: bytes, gold: dict, rng: random.Random) -> bytes | None:
        text = data.decode("utf-8")
        altered = fn(text, gold, rng)
        return None if altered == text else altered.encode("utf-8")

    return run


def _bytes(fn: Callable[[bytes, random.Random], bytes | None]) -> Callable[[bytes, dict, random.Random], bytes | None]:
    return lambda data, gold, rng: fn(data, rng)


TEXT_SUFFIXES = (".txt", ".md", ".rst")
ALTERATIONS: dict[str, dict[str, Callable[[bytes, dict, random.Random], bytes | None]]] = {
    "invisible": {
        ".html": _bytes(html_invisible),
        **dict.fromkeys(TEXT_SUFFIXES, _text(lambda t, g, r: invisible_text(t, r))),
    },
    "spacer-column": {".html": _bytes(html_spacer_column), ".docx": _bytes(docx_spacer_column)},
    "none-word": {".html": _bytes(html_none_word)},
    "date-iso": dict.fromkeys(TEXT_SUFFIXES, _text(lambda t, g, r: date_iso(t, g))),
    "date-cn": dict.fromkeys(TEXT_SUFFIXES, _text(lambda t, g, r: date_cn(t, g))),
    "title-guanyu": dict.fromkeys(TEXT_SUFFIXES, _text(lambda t, g, r: title_guanyu(t, g))),
    "qita": {
        ".html": _bytes(lambda data, rng: data.decode("utf-8").replace("其他", "其它").encode("utf-8")),
        **dict.fromkeys(TEXT_SUFFIXES, _text(lambda t, g, r: t.replace("其他", "其它"))),
    },
}


def gold_of(path: Path) -> Path | None:
    stem = path.name[: -len(path.suffix)]
    for name in (f"{stem}.gold.json", f"{stem}.json"):
        if (path.parent / name).exists():
            return path.parent / name
    return None


def alter(src: Path, out: Path, only: list[str], together: bool = False) -> dict[str, int]:
    """Write each alteration's files to OUT/<name>/, or with ``together`` the listed ones applied one
    after another to OUT/<name+name...>/ (only files every one of them applies to)."""
    chosen = [name for name in ALTERATIONS if not only or name in only]
    groups = [chosen] if together else [[name] for name in chosen]
    written: dict[str, int] = {}
    for group in groups:
        name = "+".join(group)
        target = out / name
        target.mkdir(parents=True, exist_ok=True)
        written[name] = 0
        for path in sorted(src.iterdir()):
            gold_path = gold_of(path)
            runs = [ALTERATIONS[n].get(path.suffix.lower()) for n in group]
            if gold_path is None or any(run is None for run in runs):
                continue
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            data: bytes | None = path.read_bytes()
            for step, run in zip(group, runs, strict=True):
                assert run is not None and data is not None
                try:
                    data = run(data, gold, random.Random(f"{step}/{path.name}"))
                except UnicodeDecodeError:
                    data = None  # a text file in another encoding: left out
                if data is None:
                    break
            if data is None:
                continue
            (target / path.name).write_bytes(data)
            gold["source"] = path.name
            gold.pop("source_path", None)
            gold["notes"] = f"{path.name} altered by eval/perturb.py ({name}); the gold is the source's. " + str(
                gold.get("notes", "")
            )
            stem = path.name[: -len(path.suffix)]
            (target / f"{stem}.gold.json").write_text(json.dumps(gold, ensure_ascii=False, indent=2) + "\n", "utf-8")
            shutil.copystat(path, target / path.name)
            written[name] += 1
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path, help="documents with their gold beside them")
    parser.add_argument("--out", type=Path, required=True, help="writes OUT/<alteration>/")
    parser.add_argument("--only", action="append", default=[], choices=sorted(ALTERATIONS), help="repeatable")
    parser.add_argument("--together", action="store_true", help="apply the --only alterations one after another")
    args = parser.parse_args(argv)
    if not args.src.is_dir():
        parser.error(f"{args.src} is not a folder")
    for name, count in alter(args.src, args.out, args.only, args.together).items():
        print(f"{name}\t{count} file(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
