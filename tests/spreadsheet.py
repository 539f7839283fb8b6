"""Open a file in a real spreadsheet program, LibreOffice Calc (headless, Debian's libreoffice-calc-nogui), save
it as .xlsx, and read the saved cells back: their type, value and whether Calc made a formula of them.

The .xlsx Calc saves is read with the standard library (it is zipped XML), so the test depends on no
spreadsheet library of its own.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


@dataclass(frozen=True)
class Cell:
    value: str
    kind: str  # "text", "number", "bool", "error" (Calc's own reading of the cell)
    formula: bool


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def open_and_save_as_xlsx(path: Path, *, delimiter: str = ",") -> Path:
    """What a staff member does: open `path` in Calc (a CSV as UTF-8 with `delimiter`, Calc guessing every
    column's type as it does by default), save as .xlsx. Returns the saved file."""
    out = path.parent / "calc"
    out.mkdir(exist_ok=True)
    command = [soffice(), f"-env:UserInstallation=file://{path.parent / 'lo-profile'}", "--headless",
               "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(path)]
    if path.suffix == ".csv":
        # Filter options: field separator, text delimiter `"`, charset 76 = UTF-8, start at line 1.
        command[5:5] = [f"--infilter=CSV:{ord(delimiter)},34,76,1"]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    saved = out / (path.stem + ".xlsx")
    assert saved.exists(), f"Calc wrote no {saved}"
    return saved


def _column(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group()
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number - 1


def read_xlsx(path: Path) -> list[list[Cell]]:
    """The cells of the first sheet, row by row (missing cells are empty text)."""
    with zipfile.ZipFile(path) as book:
        names = book.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            for item in ElementTree.fromstring(book.read("xl/sharedStrings.xml")).findall("m:si", NS):
                shared.append("".join(t.text or "" for t in item.iter(f"{{{NS['m']}}}t")))
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iter(f"{{{NS['m']}}}row"):
        cells: list[Cell] = []
        for c in row.findall("m:c", NS):
            while len(cells) < _column(c.get("r")):
                cells.append(Cell("", "text", False))
            kind, v = c.get("t", "n"), c.find("m:v", NS)
            formula = c.find("m:f", NS) is not None
            if kind == "s":
                cells.append(Cell(shared[int(v.text)], "text", formula))
            elif kind == "inlineStr":
                cells.append(Cell("".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t")), "text", formula))
            elif kind == "str":
                cells.append(Cell(v.text or "" if v is not None else "", "text", formula))
            else:
                label = {"n": "number", "b": "bool", "e": "error"}.get(kind, kind)
                cells.append(Cell(v.text if v is not None else "", label if v is not None else "text", formula))
        rows.append(cells)
    return rows
