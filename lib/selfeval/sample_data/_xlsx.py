"""A minimal, fast xlsx writer (shared strings, real Excel dates), for large synthetic workbooks.

openpyxl's write-only mode needs about 40 s for one 75,000-row Annex A workbook; this writer builds
the sheet XML column-wise in about a second. The files open in Excel/LibreOffice and read back with
openpyxl and pandas (dates come back as datetimes: cells carry a dd/mm/yyyy number format).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
STYLES = (
    DECL + f'<styleSheet xmlns="{NS}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def column_letter(i: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        out = chr(65 + rem) + out
    return out


class _Strings:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def ids(self, values: np.ndarray) -> np.ndarray:
        """Shared-string ids, new strings numbered in order of first appearance."""
        codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
        index = self.index
        known = [index.setdefault(u, len(index)) for u in uniques]
        return np.asarray(known, dtype=np.int64)[codes] if len(codes) else np.zeros(0, np.int64)

    def xml(self) -> str:
        items = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in self.index)
        n = len(self.index)
        return DECL + f'<sst xmlns="{NS}" count="{n}" uniqueCount="{n}">{items}</sst>'


_TEXT = np.dtypes.StringDType()


def _cat(*parts: object) -> np.ndarray:
    """Element-wise concatenation of string arrays and constant strings (numpy, not Python)."""
    out = np.asarray(parts[0], dtype=_TEXT)
    for part in parts[1:]:
        out = np.strings.add(out, part if isinstance(part, str) else np.asarray(part, _TEXT))
    return out


def _column_cells(
    values: pd.Series, kind: str, letter: str, rows: np.ndarray, strings: _Strings
) -> np.ndarray:
    """XML for one column's cells ('' where blank). kind: 'date', 'number' or 'text'."""
    refs = _cat(letter, rows.astype(str))
    out = np.full(len(values), "", dtype=_TEXT)
    if kind == "date":
        ts = pd.to_datetime(values, cache=False)
        ok = ts.notna().to_numpy()
        serial = (ts[ok] - EXCEL_EPOCH).dt.days.astype(int).astype(str).to_numpy()
        out[ok] = _cat('<c r="', refs[ok], '" s="1"><v>', serial, "</v></c>")
    elif kind == "number":
        num = pd.to_numeric(values, errors="coerce")
        ok = num.notna().to_numpy()
        text = [format(v, "g") if v % 1 else str(int(v)) for v in num[ok]]
        out[ok] = _cat('<c r="', refs[ok], '"><v>', np.asarray(text, dtype=_TEXT), "</v></c>")
    else:
        ok = values.notna().to_numpy() & (values.astype(str).to_numpy() != "")
        ids = strings.ids(values[ok].astype(str).to_numpy())
        out[ok] = _cat('<c r="', refs[ok], '" t="s"><v>', ids.astype(str), "</v></c>")
    return out


def _sheet_xml(
    df: pd.DataFrame, kinds: dict[str, str], title: str | None, strings: _Strings
) -> str:
    parts = [DECL + f'<worksheet xmlns="{NS}"><sheetData>']
    row = 1
    if title is not None:
        parts.append(
            f'<row r="1"><c r="A1" t="s" s="2"><v>{strings.ids(np.array([title]))[0]}</v></c></row>'
        )
        row = 2
    head_ids = strings.ids(np.array([str(c) for c in df.columns], dtype=object))
    head = "".join(
        f'<c r="{column_letter(i)}{row}" t="s" s="2"><v>{s}</v></c>' for i, s in enumerate(head_ids)
    )
    parts.append(f'<row r="{row}">{head}</row>')
    rows = np.arange(row + 1, row + 1 + len(df))
    cols = [
        _column_cells(
            df[c].reset_index(drop=True), kinds.get(c, "text"), column_letter(i), rows, strings
        )
        for i, c in enumerate(df.columns)
    ]
    if cols:
        lines = _cat('<row r="', rows.astype(str), '">', *cols, "</row>")
        parts.append("".join(lines.tolist()))
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def write_xlsx(
    path: Path, sheets: dict[str, tuple[pd.DataFrame, dict[str, str], str | None]]
) -> None:
    """sheets: name → (frame, {column: 'date'|'number'|'text'}, optional title row)."""
    strings = _Strings()
    xml = {
        f"xl/worksheets/sheet{i}.xml": _sheet_xml(df, kinds, title, strings)
        for i, (df, kinds, title) in enumerate(sheets.values(), start=1)
    }
    n = len(sheets)
    names = list(sheets)
    content_types = (
        DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{CT}.worksheet+xml"/>'
            for i in range(1, n + 1)
        )
        + f'<Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/></Types>'
    )
    root_rels = (
        DECL + f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
        f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        DECL
        + f'<workbook xmlns="{NS}" xmlns:r="{REL}"><sheets>'
        + "".join(
            f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(names, start=1)
        )
        + "</sheets></workbook>"
    )
    wb_rels = (
        DECL
        + f'<Relationships xmlns="{PKG}">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)
        )
        + f'<Relationship Id="rId{n + 1}" Type="{REL}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId{n + 2}" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    )
    parts = {
        "[Content_Types].xml": content_types,
        "_rels/.rels": root_rels,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": wb_rels,
        "xl/styles.xml": STYLES,
        **xml,
        "xl/sharedStrings.xml": strings.xml(),
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, text in parts.items():
            info = zipfile.ZipInfo(
                name, date_time=(2021, 1, 1, 0, 0, 0)
            )  # fixed: byte-identical output
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"), compresslevel=6)
