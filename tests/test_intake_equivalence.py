"""Survey intake gives exactly what the straightforward implementation gives.

:mod:`csmlib.survey.responses` parses CSV with pyarrow and checks each column once per distinct
cell. Here the same rules are written the plain way — the file decoded whole and read by pandas,
every rule a pandas operation over all rows, every segment cell normalised on its own — and the
two must agree on everything: the table as read, the accepted frame (values, dtypes, index), every
problem line and rejected row, the don't-know counts, and every error message.

The exports: the :mod:`tests.surveys` fixtures (codebooks drafted by ``csm init``), the demo
waves, and seeded exports full of odd cells (Persian and Arabic digits, blanks, text, out-of-range
and fractional answers, Kano wordings, repeated ids, bad weights, undeclared spellings) written as
CSV in several encodings and delimiters, Excel, Parquet and SPSS; and CSV files with odd layouts
(quoted line breaks, blank lines, ragged rows, byte-order marks, other line ends).
"""

from __future__ import annotations

import csv
import io
import re
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from csmlib.cli import main
from csmlib.core.errors import CSMInputError
from csmlib.core.text import ASCII_DIGITS, LETTER_FORMS, normalize_label, numeric_series
from csmlib.survey import responses
from csmlib.survey.codebook import load_codebook
from tests import surveys

# ---------------------------------------------------------------------------- the plain way
SPACES = re.compile(r"[\s\u200c\u200f\u200e\u00a0]+")


def plain_read(path: Path, delimiter=None, encoding=None, sheet=None) -> responses.RawTable:
    """read_table with the whole CSV decoded in Python and parsed by pandas."""
    if path.suffix.lower() not in (".csv", ".txt", ".tsv"):
        return responses.read_table(path, sheet=sheet)  # Excel, SPSS and Parquet readers are pandas' own
    raw = path.read_bytes()
    if not raw.strip():
        raise CSMInputError("the file is empty", file=path)
    if encoding:
        try:
            text, used = raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise CSMInputError(f"cannot decode as {encoding}: {exc}", file=path) from None
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, used = raw.decode("utf-16"), "utf-16"
    else:
        try:
            text, used = raw.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            text, used = raw.decode("cp1256"), "cp1256"
    sep = delimiter or ("\t" if path.suffix.lower() == ".tsv" else None)
    if sep is None:
        sample = "\n".join(text.splitlines()[:50])
        try:
            sep = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            header = sample.splitlines()[0] if sample else ""
            counts = {d: header.count(d) for d in ",;\t|"}
            sep = max(counts, key=counts.get) if max(counts.values()) else ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.ParserError as exc:
        raise CSMInputError(f"cannot parse CSV: {str(exc).strip().splitlines()[-1]}", file=path) from None
    except pd.errors.EmptyDataError:
        raise CSMInputError("the file is empty", file=path) from None
    header = tuple(next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=sep), []))
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    names = [c.strip().lstrip("\ufeff") for c in header]
    twice = sorted({c for c in names if names.count(c) > 1})
    if twice:
        raise CSMInputError(
            f"duplicate column name (columns must be unique; {len(twice)} repeated)", file=path, row=1, column=twice[0]
        )
    if frame.shape[0] == 0:
        raise CSMInputError("the file has a header but no data rows", file=path)
    return responses.RawTable(frame, str(path), 1, encoding=used, delimiter=sep, header=header)


def plain_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype(float), pd.Series(False, index=values.index)
    text = values.astype("string")
    cleaned = (
        text.str.normalize("NFKC").str.translate(ASCII_DIGITS).str.translate(LETTER_FORMS).str.replace(SPACES, "", regex=True)
    )
    blank = cleaned.isna() | (cleaned == "")
    numbers = pd.to_numeric(cleaned.where(~blank), errors="coerce").astype(float)
    return numbers, ((~blank) & numbers.isna()).astype(bool)


def _fmt(x) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def plain_validate(table: responses.RawTable, codebook) -> responses.Intake:  # noqa: C901 - the rules in one place
    frame, problems, dont_know, out = table.frame, [], {}, {}
    missing = [c for c in codebook.data_columns() if c not in frame.columns]
    if missing:
        more = f" (and {len(missing) - 1} more: {', '.join(missing[1:4])}…)" if len(missing) > 1 else ""
        raise CSMInputError(f"required column missing{more}", file=table.source, column=missing[0])

    def problem(mask, column, values, reason):
        mask, text = mask.fillna(False).astype(bool), values.astype("string")
        for position in np.flatnonzero(mask.to_numpy()):
            why = reason.iloc[position] if isinstance(reason, pd.Series) else reason
            problems.append((position, column, text.iloc[position], why))

    def numeric(raw, name):
        numbers, bad = plain_numbers(raw)
        if bad.any() and numbers.notna().sum() == 0:
            first = int(np.flatnonzero(bad.to_numpy())[0])
            raise CSMInputError(
                f"column is not numeric (e.g. '{raw.iloc[first]}' in row {table.row_number(first)})",
                file=table.source,
                column=name,
            )
        problem(bad, name, raw, "not a number")
        return numbers

    def scaled(raw, name, scale, key):
        numbers = numeric(raw, name)
        is_missing = numbers.isin(scale.missing)
        dont_know[key] = is_missing.to_numpy(dtype=bool)
        numbers = numbers.mask(is_missing)
        outside = numbers.notna() & ((numbers < scale.min) | (numbers > scale.max))
        problem(outside, name, raw, f"out of range {_fmt(scale.min)}-{_fmt(scale.max)}")
        if scale.integer:
            problem(numbers.notna() & ~outside & (numbers != np.round(numbers)), name, raw, "not a whole number")
        return numbers

    if codebook.respondent_id:
        rid = frame[codebook.respondent_id].astype("string").str.strip()
        problem(rid.isna() | (rid == ""), codebook.respondent_id, rid, "missing respondent id")
        rows = pd.Series(table.row_number(np.arange(len(rid))), index=rid.index)
        first_in = rid.map(rows.groupby(rid).min()).astype("Int64").astype("string")
        problem(
            rid.notna() & rid.duplicated(), codebook.respondent_id, rid, "duplicate respondent id (first in row " + first_in + ")"
        )
    else:
        rid = pd.Series(table.row_number(np.arange(len(frame))), index=frame.index).astype("string")
    out["respondent_id"] = rid
    for name, spec in codebook.segments.items():
        raw = frame[spec.column]
        if raw.dtype.kind in "fiub":
            raw = pd.to_numeric(raw, errors="coerce").map(lambda x: _fmt(x) if pd.notna(x) else None)
        raw = raw.astype("string")
        labels = table.value_labels.get(spec.column)
        if labels:
            by_code = {_fmt(float(k)) if isinstance(k, (int, float)) else str(k): str(v) for k, v in labels.items()}
            raw = raw.map(lambda v: by_code.get(v, v) if not pd.isna(v) else v).astype("string")
        normal = raw.map(normalize_label)
        if spec.levels:
            mapped = normal.map({normalize_label(level): level for level in spec.levels})
            problem(raw.notna() & mapped.isna(), spec.column, raw, f"unknown value (expected one of {', '.join(spec.levels)})")
        else:
            first = {}
            for original, key in zip(raw, normal):
                if key is not None:
                    first.setdefault(key, str(original).strip())
            mapped = normal.map(first).where(normal.notna())  # a blank cell stays missing
        out[name] = mapped.astype("string")
    if codebook.weight:
        raw = frame[codebook.weight]
        w = numeric(raw, codebook.weight)
        problem(w.notna() & (w <= 0), codebook.weight, raw, "weight must be positive")
        problem(w.notna() & (w > 0) & ~np.isfinite(w), codebook.weight, raw, "weight must be a finite number")
        w = w.where(np.isfinite(w))
        if (w > 0).any():
            median = float(w[w > 0].median())
            absurd = w.notna() & ((w > 1000 * median) | ((w > 0) & (w < median / 1000)))
            reason = "weight more than 1,000 times the median weight (or less than 1/1,000 of it)"
            problem(absurd, codebook.weight, raw, reason)
            w = w.mask(absurd)
        problem(w.isna() & raw.isna(), codebook.weight, raw, "missing weight")
        out["weight"] = w
    for item in codebook.items:
        scale = codebook.scales[item.scale]
        values = scaled(frame[item.col], item.col, scale, item.id)
        out[item.id] = (scale.min + scale.max) - values if item.reverse else values
    for role, outcome in codebook.outcomes.items():
        out[role] = scaled(frame[outcome.column], outcome.column, codebook.scales[outcome.scale], role)
    words = responses.kano_answer_map(codebook) if codebook.kano.pairs else {}
    for pair in codebook.kano.pairs:
        for col in (pair.functional, pair.dysfunctional):
            raw = frame[col]
            numbers, bad = plain_numbers(raw)
            if codebook.kano.coding == "reversed":
                numbers = 6 - numbers
            numbers[bad] = raw[bad].map(normalize_label).map(words).astype(float)
            valid = numbers.isin(range(1, 6))
            problem(raw.notna() & ~valid, col, raw, "not a Kano answer (expected 1-5 or a known wording)")
            out[col] = numbers.where(valid)
        if pair.importance:
            scale = codebook.scales.get(codebook.kano.importance_scale or "")
            raw = frame[pair.importance]
            out[pair.importance] = (
                numeric(raw, pair.importance) if scale is None else scaled(raw, pair.importance, scale, pair.importance)
            )
    if codebook.comment and codebook.comment in frame.columns:
        out["comment"] = frame[codebook.comment].astype("string")

    found = pd.DataFrame(problems, columns=["position", "column", "value", "reason"], dtype=object).drop_duplicates()
    positions = found["position"].to_numpy(dtype=int)
    rejected = (
        pd.DataFrame(
            {
                "file": table.source,
                "row": table.row_number(positions),
                "respondent_id": rid.iloc[positions].to_numpy(),
                "column": found["column"].to_numpy(),
                "value": found["value"].to_numpy(),
                "reason": found["reason"].to_numpy(),
            }
        )
        .sort_values(["row", "column"], kind="stable")
        .reset_index(drop=True)
    )
    bad_rows = np.unique(positions)
    keep = ~np.isin(np.arange(len(frame)), bad_rows)
    rejected_rows = frame.iloc[bad_rows].copy()
    rejected_rows.insert(0, "row", table.row_number(bad_rows))
    if not keep.any():
        first = rejected.iloc[0]
        raise CSMInputError(
            f"no valid rows left: all {len(frame)} rows are rejected; the first problem: "
            f"{first['reason']} (value '{first['value']}')",
            file=table.source,
            row=int(first["row"]),
            column=str(first["column"]),
        )
    return responses.Intake(
        data=pd.DataFrame(out, index=frame.index).iloc[np.flatnonzero(keep)],
        rejected=rejected,
        rejected_rows=rejected_rows,
        source=table.source,
        n_read=len(frame),
        dont_know=pd.Series({k: int(mask[keep].sum()) for k, mask in dont_know.items()}, dtype=int),
        reversed_items=tuple(i.id for i in codebook.items if i.reverse),
        id_column=codebook.respondent_id,
    )


# ---------------------------------------------------------------------------- comparing
def outcome(read, validate, path, codebook, **kw):
    """(the table as read or the error, the intake or the error); an error is its type and message."""
    try:
        table = read(Path(path), **kw)
    except Exception as exc:  # noqa: BLE001 - whatever the plain way raises, the other must raise too
        return (type(exc).__name__, str(exc)), None
    try:
        return table, validate(table, codebook)
    except Exception as exc:  # noqa: BLE001
        return table, (type(exc).__name__, str(exc))


def assert_same_frame(got: pd.DataFrame, want: pd.DataFrame, what: str):
    assert [str(t) for t in got.dtypes] == [str(t) for t in want.dtypes], what
    assert type(got.index) is type(want.index) and type(got.columns) is type(want.columns), what
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_index_type=True, check_column_type=True, obj=what)


def assert_same_intake(path, codebook, **kw):
    got_table, got = outcome(responses.read_table, responses.validate_responses, path, codebook, **kw)
    want_table, want = outcome(plain_read, plain_validate, path, codebook, **kw)
    if isinstance(want_table, tuple) or isinstance(got_table, tuple):
        assert got_table == want_table, path
        return
    for field in ("source", "header_rows", "value_labels", "encoding", "delimiter", "header", "variable_labels"):
        assert getattr(got_table, field) == getattr(want_table, field), (path, field)
    assert_same_frame(got_table.frame, want_table.frame, f"{path}: table")
    if isinstance(want, tuple) or isinstance(got, tuple):
        assert got == want, path
        return
    for part in ("data", "rejected", "rejected_rows"):
        assert_same_frame(getattr(got, part), getattr(want, part), f"{path}: {part}")
    pd.testing.assert_series_equal(got.dont_know, want.dont_know, check_exact=True)
    assert (got.source, got.n_read, got.reversed_items, got.id_column) == (
        want.source,
        want.n_read,
        want.reversed_items,
        want.id_column,
    )


# ---------------------------------------------------------------------------- odd exports
CODEBOOK = """
survey: odd
respondent_id: id
weight: w
comment: note
segments:
  region: {column: region}
  type: {column: type, levels: [small, large, "کوچک"]}
scales:
  s5: {min: 1, max: 5, missing: [9]}
  s10: {min: 0, max: 10, missing: [99, -1]}
  imp: {min: 1, max: 7, integer: false}
items:
  - {id: q1, label: Q1, group: product, scale: s5}
  - {id: q2, label: Q2, group: delivery, scale: s5}
  - {id: q3, column: Q3_raw, label: Q3, group: organisation, scale: s5, reverse: true}
  - {id: q4, label: Q4, group: organisation, scale: imp}
outcomes:
  recommend: {column: nps, label: NPS, scale: s10}
  overall: {column: q2, label: Overall, scale: s5}
kano:
  labels: {"very much yes": 1, "so so": 3}
  importance_scale: imp
  pairs:
    - {id: k1, label: K1, functional: k1f, dysfunctional: k1d, importance: k1i}
    - {id: k2, label: K2, functional: k2f, dysfunctional: k2d}
"""
CODEBOOK_NO_ID = """
survey: odd2
segments:
  region: {column: region, levels: ["North", "South", "شمال"]}
  type: {column: type}
scales:
  s5: {min: 1, max: 5}
  s10: {min: 0, max: 10}
items:
  - {id: q1, label: Q1, group: product, scale: s5}
  - {id: q2, label: Q2, group: delivery, scale: s5, reverse: true}
  - {id: q3, column: Q3_raw, label: Q3, group: organisation, scale: s5}
outcomes:
  recommend: {column: nps, label: NPS, scale: s10}
kano:
  coding: reversed
  pairs:
    - {id: k1, label: K1, functional: k1f, dysfunctional: k1d, importance: k1i}
"""
ODD_CELLS = (
    ["", " ", "  3 ", "3.0", "+3", "-0", "1e0", "3,5", "٣٫٥", "۳٫۵", "nan", "NaN", "inf", "-inf", "Infinity", "1_000"]
    + ["۱۲", "\u200c3", "3\u00a0", "TRUE", "—", "3.", ".5", "1e400", "١e2", "N/A", "None", "null", "#N/A", "خوب", "😀"]
    + ["9", "99", "9.0", "0", "10", "11", "-1", "0.0001", "1e9", "1e-9", "I like it", "i  LIKE it", "I can live with it"]
    + ["خوشم می‌آید", "very much YES", "so  so", "north", " North ", "NORTH", "كرج", "کرج", "Female ", "1.5", "2.50", "٥"]
    + ["0x10", "3 4", "\t4", "'4", "=1+1", "0004", "４", "²", "½", "Ⅳ", "١٢٣٬٤", "1,000", "9007199254740993"]
    + ["18446744073709551617", "small", "Large ", "LARGE", "كوچك", "medium", "r1", " r1", "\x1c5", "\v3", "6", "7", "1E3"]
)
COLUMNS = {
    "id": lambda rng, n: [f"r{i}" for i in range(n)],
    "w": lambda rng, n: np.round(rng.uniform(0.3, 3, n), 3).astype(str),
    "region": lambda rng, n: rng.choice(["North", "South", "north ", " East ", "شمال", "شمال "], n),
    "type": lambda rng, n: rng.choice(["small", "large", "Large", "کوچک"], n),
    "note": lambda rng, n: rng.choice(["", "ok", "bad, very bad", 'say "hi"', "خوب", "line\nbreak"], n),
    "nps": lambda rng, n: rng.choice([str(v) for v in range(11)] + ["99", "-1", ""], n),
    "q4": lambda rng, n: rng.choice(["1", "2.5", "7", "4", ""], n),
    "k1i": lambda rng, n: rng.choice(["1", "2.5", "7", "4", ""], n),
}
KANO = ["1", "2", "3", "4", "5", "", "I like it", "I expect it", "so so"]


def odd_export(columns: list[str], n: int, seed: int, rate: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols = {}
    for c in columns:
        if c in COLUMNS:
            values = np.array(COLUMNS[c](rng, n), dtype=object)
        else:
            values = np.array(rng.choice(KANO if c[0] == "k" else ["1", "2", "3", "4", "5", "9", ""], n), dtype=object)
        odd = rng.random(n) < rate
        values[odd] = np.array(ODD_CELLS, dtype=object)[rng.integers(0, len(ODD_CELLS), odd.sum())]
        cols[c] = values
    return pd.DataFrame(cols)


def as_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells that are plain numbers as numbers, as a spreadsheet holds them; no control characters."""

    def cell(v):
        if not isinstance(v, str):
            return v
        if re.fullmatch(r"-?\d{1,9}", v):
            return int(v)
        if re.fullmatch(r"-?\d+\.\d+", v):
            return float(v)
        return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", v)

    return frame.map(cell)


FORMATS = ("csv", "bom", "cp1256", "utf16", "pipe", "text.parquet", "xlsx", "typed.parquet")


def write_formats(frame: pd.DataFrame, folder: Path, stem: str, formats=FORMATS) -> list[tuple[Path, dict]]:
    """The export as CSV (UTF-8; UTF-8 with BOM and ';'; Windows-1256 and ';'; UTF-16 and tab; '|'
    with CRLF), Parquet with text columns, Excel, and Parquet with number columns where the cells are numbers."""
    folder.mkdir(parents=True, exist_ok=True)
    sheet = as_spreadsheet(frame)
    how = {
        "csv": (f"{stem}.csv", {}, lambda p: frame.to_csv(p, index=False)),
        "bom": (f"{stem}_bom.csv", {}, lambda p: frame.to_csv(p, index=False, encoding="utf-8-sig", sep=";")),
        "cp1256": (f"{stem}_1256.csv", {}, lambda p: frame.to_csv(p, index=False, encoding="cp1256", sep=";")),
        "utf16": (f"{stem}_16.tsv", {}, lambda p: frame.to_csv(p, index=False, encoding="utf-16", sep="\t")),
        "pipe": (f"{stem}_pipe.txt", {"delimiter": "|"}, lambda p: frame.to_csv(p, index=False, sep="|", lineterminator="\r\n")),
        "text.parquet": (f"{stem}_text.parquet", {}, lambda p: frame.astype("string").to_parquet(p, index=False)),
        "xlsx": (f"{stem}.xlsx", {}, lambda p: sheet.to_excel(p, index=False)),
        "typed.parquet": (f"{stem}_typed.parquet", {}, lambda p: typed(sheet).to_parquet(p, index=False)),
    }
    written = []
    for name, kw, write in (how[f] for f in formats):
        try:
            write(folder / name)
        except UnicodeEncodeError:  # Windows-1256 has no emoji
            continue
        written.append((folder / name, kw))
    return written


def typed(sheet: pd.DataFrame) -> pd.DataFrame:
    """Columns mostly of numbers as numbers (other cells missing), the others as text."""
    numeric = sheet.map(lambda v: isinstance(v, (int, float))).mean() > 0.5
    return sheet.apply(lambda c: pd.to_numeric(c, errors="coerce") if numeric[c.name] else c.astype("string"))


ODD = [(CODEBOOK, list(COLUMNS) + ["q1", "q2", "Q3_raw", "k1f", "k1d", "k2f", "k2d"])]
ODD += [(CODEBOOK_NO_ID, ["region", "type", "q1", "q2", "Q3_raw", "nps", "k1f", "k1d", "k1i"])]


@pytest.mark.parametrize("rate", [0.03, 0.3])
@pytest.mark.parametrize("which", [0, 1], ids=["with_id", "no_id"])
def test_odd_exports_in_every_format(tmp_path, which, rate):
    text, columns = ODD[which]
    (tmp_path / "cb.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    codebook = load_codebook(tmp_path / "cb.yaml")
    frame = odd_export(columns, 200, seed=which * 10 + int(rate * 100), rate=rate)
    if rate == 0.3 and which == 0:
        frame["id"] = np.random.default_rng(3).choice(["a", "b", " a", "", "c "], len(frame))  # repeated and blank ids
    for path, kw in write_formats(frame, tmp_path, "export"):
        assert_same_intake(path, codebook, **kw)


def test_spss_exports(tmp_path):
    import pyreadstat

    (tmp_path / "cb.yaml").write_text(textwrap.dedent(CODEBOOK_NO_ID), encoding="utf-8")
    codebook = load_codebook(tmp_path / "cb.yaml")
    sheet = as_spreadsheet(odd_export(ODD[1][1], 200, seed=5, rate=0.05))
    numbers = sheet.apply(lambda c: pd.to_numeric(c, errors="coerce"))
    numbers["type"] = sheet["type"].astype(str)
    numbers.loc[::7, "region"] = 9.0  # a code without a label: shown as written
    labels = {"region": {1.0: "North", 2.0: "South", 3.0: "شمال"}, "q1": {1.0: "bad", 5.0: "good"}}
    pyreadstat.write_sav(numbers, str(tmp_path / "export.sav"), variable_value_labels=labels)
    assert_same_intake(tmp_path / "export.sav", codebook)


# ---------------------------------------------------------------------------- real-like surveys
@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    """Every tests.surveys export with the codebook ``csm init`` drafts for it."""
    root = tmp_path_factory.mktemp("surveys")
    made = []
    for name, write in sorted(surveys.WRITERS.items()):
        data = write(root / name / "data")
        result = CliRunner().invoke(main, ["init", str(data), "--wave", "W1", "--root", str(root / name)])
        assert result.exit_code == 0, result.output
        made.append((name, data, load_codebook(next((root / name / "params").glob("*.codebook.yaml")))))
    return made


def test_real_like_surveys(drafted, tmp_path):
    for name, data, codebook in drafted:
        assert_same_intake(data, codebook)
        if data.suffix != ".csv":
            continue
        raw = pd.read_csv(data, dtype=str, keep_default_na=False)
        rng = np.random.default_rng(len(name))
        odd = rng.random(raw.shape) < 0.04
        cells = np.array(ODD_CELLS, dtype=object)[rng.integers(0, len(ODD_CELLS), raw.shape)]
        fuzzed = raw.astype(object).mask(odd, pd.DataFrame(cells, columns=raw.columns))
        for path, kw in write_formats(fuzzed, tmp_path / name, name, ("csv", "xlsx", "typed.parquet")):
            assert_same_intake(path, codebook, **kw)


def test_demo_waves(demo_root, demo_codebook):
    for wave in ("responses_2026Q1.xlsx", "responses_2026Q2.csv"):  # Kano wordings, Persian digits, repeated ids
        assert_same_intake(demo_root / "data" / "demo" / wave, demo_codebook)


# ---------------------------------------------------------------------------- odd CSV layouts
HEADER = "id,w,region,type,q1,q2,Q3_raw,q4,nps,k1f,k1d,k1i,k2f,k2d,note"
ROWS = [
    f"r{i},{1 + i % 2},{'North' if i % 2 else 'South'},small,{1 + i % 5},2,3,4,{i},1,5,2,3,4,{'ok' if i % 3 else ''}"
    for i in range(8)
]


def _text(rows=ROWS, header=HEADER, end="\n") -> str:
    return end.join([header, *rows]) + end


LAYOUTS = {
    "plain": _text(),
    "crlf": _text(end="\r\n"),
    "cr": _text(end="\r"),
    "no final line break": _text().rstrip("\n"),
    "blank lines": _text(ROWS[:3] + ["", ""] + ROWS[3:]) + "\n\n",
    "line of blanks": _text(ROWS[:3] + ["   "] + ROWS[3:]),
    "one field too many": _text(ROWS[:3] + [ROWS[3] + ",x"] + ROWS[4:]),
    "one field too few": _text(ROWS[:3] + [ROWS[3].rsplit(",", 2)[0]] + ROWS[4:]),
    "every row one field too many": _text([r + ",x" for r in ROWS]),
    "trailing delimiter": _text([r + "," for r in ROWS], HEADER + ","),
    "repeated column": _text([r + ",1" for r in ROWS], HEADER + ",q1"),
    "spaces and a mark in the header": _text(header=HEADER.replace("q1", " q1 ").replace("id", "\ufeffid", 1)),
    "quoted line break": _text(ROWS[:3] + [ROWS[3][:-3] + ',"multi\nline"'] + ROWS[4:]),
    "quote inside a cell": _text(ROWS[:3] + [ROWS[3][:-3] + ',ab"c"d'] + ROWS[4:]),
    "quoted empty cells": _text([r.replace(",small,", ',"",') for r in ROWS]),
    "quoted numbers": _text([r.replace(",2,3,", ',"2","3",') for r in ROWS]),
    "nul byte": _text(ROWS[:3] + [ROWS[3][:-3] + ",a\x00b"] + ROWS[4:]),
    "header only": _text([]),
    "blank file": "  \n\n ",
    "semicolons": _text().replace(",", ";"),
    "tabs and a quoted tab": _text().replace(",", "\t").replace("\tok", '\t"o\tk"'),
    "line separator in a cell": _text(ROWS[:3] + [ROWS[3][:-3] + ",a\u2028b"] + ROWS[4:]),
    "wide header": _text([r + "," * 500 for r in ROWS], HEADER + "," + ",".join(f"x{i}" for i in range(500))),
    "many rows": _text([ROWS[i % 8].replace("r", f"x{i}_", 1) for i in range(300)]),
    "unclosed quote": _text(ROWS[:3] + ['"' + ROWS[3]] + ROWS[4:]),
    "space before a quote": _text([r.replace(",small,", ', "small",') for r in ROWS]),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_odd_csv_layouts(tmp_path, layout):
    (tmp_path / "cb.yaml").write_text(textwrap.dedent(CODEBOOK), encoding="utf-8")
    codebook = load_codebook(tmp_path / "cb.yaml")
    path = tmp_path / "export.csv"
    path.write_bytes(LAYOUTS[layout].encode("utf-8"))
    assert_same_intake(path, codebook)


@pytest.mark.parametrize(
    "content, kw",
    [
        (b"\xef\xbb\xbf" + _text().encode(), {}),
        (b"\xef\xbb\xbf" + _text().encode(), {"encoding": "utf-8"}),
        (b"\xef\xbb\xbf\xef\xbb\xbf" + _text().encode(), {}),
        (_text().replace("North", "N\xe4rth").encode("latin-1"), {}),
        (_text().replace("North", "N\xe4rth").encode("latin-1"), {"encoding": "utf-8"}),
        (_text().encode(), {"encoding": "utf-16"}),
        (_text().encode(), {"encoding": "no-such-encoding"}),
        (_text().encode(), {"delimiter": ";"}),
        (_text().encode(), {"encoding": "UTF8"}),
    ],
    ids=[
        "bom",
        "bom declared utf-8",
        "two boms",
        "not utf-8",
        "not utf-8 declared",
        "wrong encoding",
        "unknown encoding",
        "wrong delimiter",
        "utf8 spelled",
    ],
)
def test_encodings_and_declared_options(tmp_path, content, kw):
    (tmp_path / "cb.yaml").write_text(textwrap.dedent(CODEBOOK), encoding="utf-8")
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    assert_same_intake(path, load_codebook(tmp_path / "cb.yaml"), **kw)


@pytest.mark.parametrize("dtype", ["str", "string", object])
def test_numeric_series_as_before(dtype):
    """The number rule itself, which `csm init` uses too: each distinct cell parsed once gives what parsing every cell gave."""
    rng = np.random.default_rng(7)
    for size in (1, 5, 50, 400):
        column = pd.Series(rng.choice(np.array(ODD_CELLS + [None, "1", "2"], dtype=object), size), name="q", dtype=dtype)
        for got, want in zip(numeric_series(column), plain_numbers(column)):
            pd.testing.assert_series_equal(got, want, check_exact=True)


# ---------------------------------------------------------------------------- larger and odd files
def test_repeated_ids_in_a_file_read_in_pieces(tmp_path):
    """Ids repeated far apart (and blank, spaced, missing) in a file pyarrow reads in several
    blocks: the first row of each id is found across the blocks."""
    (tmp_path / "cb.yaml").write_text(textwrap.dedent(CODEBOOK), encoding="utf-8")
    codebook = load_codebook(tmp_path / "cb.yaml")
    rng = np.random.default_rng(11)
    frame = odd_export(ODD[0][1], 30_000, seed=11, rate=0.002)
    ids = np.array([f"r{i}" for i in rng.permutation(len(frame))], dtype=object)
    ids[rng.integers(0, len(frame), 300)] = ids[rng.integers(0, len(frame), 300)]
    odd = rng.random(len(frame)) < 0.001
    ids[odd] = rng.choice(np.array(["", " ", " r7", "r7 ", "R7"], dtype=object), int(odd.sum()))
    frame["id"] = ids
    for path, kw in write_formats(frame, tmp_path, "big", ("csv", "typed.parquet")):
        if path.suffix == ".csv":
            pieces = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(newlines_in_values=True)).column("id").num_chunks
            assert pieces > 1, "the test needs a file read in pieces"
        assert_same_intake(path, codebook, **kw)


def _parquet_files(folder: Path) -> list[Path]:
    """Parquet files as pandas and other tools write them: an index kept, attributes, categories,
    times with a time zone, integers with gaps, columns in several row groups, an all-blank text column."""
    rng = np.random.default_rng(2)
    n = 500
    answers = rng.choice(np.array(["1", "2", "۳", None, ""], dtype=object), n).tolist()
    frame = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "q1": answers,
            "q2": pd.array(rng.choice([1, 2, 3, None], n), dtype="Int64"),
            "region": pd.Categorical(rng.choice(["North", "South"], n)),
            "when": pd.date_range("2026-01-01", periods=n, freq="h", tz="Asia/Tehran"),
            "blank": pd.array([None] * n, dtype="string"),
            "w": rng.uniform(0.5, 2, n),
        }
    )
    frame.attrs = {"survey": "bench"}
    written = []

    def write(name, how):
        path = folder / name
        how(path)
        written.append(path)

    write("plain.parquet", lambda p: frame.to_parquet(p, index=False))
    write("index.parquet", lambda p: frame.set_index("id").to_parquet(p))
    write("range.parquet", lambda p: frame.set_axis(pd.RangeIndex(5, 5 + n)).to_parquet(p))
    write("groups.parquet", lambda p: pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), p, row_group_size=97))
    write("large.parquet", lambda p: pq.write_table(pa.table({"id": pa.array(frame["id"].tolist(), pa.large_string())}), p))
    write("arrow.parquet", lambda p: pq.write_table(pa.table({"q1": answers, "n": rng.integers(0, 3, n)}), p))
    return written


def test_parquet_read_as_pandas_reads_it(tmp_path):
    for path in _parquet_files(tmp_path):
        got, want = responses.read_table(path).frame, pd.read_parquet(path)
        want.columns = [str(c).strip().lstrip("\ufeff") for c in want.columns]
        assert_same_frame(got, want, path.name)
        assert got.attrs == want.attrs, path.name
