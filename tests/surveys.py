"""Deterministic generators of survey exports unlike the demo (for `csm init` and intake tests).

Each ``write_<name>(folder) -> Path`` writes one file into ``folder`` (created if needed) and
returns its path. Everything is seeded: the same call writes the same bytes.

=================  ======  ==========================================================================
name               n       what it looks like
=================  ======  ==========================================================================
``bank``           250     ECSI bank study: 27 items 0-10 in six concepts imag1-5 expe1-5 qual1-5
                           val1-4 sat1-4 loy1-4, ``gender`` female/male; no id, no NPS/Kano; CSV
``labelled_spss``  400     SPSS .sav: q1-q30 on 1-7 (five blocks of six, labels "Block: aspect"),
                           q31 overall 1-7, q32 recommend 0-10; value labels, 99 "Don't know",
                           some system-missing; ``region`` 1-4 labelled, ``resp_no``, ``weight``
``persian``        200     UTF-8 CSV with Persian column names: 12 items 1-5, ``رضایت_کلی`` 1-10,
                           ``شهر`` (city), ``نظر`` (comment), ``کد`` (id); some Persian digits
``tiny_b2b``       9       11 items 1-5 + ``overall_satisfaction`` 1-5, id ``customer``; CSV
``bfi_like``       500     25 items A1-A5 C1-C5 E1-E5 N1-N5 O1-O5 on 1-6 (reverse-keyed ones as in
                           psych::bfi) with missing, ``gender`` 1/2, ``education`` 1-5 (missing),
                           ``age``; no outcome question; CSV
=================  ======  ==========================================================================
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

# ---------------------------------------------------------------------------- shared helpers


def _factor_scores(rng: np.random.Generator, n: int, corr: np.ndarray) -> np.ndarray:
    """n draws of standard-normal latent concepts with correlation matrix ``corr``."""
    chol = np.linalg.cholesky(corr)
    return rng.standard_normal((n, corr.shape[0])) @ chol.T


def _indicators(rng, latent: np.ndarray, loadings) -> np.ndarray:
    """Standardised indicators x = λ·η + sqrt(1 − λ²)·ε for one concept."""
    loadings = np.asarray(loadings, dtype=float)
    noise = rng.standard_normal((latent.shape[0], loadings.size))
    return latent[:, None] * loadings[None, :] + noise * np.sqrt(1 - loadings**2)[None, :]


def _to_scale(x: np.ndarray, low: int, high: int, thresholds) -> np.ndarray:
    """Cut standardised scores at ``thresholds`` into the integer codes low..high."""
    codes = low + np.searchsorted(np.asarray(thresholds), x)
    return np.clip(codes, low, high)


def _folder(folder) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# ---------------------------------------------------------------------------- bank (ECSI)
BANK_CONCEPTS = {"imag": 5, "expe": 5, "qual": 5, "val": 4, "sat": 4, "loy": 4}
BANK_CORR = np.array(
    [
        # imag  expe  qual  val   sat   loy
        [1.00, 0.60, 0.65, 0.55, 0.70, 0.60],
        [0.60, 1.00, 0.75, 0.55, 0.60, 0.50],
        [0.65, 0.75, 1.00, 0.65, 0.80, 0.60],
        [0.55, 0.55, 0.65, 1.00, 0.70, 0.55],
        [0.70, 0.60, 0.80, 0.70, 1.00, 0.75],
        [0.60, 0.50, 0.60, 0.55, 0.75, 1.00],
    ]
)


def bank_frame(n: int = 250, seed: int = 2003) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    latent = _factor_scores(rng, n, BANK_CORR)
    cols = {}
    for j, (concept, k) in enumerate(BANK_CONCEPTS.items()):
        loadings = rng.uniform(0.6, 0.85, size=k)
        x = _indicators(rng, latent[:, j], loadings)
        # 0-10 answers: mean about 7.3, skewed towards the top as in the ECSI bank data
        values = np.clip(np.round(7.3 + 1.9 * x - 0.25 * x**2), 0, 10).astype(int)
        for i in range(k):
            cols[f"{concept}{i + 1}"] = values[:, i]
    frame = pd.DataFrame(cols)
    frame["gender"] = np.where(rng.random(n) < 0.48, "female", "male")
    return frame


def write_bank(folder: Path) -> Path:
    """The ECSI-like bank study: 250 customers, 27 items on 0-10, ``gender``; no id column."""
    path = _folder(folder) / "bank.csv"
    bank_frame().to_csv(path, index=False)
    return path


# ---------------------------------------------------------------------------- labelled SPSS
SPSS_BLOCKS = {
    "Product": [
        "Overall quality of the products",
        "Range of choice",
        "Price for value",
        "Reliability",
        "Ease of use",
        "Packaging design",
    ],
    "Delivery": [
        "Speed of delivery",
        "Accuracy of the order",
        "Condition on arrival",
        "Tracking information",
        "Choice of a delivery slot",
        "Courier's courtesy",
    ],
    "Staff": [
        "Friendliness",
        "Competence",
        "Availability",
        'Keeping "on time" promises',
        "Speed of answering",
        "Explaining things clearly",
    ],
    "Invoice": [
        "Accuracy",
        "Clarity",
        "Payment options",
        "Handling of billing questions",
        "Timeliness",
        "Fairness of charges: no #hidden fees",
    ],
    "Website": ["Finding products", "Speed of the pages", "Checkout", "Product information", "Account management", "Search"],
}
SAT7_LABELS = {
    1: "Very dissatisfied",
    2: "Dissatisfied",
    3: "Somewhat dissatisfied",
    4: "Neither satisfied nor dissatisfied",
    5: "Somewhat satisfied",
    6: "Satisfied",
    7: "Very satisfied",
    99: "Don't know",
}
NPS11_LABELS = {0: "Not at all likely", 10: "Extremely likely", 99: "Don't know"}
REGION_LABELS = {1: "North", 2: "South", 3: "East", 4: "West"}


def labelled_spss_frame(n: int = 400, seed: int = 1968):
    """The data and SPSS metadata (variable labels, value labels) of ``labelled_spss``."""
    rng = np.random.default_rng(seed)
    k = len(SPSS_BLOCKS)
    corr = np.full((k + 1, k + 1), 0.55) + np.eye(k + 1) * 0.45
    corr[-1, :-1] = corr[:-1, -1] = 0.7  # overall satisfaction
    latent = _factor_scores(rng, n, corr)
    cols, var_labels, value_labels = {}, {}, {}
    number = 1
    cuts7 = [-1.9, -1.3, -0.7, -0.1, 0.6, 1.3]
    for j, (block, aspects) in enumerate(SPSS_BLOCKS.items()):
        x = _indicators(rng, latent[:, j], rng.uniform(0.6, 0.85, size=len(aspects)))
        for i, aspect in enumerate(aspects):
            name = f"q{number}"
            cols[name] = _to_scale(x[:, i], 1, 7, cuts7).astype(float)
            var_labels[name] = f"{block}: {aspect}"
            value_labels[name] = dict(SAT7_LABELS)
            number += 1
    overall = _to_scale(latent[:, -1] * 0.9 + rng.standard_normal(n) * 0.44, 1, 7, cuts7)
    cols["q31"] = overall.astype(float)
    var_labels["q31"] = "Overall, how satisfied are you with our company?"
    value_labels["q31"] = dict(SAT7_LABELS)
    rec = np.clip(np.round(7 + 2.2 * (latent[:, -1] * 0.8 + rng.standard_normal(n) * 0.6)), 0, 10)
    cols["q32"] = rec.astype(float)
    var_labels["q32"] = "How likely are you to recommend us to a friend or colleague?"
    value_labels["q32"] = dict(NPS11_LABELS)
    frame = pd.DataFrame(cols)
    answers = [c for c in frame.columns]
    values = frame.to_numpy().copy()
    values[rng.random(values.shape) < 0.03] = np.nan  # system-missing answers
    values[rng.random(values.shape) < 0.008] = 99.0  # "don't know"
    frame = pd.DataFrame(values, columns=answers)
    frame.insert(0, "region", rng.choice([1.0, 2.0, 3.0, 4.0], size=n, p=[0.35, 0.25, 0.25, 0.15]))
    frame.insert(0, "resp_no", rng.permutation(np.arange(10001, 10001 + n)).astype(float))
    frame["weight"] = np.round(np.exp(rng.normal(0, 0.3, size=n)), 4)
    var_labels.update({"resp_no": "Respondent number", "region": "Region", "weight": "Design weight"})
    value_labels["region"] = dict(REGION_LABELS)
    return frame, var_labels, value_labels


def write_labelled_spss(folder: Path) -> Path:
    """An SPSS .sav export: 32 questions with variable and value labels, ``region``, ``resp_no``, ``weight``."""
    import pyreadstat

    frame, var_labels, value_labels = labelled_spss_frame()
    path = _folder(folder) / "labelled_survey.sav"
    pyreadstat.write_sav(
        frame, str(path), column_labels=[var_labels.get(c, "") for c in frame.columns], variable_value_labels=value_labels
    )
    return path


# ---------------------------------------------------------------------------- Persian
PERSIAN_ITEMS = {  # column -> latent concept (0 product, 1 delivery, 2 organisation)
    "کیفیت_محصول": 0,
    "قیمت_محصول": 0,
    "تنوع_محصول": 0,
    "دوام_محصول": 0,
    "سرعت_تحویل": 1,
    "ارسال_به_موقع": 1,
    "سالم_بودن_بسته": 1,
    "پیگیری_سفارش": 1,
    "رفتار_کارکنان": 2,
    "خدمات_پس_از_فروش": 2,
    "رسیدگی_به_شکایات": 2,
    "اعتبار_شرکت": 2,
}
PERSIAN_CITIES = ["تهران", "اصفهان", "شیراز", "تبریز", "مشهد"]
_FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_FA_OPENINGS = [
    "کیفیت کالا خوب بود اما",
    "از خرید راضی هستم ولی",
    "متأسفانه",
    "به طور کلی",
    "پشتیبانی عالی بود و",
    "قیمت کمی بالاست و",
]
_FA_ENDINGS = [
    "ارسال بیش از یک هفته طول کشید.",
    "بسته‌بندی آسیب دیده بود.",
    "کارکنان بسیار مودب بودند.",
    "پاسخ به تماس‌ها دیر بود.",
    "دوباره خرید خواهم کرد.",
    "صورتحساب اشتباه صادر شد.",
    "کالا دقیقاً مطابق توضیحات بود.",
]


def persian_frame(n: int = 200, seed: int = 1404) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    corr = np.array([[1, 0.6, 0.55, 0.7], [0.6, 1, 0.5, 0.65], [0.55, 0.5, 1, 0.7], [0.7, 0.65, 0.7, 1]])
    latent = _factor_scores(rng, n, corr)
    frame = pd.DataFrame({"کد": [f"R{1000 + i}" for i in range(n)]})
    frame["شهر"] = rng.choice(PERSIAN_CITIES, size=n, p=[0.4, 0.2, 0.15, 0.15, 0.1])
    cuts5 = [-1.6, -0.7, 0.2, 1.1]
    for name, concept in PERSIAN_ITEMS.items():
        x = _indicators(rng, latent[:, concept], [rng.uniform(0.6, 0.85)])[:, 0]
        frame[name] = _to_scale(x, 1, 5, cuts5)
    overall = np.clip(np.round(6.8 + 1.9 * latent[:, 3]), 1, 10).astype(int)
    frame["رضایت_کلی"] = overall
    comments = []
    for i in range(n):
        if rng.random() < 0.25:
            comments.append("")
        else:
            comments.append(f"{rng.choice(_FA_OPENINGS)} {rng.choice(_FA_ENDINGS)} (سفارش {i + 1})".translate(_FA_DIGITS))
    frame["نظر"] = comments
    # answers written as text; about one in eight in Persian digits
    for name in list(PERSIAN_ITEMS) + ["رضایت_کلی"]:
        text = frame[name].astype(str)
        persian = rng.random(n) < 0.12
        frame[name] = np.where(persian, text.str.translate(_FA_DIGITS), text)
    for name in list(PERSIAN_ITEMS)[:6]:  # a few unanswered questions
        frame.loc[rng.random(n) < 0.02, name] = ""
    return frame


def write_persian(folder: Path) -> Path:
    """A UTF-8 CSV with Persian column names, Persian digits in some answers, city and comments."""
    path = _folder(folder) / "persian_survey.csv"
    persian_frame().to_csv(path, index=False, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- tiny B2B
TINY_ITEMS = [
    "product_quality",
    "product_price",
    "delivery_speed",
    "delivery_reliability",
    "staff_courtesy",
    "service_response",
    "invoice_accuracy",
    "technical_support",
    "documentation",
    "ordering_ease",
    "account_manager",
]
TINY_CUSTOMERS = [
    "Acme Ltd",
    "Borealis GmbH",
    "Cedar & Sons",
    "Delta Works",
    "Eastern Tools",
    "Fabrik AG",
    "Gamma Supplies",
    "Helix BV",
    "Iris Trading",
]


def tiny_b2b_frame(seed: int = 9) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(TINY_CUSTOMERS)
    base = rng.normal(0, 1, size=n)
    frame = pd.DataFrame({"customer": TINY_CUSTOMERS})
    for name in TINY_ITEMS:
        frame[name] = np.clip(np.round(3.8 + 0.8 * base + rng.normal(0, 0.7, n)), 1, 5).astype(int)
    frame["overall_satisfaction"] = np.clip(np.round(3.9 + 0.9 * base + rng.normal(0, 0.4, n)), 1, 5).astype(int)
    frame.loc[0, "product_quality"] = 1  # make sure both ends of the scale are seen
    frame.loc[1, "delivery_speed"] = 5
    return frame


def write_tiny_b2b(folder: Path) -> Path:
    """Nine business customers, 11 items on 1-5 and overall satisfaction 1-5, id ``customer``."""
    path = _folder(folder) / "tiny_b2b.csv"
    tiny_b2b_frame().to_csv(path, index=False)
    return path


# ---------------------------------------------------------------------------- BFI-like
BFI_TRAITS = "ACENO"
BFI_REVERSED = ("A1", "C4", "C5", "E1", "E2", "O2", "O5")  # keyed as in psych::bfi


def bfi_like_frame(n: int = 500, seed: int = 25) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    corr = np.eye(5)
    for (a, b), r in {(0, 1): 0.25, (0, 2): 0.45, (1, 3): -0.25, (2, 3): -0.2, (2, 4): 0.2, (0, 4): 0.15}.items():
        corr[a, b] = corr[b, a] = r
    latent = _factor_scores(rng, n, corr)
    cuts6 = [-1.4, -0.6, 0.0, 0.6, 1.3]
    frame = {}
    for j, trait in enumerate(BFI_TRAITS):
        x = _indicators(rng, latent[:, j], rng.uniform(0.55, 0.8, size=5))
        for i in range(5):
            name = f"{trait}{i + 1}"
            sign = -1 if name in BFI_REVERSED else 1
            codes = _to_scale(sign * x[:, i], 1, 6, cuts6).astype(float)
            codes[rng.random(n) < 0.01] = np.nan
            frame[name] = codes
    frame = pd.DataFrame(frame).astype("Int64")
    frame["gender"] = rng.choice([1, 2], size=n, p=[0.35, 0.65])
    education = pd.array(rng.choice([1, 2, 3, 4, 5], size=n, p=[0.1, 0.1, 0.4, 0.25, 0.15]), dtype="Int64")
    education[rng.random(n) < 0.08] = pd.NA
    frame["education"] = education
    frame["age"] = np.clip(np.round(rng.gamma(6, 5, size=n) + 14), 18, 70).astype(int)
    return frame


def write_bfi_like(folder: Path) -> Path:
    """25 personality items on 1-6 with missing answers, gender, education, age; no outcome."""
    path = _folder(folder) / "bfi_like.csv"
    bfi_like_frame().to_csv(path, index=False)
    return path


WRITERS = {
    "bank": write_bank,
    "labelled_spss": write_labelled_spss,
    "persian": write_persian,
    "tiny_b2b": write_tiny_b2b,
    "bfi_like": write_bfi_like,
}


def write_all(folder: Path) -> dict[str, Path]:
    """Every fixture into ``folder``: name -> path."""
    return {name: write(folder) for name, write in WRITERS.items()}


if __name__ == "__main__":  # python -m tests.surveys OUT_DIR
    import sys

    for name, path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/surveys")).items():
        print(name, path)
