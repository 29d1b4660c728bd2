"""A deterministic synthetic company for demonstrations and end-to-end tests.

``write_demo(root)`` writes what a user of the workbench would have: four quarterly survey
exports (CSV, and 2026Q1 as Excel), a complaints log per wave, a corrective-action register,
the codebook ``params/survey.yaml`` and one ``params/<wave>.yaml`` per wave. The data carry a
**planted ground truth** (:data:`GROUND_TRUTH`, also written to ``data/demo/GROUND_TRUTH.md``)
that the analyses must recover, and a handful of invalid rows that intake must quarantine.

Generation model: three correlated latent characteristics (product, delivery, organisation;
r = 0.45), each item a noisy indicator of its characteristic (loading 0.6-0.8) cut into a 1-5
answer; overall satisfaction is a weighted sum of the item latents plus noise, so the
planted driver weights are the true regression weights.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import yaml


from csmlib.demo.comments import comment_codeframe, comments_for_wave
from csmlib.demo.plan import (  # noqa: F401 - the plan's names stay importable from csmlib.demo
    WAVES as WAVES,
    N_RESPONDENTS as N_RESPONDENTS,
    CUSTOMERS as CUSTOMERS,
    SEED as SEED,
    ITEMS as ITEMS,
    GROUP_ORDER as GROUP_ORDER,
    FACTOR_CORRELATION as FACTOR_CORRELATION,
    DRIVER_WEIGHTS as DRIVER_WEIGHTS,
    MINOR_WEIGHT as MINOR_WEIGHT,
    KANO as KANO,
    KANO_CELLS as KANO_CELLS,
    KANO_PLANTED_SHARE as KANO_PLANTED_SHARE,
    SEGMENTS as SEGMENTS,
    SEGMENT_LABELS as SEGMENT_LABELS,
    DEPARTMENT_LABELS as DEPARTMENT_LABELS,
    FRAGILE_SHIFT as FRAGILE_SHIFT,
    SPEED_DROP as SPEED_DROP,
    COMPLAINT_CATEGORIES as COMPLAINT_CATEGORIES,
    RECURRING as RECURRING,
    DELAY_SPIKE as DELAY_SPIKE,
    BILLING_FIX as BILLING_FIX,
    PRODUCTS as PRODUCTS,
    COMMENT_STREAM as COMMENT_STREAM,
    COMMENT_RATE as COMMENT_RATE,
    PERSIAN_SHARE as PERSIAN_SHARE,
    COMMENT_THEMES as COMMENT_THEMES,
    LATE_SPIKE as LATE_SPIKE,
    INVOICE_FIX as INVOICE_FIX,
    RECURRING_COMMENT as RECURRING_COMMENT,
    UNCOVERED_TOPIC as UNCOVERED_TOPIC,
    PII_SHARE as PII_SHARE,
    GROUND_TRUTH as GROUND_TRUTH,
    DemoFiles as DemoFiles,
)


# ---------------------------------------------------------------------------- codebook
def codebook_dict() -> dict:
    labels5 = {
        1: {"en": "Very dissatisfied", "fa": "بسیار ناراضی"},
        2: {"en": "Dissatisfied", "fa": "ناراضی"},
        3: {"en": "Neutral", "fa": "بی‌نظر"},
        4: {"en": "Satisfied", "fa": "راضی"},
        5: {"en": "Very satisfied", "fa": "بسیار راضی"},
    }
    agree5 = {1: {"en": "Strongly disagree", "fa": "کاملاً مخالفم"}, 5: {"en": "Strongly agree", "fa": "کاملاً موافقم"}}
    items = [
        {
            "id": i,
            "label": {"en": en, "fa": fa},
            "group": g,
            "dimension": g,
            "reverse": rev,
            "department": dept,
            "scale": "agree5" if rev else "sat5",
        }
        for i, g, en, fa, dept, _, rev in ITEMS
    ]
    pairs = []
    for kid, en, fa, item, _, _ in KANO:
        pair = {
            "id": kid,
            "label": {"en": en, "fa": fa},
            "functional": f"{kid}_f",
            "dysfunctional": f"{kid}_d",
            "importance": f"{kid}_imp",
        }
        if item:
            pair["item"] = item
        pairs.append(pair)
    return {
        "survey": "Demo Appliances customer satisfaction survey",
        "organisation": "Demo Appliances Co.",
        "respondent_id": "resp_id",
        "weight": "weight",
        "comments": {"column": "comment", "themes": comment_codeframe()},
        "departments": {name: {"en": name, "fa": fa} for name, fa in DEPARTMENT_LABELS.items()},
        "segments": {
            "customer_type": {
                "column": "customer_type",
                "label": {"en": "Customer type", "fa": "نوع مشتری"},
                "levels": list(SEGMENTS["customer_type"][0]),
                "level_labels": SEGMENT_LABELS["customer_type"],
            },
            "region": {"column": "region", "label": {"en": "Region", "fa": "منطقه"}, "level_labels": SEGMENT_LABELS["region"]},
            "channel": {
                "column": "channel",
                "label": {"en": "Channel", "fa": "کانال"},
                "level_labels": SEGMENT_LABELS["channel"],
            },
        },
        "scales": {
            "sat5": {"min": 1, "max": 5, "labels": labels5, "missing": [9]},
            "agree5": {"min": 1, "max": 5, "labels": agree5, "missing": [9]},
            "sat10": {"min": 1, "max": 10, "missing": [99]},
            "nps11": {"min": 0, "max": 10, "missing": [99]},
            "yesno": {"min": 0, "max": 1, "labels": {0: {"en": "No", "fa": "خیر"}, 1: {"en": "Yes", "fa": "بله"}}},
            "ces7": {"min": 1, "max": 7, "labels": {1: "Strongly disagree", 7: "Strongly agree"}, "missing": [9]},
            "imp9": {"min": 1, "max": 9, "labels": {1: "Not at all important", 9: "Extremely important"}},
        },
        "items": items,
        "outcomes": {
            "overall": {"column": "overall_sat", "label": {"en": "Overall satisfaction", "fa": "رضایت کلی"}, "scale": "sat10"},
            "recommend": {
                "column": "recommend",
                "label": {"en": "Likelihood to recommend", "fa": "احتمال توصیه"},
                "scale": "nps11",
            },
            "loyalty": {"column": "repurchase", "label": {"en": "Will buy again", "fa": "خرید مجدد"}, "scale": "yesno"},
            "effort": {
                "column": "effort",
                "label": {"en": "The company made it easy for me (CES 2.0)", "fa": "شرکت کار را برایم آسان کرد"},
                "scale": "ces7",
            },
        },
        "kano": {"coding": "default", "importance_scale": "imp9", "pairs": pairs},
        "complaints": {
            "timezone": "Asia/Tehran",
            "columns": {
                "complaint_id": "id",
                "received_at": "received",
                "acknowledged_at": "acknowledged",
                "closed_at": "closed",
                "handling_satisfaction": "handling_sat",
                "customer_id": "customer",
                "root_cause": "root_cause",
                "first_contact_resolution": "first_contact",
            },
            "categories": {
                c: {"department": d, "characteristic": ch, "label": {"en": en, "fa": fa}}
                for c, (d, ch, en, fa, _) in COMPLAINT_CATEGORIES.items()
            },
        },
        "competitors": {"overall": {"Sector benchmark": 7.4, "Competitor A": 7.1}, "nps": {"Sector benchmark": 28.0}},
    }


def params_dict(wave: str, start: dt.date, end: dt.date) -> dict:
    suffix = "xlsx" if wave == "2026Q1" else "csv"
    return {
        "wave": wave,
        "title": f"Customer satisfaction survey {wave}",
        "fieldwork": {"start": start.isoformat(), "end": end.isoformat()},
        "codebook": "params/survey.yaml",
        "responses": f"data/demo/responses_{wave}.{suffix}",
        "complaints": f"data/demo/complaints_{wave}.csv",
        "actions": "data/demo/actions.csv",
        "customers": CUSTOMERS,
        "targets": {"overall_mean": 7.0, "csat": 70.0, "nps": 30.0, "ces_mean": 5.0, "csi": 65.0},
        "complaint_targets": {"acknowledge_hours": 48, "close_days": 10},
        # the rated item that measures complaint handling: its finding goes to Customer Service
        "feedback": {"complaint_handling": "org_complaints"},
        "options": {"level": 0.95, "n_boot": 500, "seed": 2026, "language": "en", "min_n": 30, "reliability_threshold": 0.70},
    }


# ---------------------------------------------------------------------------- responses
def _cut(latent: np.ndarray, n_levels: int, centre: float) -> np.ndarray:
    """Cut a standard-normal latent into 1..n_levels with a satisfied-leaning distribution."""
    probs = np.linspace(-1.0, 1.0, n_levels)
    weights = np.exp(centre * probs)
    cum = np.cumsum(weights / weights.sum())[:-1]
    from scipy.stats import norm

    return 1 + np.searchsorted(norm.ppf(cum), latent)


def _responses(wave_index: int, wave: str, rng: np.random.Generator) -> pd.DataFrame:
    n = N_RESPONDENTS
    seg = {}
    for name, (levels, probs, _) in SEGMENTS.items():
        seg[name] = rng.choice(levels, size=n, p=probs)
    fragile = (seg["customer_type"] == "fragile").astype(float)

    k = len(GROUP_ORDER)
    corr = np.full((k, k), FACTOR_CORRELATION) + np.eye(k) * (1 - FACTOR_CORRELATION)
    factors = rng.standard_normal((n, k)) @ np.linalg.cholesky(corr).T
    factors += FRAGILE_SHIFT * fragile[:, None]

    latents = {}
    for item, group, *_rest, loading, _rev in ITEMS:
        f = factors[:, GROUP_ORDER.index(group)]
        latent = loading * f + np.sqrt(1 - loading**2) * rng.standard_normal(n)
        if item == SPEED_DROP["item"] and wave_index >= [w[0] for w in WAVES].index(SPEED_DROP["wave"]):
            latent = latent + SPEED_DROP["shift"]
        latents[item] = latent

    out = pd.DataFrame({"resp_id": [f"{wave}-{i:05d}" for i in range(1, n + 1)], **seg})
    for item, *_rest, rev in ITEMS:
        answer = _cut(latents[item], 5, 1.2)
        out[item] = 6 - answer if rev else answer

    predictor = sum(DRIVER_WEIGHTS.get(i[0], MINOR_WEIGHT) * latents[i[0]] for i in ITEMS)
    predictor = predictor / predictor.std()
    overall_latent = 0.8 * predictor + np.sqrt(1 - 0.8**2) * rng.standard_normal(n)
    out["overall_sat"] = _cut(overall_latent, 10, 2.2)
    rec_latent = 0.85 * overall_latent + np.sqrt(1 - 0.85**2) * rng.standard_normal(n)
    out["recommend"] = _cut(rec_latent, 11, 2.0) - 1
    p_buy = 1 / (1 + np.exp(-(0.9 + 1.3 * overall_latent)))
    out["repurchase"] = (rng.random(n) < p_buy).astype(int)
    effort_latent = 0.5 * factors[:, 1] + 0.3 * factors[:, 2] + 0.8 * rng.standard_normal(n)
    out["effort"] = _cut(effort_latent / effort_latent.std(), 7, 1.0)

    for kid, _en, _fa, _item, planted, imp_mean in KANO:
        cat = planted[wave_index]
        others = [c for c in "AOMIRQ" if c != cat]
        rest = np.array([0.30 if c == "I" else 0.10 if c in "AOM" else 0.025 for c in others])
        probs = np.concatenate([[KANO_PLANTED_SHARE], (1 - KANO_PLANTED_SHARE) * rest / rest.sum()])
        cats = rng.choice([cat, *others], size=n, p=probs)
        f = np.empty(n, dtype=int)
        d = np.empty(n, dtype=int)
        for c, cells in KANO_CELLS.items():
            idx = np.flatnonzero(cats == c)
            pick = rng.integers(0, len(cells), size=idx.size)
            f[idx] = np.array(cells)[pick, 0]
            d[idx] = np.array(cells)[pick, 1]
        out[f"{kid}_f"] = f
        out[f"{kid}_d"] = d
        out[f"{kid}_imp"] = np.clip(np.round(rng.normal(imp_mean, 1.4, n)), 1, 9).astype(int)

    levels, sample_p, pop_p = SEGMENTS["customer_type"]
    wmap = {lv: pp / sp for lv, sp, pp in zip(levels, sample_p, pop_p)}
    out["weight"] = np.round(out["customer_type"].map(wmap).to_numpy() * rng.uniform(0.9, 1.1, n), 4)

    comments = [
        "",
        "",
        "",
        "Fast and friendly service",
        "Delivery took too long",
        "The box arrived damaged",
        "ارسال خیلی دیر بود",
        "کیفیت محصول عالی است",
        "Invoice was wrong twice",
        "پشتیبانی خوب بود",
    ]
    out["comment"] = rng.choice(comments, size=n)  # kept: the draws after it stay the same
    out["comment"] = comments_for_wave(wave_index, latents, overall_latent)
    return _plant_oddities(out, wave, rng)


def _plant_oddities(out: pd.DataFrame, wave: str, rng: np.random.Generator) -> pd.DataFrame:
    """Valid oddities (don't-know codes, Persian digits) and invalid rows for quarantine."""
    out = out.astype(object)
    n = len(out)
    item_cols = [i[0] for i in ITEMS]
    for col in rng.choice(item_cols, size=8):
        rows = rng.choice(n, size=25, replace=False)
        out.loc[rows, col] = 9  # don't know
    persian = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    rows = rng.choice(n, size=40, replace=False)
    out.loc[rows, "prod_ease"] = [str(v).translate(persian) for v in out.loc[rows, "prod_ease"]]
    # invalid rows: every one must end up in rejected.csv with its reason
    bad = rng.choice(np.arange(10, n), size=6, replace=False)
    out.loc[bad[0], "prod_price"] = 7  # out of range
    out.loc[bad[1], "del_info"] = "good"  # not a number
    out.loc[bad[2], "resp_id"] = out.loc[bad[2] - 5, "resp_id"]  # duplicate id
    out.loc[bad[3], "kano_eco_f"] = 6  # outside the Kano coding
    out.loc[bad[4], "weight"] = 0  # non-positive weight
    out.loc[bad[5], "overall_sat"] = 11  # out of range
    return out


# ---------------------------------------------------------------------------- complaints
def _complaints(
    wave_index: int, wave: str, start: dt.date, end: dt.date, respondents: pd.Series, rng: np.random.Generator
) -> pd.DataFrame:
    tz = "+03:30"
    rows = []
    seconds = int((dt.datetime.combine(end, dt.time(23, 59)) - dt.datetime.combine(start, dt.time())).total_seconds())
    counter = 0
    for cat, (dept, _item, *_labels, mean) in COMPLAINT_CATEGORIES.items():
        lam = mean
        if cat == DELAY_SPIKE["category"] and wave_index >= [w[0] for w in WAVES].index(DELAY_SPIKE["wave"]):
            lam = mean * DELAY_SPIKE["factor"]
        if cat == BILLING_FIX["category"] and start > BILLING_FIX["closed"]:
            lam = mean * BILLING_FIX["factor_after"]
        count = int(rng.poisson(lam))
        for _ in range(count):
            counter += 1
            received = dt.datetime.combine(start, dt.time()) + dt.timedelta(seconds=int(rng.integers(0, seconds)))
            if cat == RECURRING["category"] and rng.random() < RECURRING["share"]:
                product = RECURRING["product"]
            else:
                product = PRODUCTS[int(rng.integers(0, len(PRODUCTS)))]
            ack = received + dt.timedelta(hours=float(rng.exponential(20)))
            close = ack + dt.timedelta(days=float(rng.gamma(2.0, 3.0)))
            wave_end = dt.datetime.combine(end, dt.time(23, 59))
            is_open = close > wave_end
            severity = int(rng.choice([1, 2, 3, 4], p=[0.4, 0.35, 0.2, 0.05]))
            outcome = rng.choice(["upheld", "partly upheld", "not upheld"], p=[0.5, 0.2, 0.3])
            customer = (
                respondents.iloc[int(rng.integers(0, len(respondents)))]
                if rng.random() < 0.3
                else f"C{int(rng.integers(100000, 999999))}"
            )
            rows.append(
                {
                    "id": f"{wave}-C{counter:04d}",
                    "received": received.strftime("%Y-%m-%dT%H:%M:%S") + tz,
                    "acknowledged": (ack.strftime("%Y-%m-%dT%H:%M:%S") + tz) if ack <= wave_end else "",
                    "closed": "" if is_open else close.strftime("%Y-%m-%dT%H:%M:%S") + tz,
                    "channel": rng.choice(["phone", "e-mail", "web", "in person", "social"], p=[0.35, 0.25, 0.25, 0.1, 0.05]),
                    "category": cat,
                    "product": product,
                    "severity": severity,
                    "department": dept,
                    "status": "open" if is_open else "closed",
                    "outcome": "" if is_open else outcome,
                    "remedy": "" if is_open else rng.choice(["refund", "replacement", "repair", "apology", "explanation"]),
                    "root_cause": "" if is_open else rng.choice(["process", "supplier", "people", "system"]),
                    "handling_sat": ""
                    if is_open or rng.random() < 0.4
                    else int(rng.choice([1, 2, 3, 4, 5], p=[0.1, 0.15, 0.25, 0.3, 0.2])),
                    "customer": customer,
                    "first_contact": bool(rng.random() < 0.35),
                    "escalation": rng.choice(["none", "internal", "external"], p=[0.85, 0.12, 0.03]),
                }
            )
    log = pd.DataFrame(rows).sort_values("received", kind="stable").reset_index(drop=True)
    # invalid records for the complaint quarantine
    log.loc[3, "closed"] = log.loc[3, "received"].replace(log.loc[3, "received"][:4], str(start.year - 1), 1)
    log.loc[5, "category"] = "unknown_category"
    dup = log.loc[[7]].copy()
    return pd.concat([log, dup], ignore_index=True)


def _actions() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "action_id": "CA-01",
                "department": "Finance",
                "category": "billing_error",
                "description": "New invoice validation step",
                "opened": "2025-10-20",
                "closed": BILLING_FIX["closed"].isoformat(),
                "status": "closed",
            },
            {
                "action_id": "CA-02",
                "department": "Packaging",
                "category": "packaging_damage",
                "description": "Thicker carton for P-200 Blender",
                "opened": "2026-01-15",
                "closed": "2026-02-28",
                "status": "closed",
            },
        ]
    )


def _ground_truth_md() -> str:
    gt = GROUND_TRUTH
    lines = [
        "# Demo data: planted ground truth",
        "",
        "Generated by `csm demo` (seeded, deterministic). The analyses must recover:",
        "",
        f"- **Dimensions** (EFA): {', '.join(gt['dimensions'])}; reverse-keyed item: {gt['reverse_keyed'][0]}.",
        f"- **Key drivers of overall satisfaction**, in order: {', '.join(gt['driver_order'])} "
        f"(true weights {DRIVER_WEIGHTS}; every other item {MINOR_WEIGHT}).",
        "- **Kano categories** (55% of respondents in the planted category):",
    ]
    for kid, cats in gt["kano"].items():
        lines.append(f"  - {kid}: " + ", ".join(f"{w} {c}" for w, c in cats.items()))
    lines += [
        f"- **Kano drift**: {gt['kano_drift']['kano_tracking']}.",
        f"- **Significant drop**: {SPEED_DROP['item']} falls by {-SPEED_DROP['shift']} latent SD in "
        f"{SPEED_DROP['wave']} and stays down; overall satisfaction and recommendation dip with it.",
        f"- **Recurring complaint**: {RECURRING['category']} on {RECURRING['product']} in every wave, "
        f"routed to {gt['recurring_complaint']['department']}; corrective action CA-02 did not stop it.",
        f"- **Complaint spike**: {DELAY_SPIKE['category']} x{DELAY_SPIKE['factor']} from {DELAY_SPIKE['wave']}.",
        f"- **Effective action**: CA-01 (billing errors) closed {BILLING_FIX['closed']}; billing complaints "
        f"fall to {BILLING_FIX['factor_after']:.0%} afterwards.",
        "- **Fragile customers**: satisfaction 0.5 SD lower.",
        f"- **Open comments** (column `comment`, {COMMENT_RATE:.0%} of respondents write one, "
        f"{PERSIAN_SHARE:.0%} of them in Persian with the spellings customers type: Arabic yeh ي, ZWNJ "
        "written as a space or left out, Persian digits). Codeframe in the codebook (`comments.themes`); "
        "the themes, with their owning departments:",
        *[f"  - {tid} ({v[1]}{', ' + v[0] if v[0] else ''})" for tid, v in COMMENT_THEMES.items()],
        f"  - **late_delivery** peaks in {LATE_SPIKE['wave']}, the wave of the delivery-speed drop (about 8% "
        "of commenters before, about 29% then, about 12% in the next wave while the speed stays low): its share "
        f"is significantly higher in {LATE_SPIKE['wave']} than in every other wave.",
        f"  - **packaging_damage** in every wave (9–12% of commenters), {RECURRING_COMMENT['share']:.0%} of "
        f"its comments naming the {RECURRING_COMMENT['product']}: the recurring complaint.",
        f"  - **invoice_error** falls from about 10% of commenters to about 4–5% from {INVOICE_FIX['from_wave']} on, after "
        "corrective action CA-01.",
        "  - Customers mentioning late delivery, damaged packaging, invoice errors or unhelpful staff are "
        "less satisfied overall than the other commenters (the mention probability rises as the item's and "
        "overall satisfaction fall); those writing praise are more satisfied.",
        f"  - **Uncovered topic**: {UNCOVERED_TOPIC['share']:.0%} of commenters write about the mobile app, "
        f"which no theme covers ('app' in English, 'اپلیکیشن' in Persian): `uncovered_terms` lists both among "
        "its top words.",
        f"  - **Personal data**: about {PII_SHARE:.0%} of comments carry an e-mail address, an Iranian mobile "
        "number (Latin or Persian digits) or a 16-digit card number with a valid Luhn digit; "
        "`mask_pii` must remove every one before a quote is shown.",
        "- **Quarantine**: each wave has 6 invalid survey rows (out-of-range price and overall answers, "
        "a non-numeric answer, a duplicate id, a Kano answer 6, a zero weight) and 3 invalid complaint "
        "records (closed before received, unknown category, duplicate id).",
        "",
    ]
    return "\n".join(lines)


def write_demo(root: str | Path = ".") -> DemoFiles:
    """Write the demo data under ``root/data/demo`` and the parameter files under ``root/params``."""
    root = Path(root)
    data_dir = root / "data" / "demo"
    params_dir = root / "params"
    data_dir.mkdir(parents=True, exist_ok=True)
    params_dir.mkdir(parents=True, exist_ok=True)
    codebook_path = params_dir / "survey.yaml"
    _write_yaml(codebook_path, codebook_dict(), "Survey codebook of the demo company (written by `csm demo`).")
    params_paths = []
    for index, (wave, start, end) in enumerate(WAVES):
        rng = np.random.default_rng([SEED, index])
        responses = _responses(index, wave, rng)
        if wave == "2026Q1":
            responses.to_excel(data_dir / f"responses_{wave}.xlsx", index=False)
        else:
            responses.to_csv(data_dir / f"responses_{wave}.csv", index=False, encoding="utf-8")
        log = _complaints(index, wave, start, end, responses["resp_id"], rng)
        log.to_csv(data_dir / f"complaints_{wave}.csv", index=False, encoding="utf-8")
        path = params_dir / f"{wave}.yaml"
        _write_yaml(path, params_dict(wave, start, end), f"Wave {wave} of the demo company (written by `csm demo`).")
        params_paths.append(path)
    _actions().to_csv(data_dir / "actions.csv", index=False)
    (data_dir / "GROUND_TRUTH.md").write_text(_ground_truth_md(), encoding="utf-8")
    return DemoFiles(root=root, params=params_paths, codebook=codebook_path)


def _write_yaml(path: Path, data: dict, comment: str) -> None:
    text = f"# {comment}\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)
    path.write_text(text, encoding="utf-8")
