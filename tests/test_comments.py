"""csmlib.stats.comments: normalisation rules, pattern forms, personal-data masking, the themes table,
uncovered terms and example quotes.

Reference values: the normalised forms and codings are written out by hand; check digits by hand
(shown in the comments) and published examples (SWIFT IBAN registry example for Iran
IR062960000000100324200001; Wikipedia's Luhn example 79927398713 and the GB82 WEST… IBAN; the
card networks' test numbers 4111 1111 1111 1111 and 5555 5555 5555 4444); the Wilson interval
by its formula and statsmodels ``proportion_confint``; the Welch test by scipy
``ttest_ind(equal_var=False)``; weighted numbers by the formulas of the method note written out
with numpy; Holm by statsmodels ``multipletests``.
"""

from __future__ import annotations

import doctest
import importlib
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

import csmlib.stats.comments as C
import csmlib.stats.pii as pii
import csmlib.survey.codeframe as codeframe
from csmlib.stats.comments import (
    blank_rows,
    code,
    examples,
    mask_pii,
    normalize_comment,
    normalize_comments,
    theme_patterns,
    themes_table,
    uncovered_terms,
)
from csmlib.core.text import normalize_label

Z95 = 1.959963984540054
ZWNJ, TATWEEL = "\u200c", "\u0640"
FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
AR_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def one(theme_patterns_list, text) -> bool:
    """Does ``text`` match a one-theme codeframe with these patterns."""
    return bool(code(pd.Series([text], dtype="str"), {"t": {"patterns": theme_patterns_list}}).iloc[0, 0])


# ============================================================================ normalisation


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The DELIVERY was LATE", "the delivery was late"),  # case
        ("Straße", "strasse"),  # casefold, not lower
        ("ＬＡＴＥ ﬁne", "late fine"),  # NFKC: full width, ligature
        ("ﻻ ﺑﺴﺘﻪ", "لا بسته"),  # NFKC: presentation forms
        ("كيفيت", "کیفیت"),
        ("علي", "علی"),
        ("مصطفى", "مصطفی"),  # ك ي ى → ک ی ی
        ("مدرسة", "مدرسه"),
        ("خانۀ", "خانه"),
        ("خانهٔ", "خانه"),  # ة ۀ and hamza mark → ه
        ("أحمد إسلام آخر ٱلله", "احمد اسلام اخر الله"),  # alef forms → ا
        ("مسؤول مسئول", "مسؤول مسئول"),  # hamza on waw/yeh kept
        ("دیــــــر", "دیر"),
        ("ـ", ""),  # tatweel
        ("کَیفیّتْ خوبٌ", "کیفیت خوب"),
        ("هذا", "هذا"),
        ("هٰذا", "هذا"),  # harakat, superscript alef
        ("۱۲۳ ٤٥٦ 789", "123 456 789"),  # Persian/Arabic-Indic digits
        ("late,delivery!!  (again)", "late delivery again"),  # punctuation separates
        ("e-mail: a_b", "e mail a b"),
        ("می‌خواهم", "میخواهم"),
        ("می خواهم", "میخواهم"),
        ("میخواهم", "میخواهم"),  # prefix می
        ("نمی‌شود", "نمیشود"),
        ("نمی شود", "نمیشود"),  # prefix نمی
        ("بی‌کیفیت", "بیکیفیت"),
        ("بی کیفیت", "بیکیفیت"),  # prefix بی
        ("بسته‌ها", "بستهها"),
        ("بسته ها", "بستهها"),
        ("بستهها", "بستهها"),  # suffix ها
        ("کارت‌های", "کارتهای"),
        ("کارت های", "کارتهای"),  # suffix های
        ("بزرگ‌تر", "بزرگتر"),
        ("بزرگ تر", "بزرگتر"),
        ("بهترین", "بهترین"),  # تر
        ("بزرگ ترین", "بزرگترین"),
        ("بزرگ تر ها", "بزرگترها"),  # ترین, chains
        ("بی کیفیت تر", "بیکیفیتتر"),
        ("می 2", "می 2"),
        ("app ها", "app ها"),
        ("ها بد", "ها بد"),  # only next to Persian words
        ("  \u200c ", ""),
        ("...", ""),
        ("", ""),
    ],
)
def test_normalisation_rules(text, expected):
    assert normalize_comment(text) == expected


def test_normalize_comment_missing_and_vectorised():
    assert normalize_comment(None) is None and normalize_comment(float("nan")) is None
    s = pd.Series(["A  b", None, "ي"], index=[10, 20, 30], dtype="str")
    out = normalize_comments(s)
    assert out.index.tolist() == [10, 20, 30]
    assert out[10] == "a b" and pd.isna(out[20]) and out[30] == "ی"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12))
def test_word_rules_are_normalize_label_plus_the_comment_rules(raw):
    """One home per rule: the token rules equal csmlib.core.text.normalize_label (with the joiners
    removed first) followed by the comment-only folding and the word split."""
    raw = "".join(raw.split())
    expected = codeframe._NONWORD.sub(" ", normalize_label(raw.translate(codeframe._REMOVED)).translate(codeframe._FOLD)).split()
    assert codeframe._words_of_token(raw) == expected


def reference_words(text: str) -> str:
    """Rules 1–6 one comment at a time, in plain Python: the per-piece rules, then the affixes
    joined left to right (the vectorised tokenizer must agree)."""
    words = [w for piece in text.split() for w in codeframe._words_of_token(piece)]

    def persian(ch):
        return "\u0620" <= ch <= "\u06ff" and ch.isalpha()

    out = []
    for i, w in enumerate(words):
        joins = i > 0 and ((words[i - 1] in C.PREFIXES and persian(w[0])) or (w in C.SUFFIXES and persian(words[i - 1][-1])))
        if joins:
            out[-1] += w
        else:
            out.append(w)
    return " ".join(out)


PIECES = list("abcXYZ09 .-,!\t") + [
    "ab",
    "Late",
    "می",
    "نمی",
    "ها",
    "تر",
    "ترین",
    "بسته",
    "كيف",
    "ة",
    "آ",
    "ـ",
    "ً",
    "۱۲",
    ZWNJ,
    "\u00a0",
    "ﻻ",
    "ß",
    "ＡＢ",
    " می ",
    " ها ",
]
MIXED = st.lists(st.sampled_from(PIECES), max_size=14).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(MIXED, min_size=1, max_size=5))
def test_vectorised_normalisation_equals_the_plain_python_reading(texts):
    got = normalize_comments(pd.Series(texts, dtype="str")).tolist()
    assert got == [reference_words(t) for t in texts]


# ============================================================================ pattern forms


def test_whole_words_not_substrings():
    assert one(["late"], "The parcel was late.")
    assert one(["late"], "LATE!!!")
    assert not one(["late"], "I love chocolate")
    assert not one(["late"], "lately fine")
    assert not one(["late"], "translate")
    assert not one(["کند"], "کندو")  # Persian: whole words too


def test_phrases_are_consecutive_words():
    assert one(["took too long"], "It took too long to arrive")
    assert one(["took too long"], "it TOOK too... long")  # punctuation is not a word
    assert not one(["took too long"], "took long, too")
    assert not one(["took too long"], "took too much time, long wait")
    assert one(["دیر رسید"], "بسته خیلی دیر رسید")
    assert not one(["دیر رسید"], "دیر بود و رسید")
    # a phrase never spans two comments
    c = code(pd.Series(["it took too", "long"]), {"t": {"patterns": ["took too long"]}})
    assert not c["t"].any()


def test_wildcard_prefix():
    for text in ("delivery", "Delivered late", "DELIVERING", "deliver"):
        assert one(["deliver*"], text), text
    assert not one(["deliver*"], "undelivered")
    assert one(["took too lon*"], "took too longgg")
    assert one(["تاخیر*"], "تاخیرها زیاد بود")
    assert one(["بسته*"], "بسته‌ها دیر رسید")
    assert one(["می*"], "نمی دانم می خواهم")  # joined می… words start with می
    assert not one(["می*"], "نمی دانم")


def test_persian_prefix_and_suffix_forms():
    for text in ("می‌خواهم", "میخواهم", "می خواهم", "مي‌خواهم"):
        assert one(["میخواهم"], text) and one(["می خواهم"], text) and one(["می‌خواهم"], text)
    assert not one(["میخواهم"], "نمی خواهم")  # negation is another word
    for text in ("بسته‌ها", "بسته ها", "بستهها"):
        assert one(["بسته‌ها"], text) and one(["بسته ها"], text)
        assert not one(["بسته"], text)  # whole word: write بسته*
    assert one(["بدترین"], "بد ترین تجربه")


def test_arabic_letter_forms_tatweel_diacritics_digits():
    assert one(["کیفیت"], "كيفيت پايين")  # ك ي in the text
    assert one(["كيفيت"], "کیفیت پایین")  # ك ي in the pattern
    assert one(["کیفیت"], "کیــــفیت")  # tatweel
    assert one(["کیفیت"], "کَیفیّت")  # harakat
    assert one(["24 ساعت"], "بعد از ۲۴ ساعت")  # Persian digits
    assert one(["24 ساعت"], "بعد از ٢٤ ساعت")  # Arabic-Indic digits
    assert one(["مسئول"], "مسئول شعبه") and not one(["مسئول"], "مسؤول شعبه")


def test_code_frame_shape_index_blanks_and_several_themes():
    frame = {
        "late": {
            "label": {"en": "Late", "fa": "دیر"},
            "department": "Logistics",
            "patterns": {"en": ["late", "delay*"], "fa": ["دیر"]},
        },
        "staff": {"patterns": {"en": ["staff", "friendly"], "fa": ["کارمند*"]}},
        "price": {"patterns": {"en": ["expensive"], "fa": ["گران"]}},
    }
    texts = pd.Series(
        [
            "Friendly staff, but the delivery was delayed",
            "دیر و گران",
            None,
            "",
            "   ",
            "...",
            "ـــ",
            ZWNJ,
            np.nan,
            "nothing to add",
        ],
        index=list("abcdefghij"),
        dtype=object,
    )
    c = code(texts, frame)
    assert c.columns.tolist() == ["late", "staff", "price"]
    assert c.index.tolist() == list("abcdefghij")
    assert all(c[t].dtype == bool for t in c.columns)
    assert c.loc["a"].tolist() == [True, True, False]
    assert c.loc["b"].tolist() == [True, False, True]
    assert not c.loc[list("cdefghij")].any().any()
    assert c.attrs["n_blank"] == 7 and c.attrs["n_texts"] == 10
    assert blank_rows(c).tolist() == [False, False] + [True] * 7 + [False]
    # a plain list and the {"themes": ...} wrapping
    c2 = code(["late", "ok"], {"themes": frame})
    assert c2.index.tolist() == [0, 1] and c2["late"].tolist() == [True, False]


def test_coded_frames_concatenate_and_subset():
    frame = {"late": {"patterns": ["late"]}}
    a = code(pd.Series(["late", ""]), frame)
    b = code(pd.Series(["late", ""]), frame)
    both = pd.concat([a, b])  # attrs comparable: no error
    assert len(both) == 4
    sub = a.iloc[:1]
    assert blank_rows(sub).tolist() == [False]


@pytest.mark.parametrize(
    "frame, message",
    [
        ({}, "non-empty"),
        ({"t": {"label": "x"}}, "no patterns"),
        ({"t": {"patterns": []}}, "no patterns"),
        ({"t": {"patterns": {"en": []}}}, "no patterns"),
        ({"t": {"patterns": "late"}}, "list"),
        ({"t": {"patterns": ["*late"]}}, "'\\*' may only end"),
        ({"t": {"patterns": ["la*te"]}}, "'\\*' may only end"),
        ({"t": {"patterns": ["late *"]}}, "'\\*' may only end"),
        ({"t": {"patterns": ["*"]}}, "'\\*' may only end"),
        ({"t": {"patterns": ["?!"]}}, "no word"),
        ({"t": {"patterns": [3]}}, "not text"),
    ],
)
def test_codeframe_validation(frame, message):
    with pytest.raises(ValueError, match=message):
        code(pd.Series(["late"]), frame)


def test_theme_patterns_reads_each_form():
    p = theme_patterns({"t": {"patterns": {"en": ["Took too long", "deliver*"], "fa": ["می‌خواهم", "بسته ها*"]}}})["t"]
    assert [(x.words, x.prefix) for x in p] == [
        (("took", "too", "long"), False),
        (("deliver",), True),
        (("میخواهم",), False),
        (("بستهها",), True),
    ]


# --------------------------------------------------------------------------- properties

FA_WORDS = [
    "بسته",
    "دیر",
    "رسید",
    "کیفیت",
    "کارمند",
    "می",
    "خواهم",
    "ها",
    "تر",
    "خیلی",
    "بد",
    "يک",
    "كارت",
    "گران",
    "قیمت",
    "و",
    "late",
    "app",
    "۲۴",
    "ساعت",
]
FRAME = {
    "delay": {"patterns": {"fa": ["دیر رسید", "تاخیر*"], "en": ["late"]}},
    "staff": {"patterns": ["کارمند*", "میخواهم"]},
    "quality": {"patterns": ["کیفیت", "بد"]},
    "card": {"patterns": ["کارت", "24 ساعت"]},
    "plural": {"patterns": ["بستهها", "بدتر"]},
}
texts_strategy = st.lists(st.lists(st.sampled_from(FA_WORDS), min_size=1, max_size=8).map(" ".join), min_size=1, max_size=6)


def _insert(text: str, char: str, positions: list[int]) -> str:
    for p in sorted(positions, reverse=True):
        p = p % (len(text) + 1)
        text = text[:p] + char + text[p:]
    return text


@settings(max_examples=60, deadline=None)
@given(texts_strategy, st.lists(st.integers(0, 200), max_size=6), st.lists(st.integers(0, 200), max_size=6))
def test_coding_invariant_to_zwnj_tatweel_and_letter_forms(texts, zw, tat):
    base = code(pd.Series(texts), FRAME)
    noisy = [_insert(_insert(t, ZWNJ, zw), TATWEEL, tat) for t in texts]
    assert (code(pd.Series(noisy), FRAME) == base).all().all()
    arabic = [t.replace("ی", "ي").replace("ک", "ك") for t in texts]
    assert (code(pd.Series(arabic), FRAME) == base).all().all()
    persian = [t.replace("ي", "ی").replace("ك", "ک") for t in texts]
    assert (code(pd.Series(persian), FRAME) == base).all().all()
    digits = [t.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")) for t in texts]
    assert (code(pd.Series(digits), FRAME) == base).all().all()


@settings(max_examples=40, deadline=None)
@given(texts_strategy)
def test_coding_a_batch_equals_coding_each_comment(texts):
    batch = code(pd.Series(texts), FRAME)
    for i, t in enumerate(texts):
        alone = code(pd.Series([t]), FRAME)
        assert batch.iloc[i].tolist() == alone.iloc[0].tolist()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=" \t\n.,!?؟،-ـ\u200c()«»", max_size=10)), min_size=1, max_size=8))
def test_blank_comments_are_never_coded(texts):
    c = code(pd.Series(texts, dtype=object), {"any": {"patterns": ["a*", "ب*"]}})
    assert not c.to_numpy().any()
    assert c.attrs["n_blank"] == len(texts)


# ============================================================================ personal data


def test_national_id_check_by_hand():
    # 0499370899: 0·10 + 4·9 + 9·8 + 9·7 + 3·6 + 7·5 + 0·4 + 8·3 + 9·2 = 266; 266 mod 11 = 2 ≥ 2,
    # check digit 11 − 2 = 9 ✓.
    assert pii._national_id_ok("0499370899") and not pii._national_id_ok("0499370898")
    # 0100000010: 1·9 + 1·2 = 11, r = 0 < 2, check 0 ✓; 0100000101: 9 + 3 = 12, r = 1, check 1 ✓
    assert pii._national_id_ok("0100000010") and pii._national_id_ok("0100000101")
    # 1234567890: 10 + 18 + 24 + 28 + 30 + 30 + 28 + 24 + 18 = 210, r = 1, check should be 1
    assert not pii._national_id_ok("1234567890")
    assert not pii._national_id_ok("1111111111")  # equal digits are not issued


def test_luhn_and_iban_published_examples():
    assert pii._luhn_ok("79927398713") and not pii._luhn_ok("79927398710")
    assert pii._luhn_ok("4111111111111111") and pii._luhn_ok("5555555555554444")
    assert not pii._luhn_ok("4111111111111112")
    assert pii._iban_ok("GB82 WEST 1234 5698 7654 32")
    assert not pii._iban_ok("GB82 TEST 1234 5698 7654 32")
    assert pii._iban_ok("IR062960000000100324200001")
    assert not pii._iban_ok("IR062960000000100324200002")


PII = [
    ("email", "write to ali.rezaei+csm@example.co.ir please", "write to [email] please"),
    ("email", "ایمیل: sara_k@mail.com", "ایمیل: [email]"),
    ("mobile", "call 0912 345 6789 today", "call [phone] today"),
    ("mobile", "call 09123456789.", "call [phone]."),
    ("mobile", "0912-345-6789", "[phone]"),
    ("mobile", "+98 912 345 6789", "[phone]"),
    ("mobile", "+989123456789", "[phone]"),
    ("mobile", "0098 912 345 67 89", "[phone]"),
    ("mobile", "+98 (0)912 345 6789", "[phone]"),
    ("landline", "tel 021-88776655", "tel [phone]"),
    ("landline", "(021) 8877 6655", "[phone]"),
    ("landline", "02188776655", "[phone]"),
    ("landline", "+98 21 8877 6655", "[phone]"),
    ("international", "+44 20 7946 0958 is our UK office", "[phone] is our UK office"),
    ("international", "+1 (555) 123-4567", "[phone]"),
    ("national id", "کد ملی 0499370899", "کد ملی [id]"),
    ("national id", "id 049-937089-9", "id [id]"),
    ("card", "card 4111 1111 1111 1111", "card [card]"),
    ("card", "5555-5555-5555-4444", "[card]"),
    ("card", "5555555555554444", "[card]"),
    ("iban", "شبا IR06 2960 0000 0010 0324 2000 01 است", "شبا [iban] است"),
    ("iban", "ir062960000000100324200001", "[iban]"),
]


@pytest.mark.parametrize("kind, text, expected", PII, ids=[f"{k}-{i}" for i, (k, *_) in enumerate(PII)])
def test_pii_masked_in_latin_persian_and_arabic_digits(kind, text, expected):
    assert mask_pii(text) == expected
    for table in (FA_DIGITS, AR_DIGITS):
        if kind == "email":
            continue
        assert mask_pii(text.translate(table)) == expected.translate(table)


KEEP = [
    "order 4471 arrived",
    "order #ORD-2024-0499370899",
    "tracking 12345678",
    "price 1,250,000 toman",
    "paid 450000 toman",
    "قیمت ۲۵۰٬۰۰۰ تومان",
    "id 1234567890 is wrong",
    "0499370898",
    "1111111111",
    "card 4111 1111 1111 1112",
    "IR062960000000100324200002",
    "on 1402/05/12 at 10:30",
    "12345678901",
    "ref 09123456789x",
    "v2.0912345678",
    "rated 10/10",
    "3.5 stars",
    "2026-01-05",
]


@pytest.mark.parametrize("text", KEEP)
def test_numbers_that_are_not_personal_data_stay(text):
    assert mask_pii(text) == text
    assert mask_pii(text.translate(FA_DIGITS)) == text.translate(FA_DIGITS)


def test_mask_pii_containers():
    s = pd.Series(["call 09123456789", None, "fine"], index=[5, 6, 7], dtype="str")
    out = mask_pii(s)
    assert out.index.tolist() == [5, 6, 7] and out[5] == "call [phone]" and pd.isna(out[6])
    assert out[7] == "fine"
    obj = mask_pii(pd.Series(["a@b.io", None], dtype=object))
    assert obj.tolist()[0] == "[email]"
    assert mask_pii(["0912 345 6789", None]) == ["[phone]", None]
    assert mask_pii(None) is None


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789 -+()@.abIR", max_size=40))
def test_masking_does_not_depend_on_the_digit_system(text):
    assert mask_pii(text.translate(FA_DIGITS)) == mask_pii(text).translate(FA_DIGITS)


# ============================================================================ themes table


def small_wave():
    """12 rows: 2 blank comments, 10 commenters; 'late' mentioned by 4, 'staff' by 3."""
    texts = [
        "late again",
        "late and rude staff",
        "it was late",
        "late late",
        "nice staff",
        "helpful staff",
        "ok",
        "fine",
        "good",
        "great",
        "",
        None,
    ]
    sat = [2, 1, 3, 2, 5, 4, 4, 3, 5, 4, 1, 5]
    frame = {"late": {"patterns": ["late"]}, "staff": {"patterns": ["staff"]}}
    idx = [f"r{i}" for i in range(12)]
    return (code(pd.Series(texts, index=idx), frame), pd.Series(sat, index=idx, dtype=float, name="overall"))


def wilson(p, n, z=Z95):
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_share_and_wilson_interval_by_hand():
    coded, _ = small_wave()
    t = themes_table(coded, min_n=4).set_index("theme")
    assert t.loc["late", "n_commenters"] == 10 and t.loc["late", "n_mentions"] == 4
    assert t.loc["late", "share"] == pytest.approx(0.4)
    lo, hi = wilson(0.4, 10)
    assert (t.loc["late", "ci_low"], t.loc["late", "ci_high"]) == (pytest.approx(lo), pytest.approx(hi))
    ref = proportion_confint(4, 10, method="wilson")  # (0.16818, 0.68733)
    assert t.loc["late", "ci_low"] == pytest.approx(ref[0], abs=1e-12)
    assert t.loc["staff", "ci_high"] == pytest.approx(proportion_confint(3, 10, method="wilson")[1])
    assert not t.loc["late", "too_small"] and t.loc["staff", "too_small"]
    assert t.attrs["n_blank"] == 2 and t.attrs["n_commenters"] == 10
    assert "sat_p" not in t.columns and "change" not in t.columns
    assert list(t.reset_index().columns) == [c for c in C.TABLE_COLUMNS if c in t.reset_index().columns]


def test_satisfaction_gap_matches_scipy_welch():
    coded, sat = small_wave()
    sat = sat.copy()
    sat["r3"] = np.nan  # a missing answer is left out
    t = themes_table(coded, sat, min_n=1).set_index("theme")
    commenters = sat.iloc[:10]
    for theme in ("late", "staff"):
        m = coded[theme].iloc[:10].to_numpy()
        a, b = commenters[m].dropna(), commenters[~m].dropna()
        ref = stats.ttest_ind(a, b, equal_var=False)
        row = t.loc[theme]
        assert row["sat_mention"] == pytest.approx(a.mean())
        assert row["sat_other"] == pytest.approx(b.mean())
        assert row["n_sat_mention"] == len(a) and row["n_sat_other"] == len(b)
        assert row["sat_difference"] == pytest.approx(a.mean() - b.mean())
        assert row["sat_t"] == pytest.approx(ref.statistic, rel=1e-10)
        assert row["sat_p"] == pytest.approx(ref.pvalue, rel=1e-10)
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
        assert row["sat_df"] == pytest.approx(df)
        half = stats.t.ppf(0.975, df) * math.sqrt(va + vb)
        assert row["sat_ci_low"] == pytest.approx(a.mean() - b.mean() - half)
    holm = multipletests(t["sat_p"].to_numpy(), method="holm")[1]
    assert np.allclose(t["sat_p_adjusted"].to_numpy(), holm)


def test_weighted_share_and_gap_by_hand():
    coded, sat = small_wave()
    w = pd.Series(
        [1.0, 2.0, 0.5, 1.5, 1.0, 3.0, 1.0, 0.5, 2.0, 1.0, np.nan, np.nan], index=coded.index
    )  # blank rows need no weight
    t = themes_table(coded, sat, weights=w, min_n=1).set_index("theme")
    wc = w.iloc[:10].to_numpy()
    m = coded["late"].iloc[:10].to_numpy()
    p = wc[m].sum() / wc.sum()  # 5/13.5
    n_eff = wc.sum() ** 2 / (wc**2).sum()
    assert t.loc["late", "share"] == pytest.approx(p)
    assert t.loc["late", "n_eff"] == pytest.approx(n_eff)
    lo, hi = wilson(p, n_eff)
    assert t.loc["late", "ci_low"] == pytest.approx(lo)
    assert t.loc["late", "ci_high"] == pytest.approx(hi)
    # weighted means and linearised SEs sqrt(n/(n−1)·Σw²(y − ȳ_w)²)/Σw; df on the Kish n_eff
    y = sat.iloc[:10].to_numpy()

    def part(sel):
        yy, ww = y[sel], wc[sel]
        mean = (ww * yy).sum() / ww.sum()
        n = sel.sum()
        se2 = n / (n - 1) * (ww**2 * (yy - mean) ** 2).sum() / ww.sum() ** 2
        return mean, se2, ww.sum() ** 2 / (ww**2).sum()

    ma, va, ea = part(m)
    mb, vb, eb = part(~m)
    tstat = (ma - mb) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (ea - 1) + vb**2 / (eb - 1))
    assert t.loc["late", "sat_mention"] == pytest.approx(ma)
    assert t.loc["late", "sat_other"] == pytest.approx(mb)
    assert t.loc["late", "sat_t"] == pytest.approx(tstat)
    assert t.loc["late", "sat_df"] == pytest.approx(df)
    assert t.loc["late", "sat_p"] == pytest.approx(2 * stats.t.sf(abs(tstat), df))
    assert t.attrs["weighted"]
    with pytest.raises(ValueError, match="zero or negative"):
        themes_table(coded, weights=w.where(w.index != "r2", 0.0))


def test_change_against_previous_wave_by_hand():
    coded, _ = small_wave()
    prev_texts = pd.Series(["late"] * 2 + ["fine"] * 18 + [""] * 5)
    prev = code(prev_texts, {"late": {"patterns": ["late"]}, "price": {"patterns": ["price"]}})
    with pytest.warns(UserWarning, match="staff"):
        t = themes_table(coded, previous=prev, min_n=1).set_index("theme")
    # late: 4/10 now, 2/20 before; pooled p = 6/30
    pbar = 6 / 30
    z = (0.4 - 0.1) / math.sqrt(pbar * (1 - pbar) * (1 / 10 + 1 / 20))
    row = t.loc["late"]
    assert row["share_previous"] == pytest.approx(0.1) and row["change"] == pytest.approx(0.3)
    assert row["n_commenters_previous"] == 20 and row["n_mentions_previous"] == 2
    assert row["change_z"] == pytest.approx(z)
    assert row["change_p"] == pytest.approx(2 * stats.norm.sf(z))
    # Newcombe hybrid score interval from the two Wilson intervals
    l1, u1 = wilson(0.4, 10)
    l2, u2 = wilson(0.1, 20)
    assert row["change_ci_low"] == pytest.approx(0.3 - math.sqrt((0.4 - l1) ** 2 + (u2 - 0.1) ** 2))
    assert row["change_ci_high"] == pytest.approx(0.3 + math.sqrt((u1 - 0.4) ** 2 + (0.1 - l2) ** 2))
    # staff was not coded in the previous wave
    assert math.isnan(t.loc["staff", "change"]) and "not coded" in t.loc["staff", "note"]
    assert t.loc["late", "change_p_adjusted"] == pytest.approx(row["change_p"])  # family of 1


def test_themes_table_without_blank_information_warns_and_counts_every_row():
    coded, _ = small_wave()
    plain = pd.DataFrame(coded.to_numpy(), index=coded.index, columns=coded.columns)
    with pytest.warns(UserWarning, match="every row is counted"):
        t = themes_table(plain, min_n=1)
    assert t.loc[0, "n_commenters"] == 12


def test_themes_table_input_errors():
    coded, sat = small_wave()
    with pytest.raises(ValueError, match="index of 'overall'"):
        themes_table(coded, sat.set_axis(range(12)))
    with pytest.raises(ValueError, match="not boolean"):
        themes_table(coded.astype(int))
    with pytest.raises(ValueError, match="no commenters"):
        themes_table(code(pd.Series(["", None]), {"t": {"patterns": ["x"]}}))
    with pytest.raises(ValueError, match="method must be"):
        themes_table(coded, adjust="nope")


def test_theme_without_mentioners_gets_nan_gap_and_a_note():
    coded, sat = small_wave()
    coded = code(pd.Series(["late"] * 3 + ["fine"] * 3), {"late": {"patterns": ["late"]}, "none": {"patterns": ["zzz"]}})
    with pytest.warns(UserWarning, match="none"):
        t = themes_table(coded, pd.Series([1.0, 2, 3, 4, 5, 4]), min_n=1).set_index("theme")
    assert t.loc["none", "n_mentions"] == 0 and t.loc["none", "share"] == 0
    assert math.isnan(t.loc["none", "sat_t"]) and "satisfaction" in t.loc["none", "note"]
    assert t.loc["none", "sat_other"] == pytest.approx(19 / 6)


# ============================================================================ uncovered terms


def test_uncovered_terms_on_a_hand_made_set():
    texts = pd.Series(
        [
            "The app crashes every time",  # uncovered: app, crashes, every, time
            "App crashes when I log in",  # app, crashes, log
            "the app crashes, call 0912 345 6789",  # app, crashes, call ([phone] dropped)
            "Login fails: wrong password",  # login, fails, wrong, password
            "wrong password again and again",  # wrong, password
            "Delivery was late",  # coded: late
            "",  # blank
            "اپلیکیشن کار نمی کند",  # اپلیکیشن, کار, نمیکند
            "اپلیکیشن‌ها کار نمی‌کند",  # اپلیکیشنها, کار, نمیکند
        ]
    )
    coded = code(texts, {"late": {"patterns": ["late"]}})
    u = uncovered_terms(texts, coded, min_count=2)
    assert u.attrs["n_uncovered"] == 7
    words = u[u["kind"] == "word"].set_index("term")["n_comments"].to_dict()
    assert words == {"app": 3, "crashes": 3, "کار": 2, "نمیکند": 2, "password": 2, "wrong": 2}
    assert list(u[u["kind"] == "word"]["term"])[:2] == ["app", "crashes"]  # ties alphabetical
    phrases = u[u["kind"] == "phrase"].set_index("term")["n_comments"].to_dict()
    assert phrases == {"app crashes": 3, "wrong password": 2, "کار نمیکند": 2}
    assert u.loc[u["term"] == "app", "share"].iloc[0] == pytest.approx(3 / 7)
    top1 = uncovered_terms(texts, coded, top=1, min_count=1)
    assert top1["term"].tolist() == ["app", "app crashes"]
    # digits and placeholders never appear
    assert not any(ch.isdigit() for ch in "".join(uncovered_terms(texts, coded, min_count=1)["term"]))
    assert "phone" not in set(uncovered_terms(texts, coded, min_count=1)["term"])


def test_uncovered_terms_errors():
    texts = pd.Series(["a b"])
    coded = code(texts, {"t": {"patterns": ["x"]}})
    with pytest.raises(ValueError, match="index of the texts"):
        uncovered_terms(texts.set_axis([9]), coded)
    with pytest.raises(ValueError, match="top"):
        uncovered_terms(texts, coded, top=0)


# ============================================================================ examples


def test_examples_shortest_informative_distinct_and_masked():
    texts = pd.Series(
        [
            "late",
            "so late",
            "The parcel came two days late, again",
            "late delivery, my number is 09123456789",
            "the parcel came two days LATE!",
            "Late: the courier did not even call first",
            "late late late late",
        ],
        index=list("abcdefg"),
    )
    coded = code(texts, {"late": {"patterns": ["late"]}})
    ex = examples(texts, coded, "late", k=3)
    assert ex["text"].tolist() == ["late late late late", "the parcel came two days LATE!", "late delivery, my number is [phone]"]
    assert ex.index.tolist() == ["g", "e", "d"] and ex["n_words"].tolist() == [4, 6, 5]
    assert examples(texts, coded, "late", k=10).shape[0] == 5  # only 5 candidates
    with pytest.raises(ValueError, match="not a column"):
        examples(texts, coded, "price")


def test_examples_spread_over_satisfaction():
    texts = pd.Series([f"late delivery number {w} here" for w in ["one", "two", "three", "four", "five", "six"]])
    coded = code(texts, {"late": {"patterns": ["late"]}})
    sat = pd.Series([1.0, 1, 3, 3, 5, 5])
    ex = examples(texts, coded, "late", k=3, satisfaction=sat)
    assert ex["satisfaction"].tolist() == [1.0, 3.0, 5.0]
    assert ex["text"].tolist() == [
        "late delivery number one here",
        "late delivery number four here",
        "late delivery number six here",
    ]


# ============================================================================ docs


def test_docstring_examples_run():
    """The examples of the facade and of every module it re-exports from."""
    homes = {C} | {importlib.import_module(getattr(C, name).__module__) for name in C.__all__ if callable(getattr(C, name))}
    assert {m.__name__ for m in homes} >= {"csmlib.survey.codeframe", "csmlib.stats.pii", "csmlib.stats.comment_themes"}
    results = [doctest.testmod(m, optionflags=doctest.NORMALIZE_WHITESPACE) for m in sorted(homes, key=lambda m: m.__name__)]
    assert sum(r.failed for r in results) == 0 and sum(r.attempted for r in results) > 10


def test_every_public_name_is_the_one_of_its_home():
    """``csmlib.stats.comments`` re-exports its names; each is the object of the module it lives in."""
    for name in C.__all__:
        obj = getattr(C, name)
        home = getattr(obj, "__module__", None)
        if home is not None and isinstance(obj, type | type(code)):
            assert getattr(importlib.import_module(home), name) is obj, name
    assert C.PII_PLACEHOLDERS is pii.PII_PLACEHOLDERS and C.PREFIXES is codeframe.PREFIXES
