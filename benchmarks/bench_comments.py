"""Speed goal of csmlib.stats.comments.code (voice of the customer; its home is
csmlib.stats.comment_coding, the text rules are csmlib.survey.codeframe).

Goal: code 1,000,000 open comments into 30 themes in under 10 s (``--quick``: 20,000 comments
from a vocabulary of 5,000 word forms per language, checked on a sample of 500; goal not checked).

The comments are synthetic but shaped like real exports: 35 % blank (missing, empty or
punctuation only), the rest English or Persian, 3–25 words drawn from a Zipf-distributed
vocabulary of 40,000 word forms per language (so nearly every comment is distinct), with
punctuation attached to words, upper case, Persian affixes written with ZWNJ, a space or nothing,
Arabic letter forms (ي, ك), tatweel and Persian digits, order numbers and prices. The codeframe has
30 themes with 6 patterns each (English and Persian words, ``*`` prefixes and phrases).

The reference, timed in the same run, is the floor of any text work: lower-casing every comment
once (pandas ``str.lower`` on the pyarrow string column). The ratio csmlib/reference is printed.
On a sample of 3,000 comments the result is checked against a straightforward implementation
(each comment normalised on its own with ``normalize_comment``, each theme one Python regex over
the space-padded normalised text). ``themes_table`` on the coded frame is timed for information.

Run: ``python benchmarks/bench_comments.py [--quick] [--strict]`` (``--strict``: exit 1 if the
goal is missed; full size only). Timings are the best of a few repeats.
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csmlib.stats.comments import code, normalize_comment, theme_patterns, themes_table

# benchmarks/ is on sys.path when run as a script
from _timing import add_mode_args, best_time, closing_line, parse_mode_args, verdict  # noqa: E402

THEMES, PER_THEME, VOCAB = 30, 6, 40_000
EN_STEMS = [
    "deliver",
    "late",
    "staff",
    "friendly",
    "price",
    "expensive",
    "quality",
    "broken",
    "refund",
    "app",
    "website",
    "login",
    "package",
    "wait",
    "support",
    "call",
    "manager",
    "branch",
    "queue",
    "card",
    "fee",
    "loan",
    "interest",
    "transfer",
    "error",
    "slow",
    "fast",
    "polite",
    "rude",
    "clean",
]
FA_STEMS = [
    "تاخیر",
    "کارمند",
    "قیمت",
    "گران",
    "کیفیت",
    "خراب",
    "بسته",
    "پشتیبانی",
    "تماس",
    "شعبه",
    "صف",
    "کارت",
    "کارمزد",
    "وام",
    "سود",
    "انتقال",
    "خطا",
    "کند",
    "سریع",
    "مودب",
    "برخورد",
    "تمیز",
    "اپلیکیشن",
    "سایت",
    "رمز",
    "پیامک",
    "حساب",
    "چک",
    "قسط",
    "بیمه",
]
FA_LETTERS = list("ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی")


def _vocabulary(rng, lang: str, size: int = VOCAB) -> np.ndarray:
    """``size`` word forms; the theme stems (and inflections) among the frequent ones."""
    if lang == "en":
        letters = list("abcdefghijklmnopqrstuvwxyz")
        stems = EN_STEMS + [s + e for s in EN_STEMS for e in ("s", "ed", "ing", "y")]
    else:
        letters = FA_LETTERS
        stems = (
            FA_STEMS
            + [s + "\u200cها" for s in FA_STEMS]
            + [s + " ها" for s in FA_STEMS]
            + ["می\u200cخواهم", "می خواهم", "میخواهم", "نمی\u200cشود", "بهتر", "بزرگ\u200cترین"]
        )
    words = set(stems)
    while len(words) < size:
        n = int(rng.integers(2, 10))
        words.add("".join(rng.choice(letters, n)))
    words = list(words)
    rng.shuffle(words)
    # theme stems near the head of the Zipf ranking (ranks 20–400)
    stems = set(stems)
    head = [w for w in words if w in stems]
    tail = [w for w in words if w not in stems]
    return np.array(tail[:20] + head + tail[20:], dtype=object)


def make_comments(n: int, seed: int = 0, vocab_size: int = VOCAB) -> pd.Series:
    rng = np.random.default_rng(seed)
    vocab = {"en": _vocabulary(rng, "en", vocab_size), "fa": _vocabulary(rng, "fa", vocab_size)}
    kind = rng.choice(3, n, p=[0.35, 0.35, 0.30])  # 0 blank, 1 English, 2 Persian
    lengths = np.where(kind == 0, 0, rng.integers(3, 26, n))
    total = int(lengths.sum())
    lang_of_word = np.repeat(kind, lengths)
    ranks = np.minimum(rng.zipf(1.15, total) - 1, vocab_size - 1)
    words = np.where(lang_of_word == 1, vocab["en"][ranks], vocab["fa"][ranks])
    # surface noise: punctuation, capitals, Arabic letter forms, tatweel, numbers
    u = rng.random(total)
    words = np.where(u < 0.06, words + np.array([",", ".", "!", "؟", "،"], dtype=object)[rng.integers(0, 5, total)], words)
    en = lang_of_word == 1
    cap = en & (rng.random(total) < 0.08)
    words[cap] = [w.capitalize() for w in words[cap]]
    fa = lang_of_word == 2
    arab = fa & (rng.random(total) < 0.05)
    words[arab] = [w.replace("ی", "ي").replace("ک", "ك") for w in words[arab]]
    tat = fa & (rng.random(total) < 0.01)
    words[tat] = [w[:1] + "ـــ" + w[1:] for w in words[tat]]
    num = rng.random(total) < 0.01
    digits = rng.integers(1000, 99_999_999, int(num.sum())).astype(str)
    words[num] = [d.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) if f else d for d, f in zip(digits, fa[num])]
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    lists = pa.ListArray.from_arrays(pa.array(offsets, pa.int64()), pa.array(words.tolist(), pa.string()))
    text = pc.binary_join(lists, " ").to_numpy(zero_copy_only=False).astype(object)
    blank = kind == 0
    text[blank] = rng.choice(np.array([None, "", " ", "-", "..."], dtype=object), int(blank.sum()))
    return pd.Series(text, dtype="str", name="comment")


def make_themes(seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    themes = {}
    for t in range(THEMES):
        en = [EN_STEMS[t], EN_STEMS[(t + 7) % 30] + "*", f"{EN_STEMS[(t + 3) % 30]} {EN_STEMS[(t + 11) % 30]}"]
        fa = [FA_STEMS[t], FA_STEMS[(t + 5) % 30] + "*", f"{FA_STEMS[(t + 13) % 30]} {FA_STEMS[(t + 17) % 30]}"]
        themes[f"theme_{t:02d}"] = {
            "label": {"en": f"Theme {t}", "fa": f"موضوع {t}"},
            "department": ["Sales", "Service", "IT"][int(rng.integers(3))],
            "patterns": {"en": en, "fa": fa},
        }
    return themes


def reference_lower(texts: pd.Series) -> pd.Series:
    return texts.str.lower()


def straightforward(texts: pd.Series, themes: dict) -> pd.DataFrame:
    """Each comment normalised on its own; each theme one Python regex over ' words '."""
    pats = theme_patterns(themes)
    rx = {}
    for tid, plist in pats.items():
        alts = [" ".join(map(re.escape, p.words)) + (r"[^ ]*" if p.prefix else "") for p in plist]
        rx[tid] = re.compile(" (?:" + "|".join(alts) + ") ")
    norm = [normalize_comment(t) for t in texts]
    padded = [None if t is None else f" {t} " for t in norm]
    return pd.DataFrame(
        {tid: [p is not None and r.search(p) is not None for p in padded] for tid, r in rx.items()}, index=texts.index
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_mode_args(parser, "20,000 comments, not 1,000,000")
    args = parse_mode_args(parser, argv)
    n = 20_000 if args.quick else 1_000_000
    texts = make_comments(n, vocab_size=5_000 if args.quick else VOCAB)
    themes = make_themes()
    n_distinct = texts.nunique()
    print(
        f"comments: {n:,} ({int(texts.isna().sum() + (texts.str.strip() == '').sum()):,} "
        f"missing or empty, {n_distinct:,} distinct), {THEMES} themes × {PER_THEME} patterns"
    )
    code(texts.iloc[:2000], themes)  # warm-up
    repeats = 2 if args.quick else 3
    t_ref, _ = best_time(lambda: reference_lower(texts), repeats)
    t_csm, coded = best_time(lambda: code(texts, themes), repeats)
    n_check = 500 if args.quick else 3000
    sample = texts.sample(n_check, random_state=0)
    expected = straightforward(sample, themes)
    assert (coded.loc[sample.index] == expected).all().all(), "code() disagrees with the straightforward implementation"
    rng = np.random.default_rng(2)
    sat = pd.Series(rng.integers(1, 6, n).astype(float), index=texts.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_tab, _ = best_time(lambda: themes_table(coded, sat), 1)
    ok = t_csm < 10.0
    share = coded.any(axis=1).sum() / (n - coded.attrs["n_blank"])
    print(f"  reference: lower-case every comment   {t_ref:7.3f} s")
    print(
        f"  csmlib code()                         {t_csm:7.3f} s   ratio csmlib/reference "
        f"{t_csm / t_ref:.2f}×   ({share:.0%} of the commenters coded; agrees with the "
        f"straightforward implementation on {n_check:,} comments)"
    )
    print(f"  (info) themes_table with satisfaction {t_tab:7.3f} s")
    print(f"  goal: code() < 10 s                   {t_csm:.3f} s ({t_csm / 10:.2f}× budget)   {verdict(ok, args.quick)}")
    if args.quick:
        print(closing_line([ok], True))
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
