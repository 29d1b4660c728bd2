"""Speed and memory goals of survey intake, csmlib.survey.responses ("Fast at any size", goal 1).

Goals, on a synthetic export of 1,000,000 responses × 50 columns, as CSV and as Parquet
(``--quick``: 20,000 rows, goals not checked; the 200,000-row size of the issue's measurement is
printed as well in full runs):

1. ``load_responses`` (read + validate against the codebook) in at most 5× the time pyarrow
   needs to read the same file (``pyarrow.csv.read_csv`` / ``pyarrow.parquet.read_table``,
   default options), both measured in the same run, one after the other in each round (a busy
   machine slows both alike); the processor time of both is printed too;
2. peak memory of ``load_responses`` at most 3× the size of the parsed table (pyarrow's
   ``Table.nbytes`` of the same file): the rise of the peak resident set size (Linux ``VmHWM``,
   reset before the call) in a fresh process warmed up on the file's first rows. Skipped where
   ``/proc`` is missing.

The export looks like a real one: a respondent id (a few missing or repeated), three segment
columns (declared levels written in mixed case and spacing, an undeclared one, a few unknown
values), a weight column (a few zero, negative or blank), 35 items on 1–5 with "don't know" 9,
blanks, a few Persian digits and a few bad cells (out of range, text, fractions), overall and
recommend 0–10, effort 1–7, three Kano pairs (numbers and a few wordings), and a free-text
comment. The Parquet file has number columns where every cell is a number, text columns
elsewhere. Every planted problem is known, and the rows ``load_responses`` rejects must be
exactly the rows with a planted problem.

Run: ``python benchmarks/bench_intake.py [--quick] [--strict]`` (``--strict``: exit 1 if a goal
is missed; full size only). Timings are the best of a few repeats.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from csmlib.survey.codebook import load_codebook
from csmlib.survey.responses import load_responses, read_table, validate_responses

# benchmarks/ is on sys.path when run as a script
from _timing import add_mode_args, best_time, closing_line, parse_mode_args, verdict  # noqa: E402

N_ITEMS = 35
REVERSED = ("q07", "q21")
KANO_PAIRS = 3
REGIONS = ["North", "South", "East", "West", "Central"]
CODEBOOK = textwrap.dedent(
    """\
    survey: bench
    respondent_id: resp_id
    weight: weight
    comment: comment
    segments:
      region: {column: region, levels: [North, South, East, West, Central]}
      channel: {column: channel}
      customer_type: {column: customer_type, levels: [consumer, business]}
    scales:
      s5: {min: 1, max: 5, missing: [9]}
      s11: {min: 0, max: 10, missing: [99]}
      s7: {min: 1, max: 7}
    items:
    """
)
CODEBOOK += "".join(
    f"  - {{id: q{j:02d}, label: Q{j}, group: {('product', 'delivery', 'organisation')[j % 3]}, scale: s5"
    + (", reverse: true" if f"q{j:02d}" in REVERSED else "")
    + "}\n"
    for j in range(1, N_ITEMS + 1)
)
CODEBOOK += textwrap.dedent(
    """\
    outcomes:
      overall: {column: overall, label: Overall, scale: s11}
      recommend: {column: recommend, label: Recommend, scale: s11}
      effort: {column: effort, label: Effort, scale: s7}
    kano:
      pairs:
    """
)
CODEBOOK += "".join(
    f"    - {{id: k{p}, label: K{p}, functional: k{p}_f, dysfunctional: k{p}_d}}\n" for p in range(1, KANO_PAIRS + 1)
)


def _text(codes: np.ndarray, words) -> pa.Array:
    """``words[codes]`` as an Arrow string array (built through a dictionary: no Python objects per row)."""
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(list(words))).cast(pa.string())


def make_export(n: int, seed: int = 0) -> tuple[pa.Table, np.ndarray]:
    """The synthetic export (every cell as text, as a survey tool writes it) and the rows with a planted problem."""
    rng = np.random.default_rng(seed)
    bad = np.zeros(n, dtype=bool)
    cols: dict[str, pa.Array] = {}

    def plant(rate: float) -> np.ndarray:
        """Rows (away from row 0, so that a duplicate id has an earlier first) with a planted problem."""
        rows = np.flatnonzero(rng.random(n) < rate)
        rows = rows[rows > 0]
        bad[rows] = True
        return rows

    cols["resp_id"] = None  # first column; written last, when the rows of the other problems are known
    region_words = REGIONS + ["north", "SOUTH ", " East", "Mars"]  # spellings of declared levels; Mars is unknown
    region = rng.integers(0, len(REGIONS), n)
    respelled = rng.random(n) < 0.05
    region[respelled] = rng.integers(len(REGIONS), len(region_words) - 1, int(respelled.sum()))
    region[plant(0.0001)] = len(region_words) - 1
    cols["region"] = _text(region, region_words)
    cols["channel"] = _text(rng.integers(0, 5, n), ["web", "Web", "phone", "store", "app"])
    ctype = rng.integers(0, 2, n)
    cols["customer_type"] = _text(ctype, ["consumer", "business"])

    # cell weights (region × type) with a little calibration noise: a few hundred distinct values
    factor = np.round(0.6 + 0.8 * rng.random(len(region_words)), 2)[region] * np.where(ctype == 1, 1.7, 0.9)
    weight = np.round(factor * (1 + rng.integers(-20, 21, n) / 1000), 4).astype(str).astype(object)
    for value in ("0", "-1", "abc"):
        weight[plant(0.00005)] = value
    weight[plant(0.00005)] = ""  # missing weight
    cols["weight"] = pa.array(weight, type=pa.string())

    five = ["1", "2", "3", "4", "5", "9", "", "۴", "٣", "7", "0", "abc", "2.5"]  # 9 don't know, "" blank
    p5 = np.array([0.05, 0.10, 0.22, 0.35, 0.22, 0.02, 0.03, 0.005, 0.005])
    for j in range(1, N_ITEMS + 1):
        codes = rng.choice(9, size=n, p=p5 / p5.sum())
        for k in range(9, len(five)):  # out of range, text, fraction
            codes[plant(0.00002)] = k
        cols[f"q{j:02d}"] = _text(codes, five)
    eleven = [str(v) for v in range(11)] + ["99", "", "11", "n/a"]
    for name in ("overall", "recommend"):
        codes = np.clip(np.round(rng.normal(7.5, 2, n)), 0, 10).astype(int)
        codes[rng.random(n) < 0.02] = 11  # 99 don't know
        codes[rng.random(n) < 0.03] = 12  # blank
        codes[plant(0.00002)] = 13
        codes[plant(0.00002)] = 14
        cols[name] = _text(codes, eleven)
    seven = [str(v) for v in range(1, 8)] + ["", "8"]
    codes = rng.integers(0, 7, n)
    codes[rng.random(n) < 0.05] = 7
    codes[plant(0.00002)] = 8
    cols["effort"] = _text(codes, seven)
    kano = ["1", "2", "3", "4", "5", "", "I like it", "I expect it", "I am neutral", "6", "maybe"]
    for p in range(1, KANO_PAIRS + 1):
        for side in ("f", "d"):
            codes = rng.integers(0, 5, n)
            codes[rng.random(n) < 0.04] = 5
            codes[rng.random(n) < 0.002] = rng.integers(6, 9)
            codes[plant(0.00002)] = 9
            codes[plant(0.00002)] = 10
            cols[f"k{p}_{side}"] = _text(codes, kano)
    comments = ["", "", "", "", "fast delivery", "the app keeps logging me out, again", 'price is "too high"', "خوب بود"]
    cols["comment"] = _text(rng.integers(0, len(comments), n), comments)
    ids = np.array([f"R{i:07d}" for i in range(n)], dtype=object)
    missing = plant(0.0001)
    ids[missing] = ""
    sources = np.flatnonzero(~bad)  # rows whose id stays as written
    dup = plant(0.0001)
    earlier = sources[rng.integers(0, np.searchsorted(sources, dup))]  # a row before each duplicate
    ids[dup] = ids[earlier]
    cols["resp_id"] = pa.array(ids, type=pa.string())
    return pa.table(cols), np.flatnonzero(bad)


def csv_text(table: pa.Table) -> str:
    """The table as a survey tool writes CSV: quotes only around cells that need them (Arrow quotes every text cell)."""

    def cell(column: pa.Array) -> pa.Array:
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
        return pc.if_else(pc.match_substring_regex(column, '[",\r\n]'), quoted, column)

    lines = pc.binary_join_element_wise(*(cell(c.combine_chunks()) for c in table.columns), ",")
    return ",".join(table.column_names) + "\n" + "\n".join(lines.to_pylist()) + "\n"


def write_files(table: pa.Table, folder: Path) -> dict[str, Path]:
    """The export as CSV (UTF-8, as a survey tool writes it) and as Parquet (columns typed as pyarrow reads the CSV)."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, parquet_path = folder / "responses.csv", folder / "responses.parquet"
    csv_path.write_text(csv_text(table), encoding="utf-8")
    # as an export tool writes Parquet: typed columns where every cell is a number, text elsewhere
    only_blanks_missing = pacsv.ConvertOptions(null_values=[""], strings_can_be_null=True)
    pq.write_table(pacsv.read_csv(csv_path, convert_options=only_blanks_missing), parquet_path)
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    return {"csv": csv_path, "parquet": parquet_path}


def arrow_read(path: Path) -> pa.Table:
    """The yardstick: pyarrow reading the same file with its default options."""
    return pacsv.read_csv(path) if path.suffix == ".csv" else pq.read_table(path)


PEAK_SCRIPT = """
import json, sys
from csmlib.survey.codebook import load_codebook
from csmlib.survey.responses import load_responses

def status(key):  # kB, from the kernel's account of this process
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) * 1024 for line in fh if line.startswith(key + ":"))

codebook = load_codebook(sys.argv[2])
load_responses(sys.argv[3], codebook)  # warm-up on a small sample: imports and first calls
with open("/proc/self/clear_refs", "w") as fh:  # the peak (VmHWM) starts again from the current size
    fh.write("5")
before = status("VmRSS")
intake = load_responses(sys.argv[1], codebook)
print(json.dumps({"before": before, "peak": status("VmHWM"), "accepted": intake.n_accepted}))
"""


def peak_rise(path: Path, codebook_path: Path) -> int | None:
    """Rise of the peak resident set size while ``load_responses`` runs, in a fresh process
    (bytes; None where the kernel does not report it, outside Linux)."""
    if not Path("/proc/self/clear_refs").exists():
        return None
    sample = path.with_name("sample" + path.suffix)  # the first rows, for the warm-up
    if path.suffix == ".csv":
        with path.open("rb") as fh:
            sample.write_bytes(b"".join(fh.readline() for _ in range(1000)))
    else:
        pq.write_table(pq.read_table(path).slice(0, 1000), sample)
    out = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, str(path), str(codebook_path), str(sample)],
        capture_output=True,
        text=True,
        check=True,
    )
    peak = json.loads(out.stdout.strip().splitlines()[-1])
    return peak["peak"] - peak["before"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_mode_args(parser, "20,000 rows instead of 200,000 and 1,000,000")
    args = parse_mode_args(parser, argv)
    sizes = [20_000] if args.quick else [200_000, 1_000_000]
    repeats = 2 if args.quick else 3
    results = []

    def report(label, value, goal_text, met):
        results.append(met)
        print(f"  {label:<50s} {value:<30s} goal {goal_text:<8s} {verdict(met, args.quick, 'MET', 'NOT MET')}")

    with tempfile.TemporaryDirectory(prefix="bench_intake_") as tmp:
        for n in sizes:
            table, planted = make_export(n)
            paths = write_files(table, Path(tmp) / str(n))
            codebook_path = paths["csv"].parent / "codebook.yaml"
            codebook = load_codebook(codebook_path)
            goal = n == sizes[-1]  # the goals are set for the largest size; the others are printed for information
            for kind, path in paths.items():
                parsed = arrow_read(path)
                print(
                    f"{kind}: {n:,} rows × {parsed.num_columns} columns, file {path.stat().st_size / 2**20:.0f} MiB, "
                    f"parsed by pyarrow {parsed.nbytes / 2**20:.0f} MiB"
                )
                load_responses(path, codebook)  # warm-up (imports, first calls)
                # side by side, one after the other in each round: a busy machine slows both alike
                t_arrow = t_load = cpu_arrow = cpu_load = float("inf")
                for _ in range(repeats):
                    cpu = time.process_time()
                    t_arrow = min(t_arrow, best_time(lambda: arrow_read(path), 1)[0])
                    cpu_arrow, cpu = min(cpu_arrow, time.process_time() - cpu), time.process_time()
                    t, intake = best_time(lambda: load_responses(path, codebook), 1)
                    t_load, cpu_load = min(t_load, t), min(cpu_load, time.process_time() - cpu)
                t_read, raw = best_time(lambda: read_table(path), repeats)
                t_valid, _ = best_time(lambda: validate_responses(raw, codebook), repeats)
                raw = None  # let the table go before the memory is measured
                rejected = intake.rejected_rows["row"].to_numpy() - (1 if kind == "csv" else 0) - 1
                assert np.array_equal(np.sort(rejected), planted), "the rejected rows are not the planted ones"
                print(
                    f"  pyarrow read {t_arrow:.3f} s; csmlib load_responses {t_load:.3f} s ({intake.n_accepted:,} "
                    f"accepted, {intake.n_rejected:,} rejected as planted); apart: read_table {t_read:.3f} s, "
                    f"validate_responses {t_valid:.3f} s"
                )
                print(f"  (info) processor time, all threads: pyarrow read {cpu_arrow:.3f} s, load_responses {cpu_load:.3f} s")
                ratio = t_load / t_arrow
                rise = peak_rise(path, codebook_path)
                memory = None if rise is None else rise / parsed.nbytes
                if rise is not None:
                    print(f"  peak resident memory rise during load_responses {rise / 2**20:.0f} MiB")
                label = f"{kind} {n:,}"
                if goal:
                    report(f"{label}: load_responses / pyarrow read", f"{ratio:.2f}×", "≤ 5×", ratio <= 5)
                    shown = "not measured (no /proc)" if memory is None else f"{memory:.2f}×"
                    report(f"{label}: peak memory / parsed table", shown, "≤ 3×", None if memory is None else memory <= 3)
                else:
                    shown = "not measured" if memory is None else f"{memory:.2f}×"
                    print(f"  (info) {label}: load_responses / pyarrow read {ratio:.2f}×; peak memory / parsed table {shown}")
    ok = all(r for r in results if r is not None)
    print(closing_line(results, args.quick))
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
