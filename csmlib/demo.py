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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

WAVES = (
    ("2025Q4", dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
    ("2026Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    ("2026Q2", dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
    ("2026Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
)
N_RESPONDENTS = 1500
CUSTOMERS = 12_000
SEED = 10004

# id, group, English label, Persian label, department, loading, reverse-keyed
ITEMS = (
    ("prod_performance", "product", "Product performance", "عملکرد محصول", "Production", 0.75, False),
    ("prod_appearance", "product", "Appearance and finish", "ظاهر محصول", "Design", 0.65, False),
    ("prod_safety", "product", "Product safety", "ایمنی محصول", "Quality", 0.70, False),
    ("prod_price", "product", "Price for value", "قیمت در برابر ارزش", "Sales", 0.60, False),
    ("prod_support", "product", "After-sales support", "پشتیبانی پس از فروش", "Customer Service", 0.65, False),
    ("prod_durability", "product", "Durability", "عمر مفید محصول", "Production", 0.70, False),
    ("prod_ease", "product", "Ease of use", "سهولت استفاده", "Design", 0.70, False),
    ("del_speed", "delivery", "Delivery speed", "سرعت تحویل", "Logistics", 0.70, False),
    ("del_complete", "delivery", "Completeness of delivery", "کامل بودن سفارش", "Logistics", 0.75, False),
    ("del_response", "delivery", "Response time", "زمان پاسخ‌گویی", "Customer Service", 0.70, False),
    ("del_info", "delivery", "Order information", "اطلاع‌رسانی سفارش", "Logistics", 0.65, False),
    ("del_service", "delivery", "Delivery staff service", "کیفیت خدمات تحویل", "Logistics", 0.70, False),
    ("del_packaging", "delivery", "Packaging on arrival", "سالم بودن بسته‌بندی", "Packaging", 0.65, False),
    ("org_courtesy", "organisation", "Staff courtesy", "ادب و احترام کارکنان", "Customer Service", 0.75, False),
    ("org_competence", "organisation", "Staff competence", "شایستگی کارکنان", "Human Resources", 0.75, False),
    ("org_communication", "organisation", "Communication", "ارتباطات", "Marketing", 0.70, False),
    ("org_invoicing", "organisation", "Invoicing accuracy", "صحت صورتحساب", "Finance", 0.65, False),
    ("org_complaints", "organisation", "Complaint handling", "رسیدگی به شکایات", "Customer Service", 0.70, False),
    ("org_image", "organisation", "Company image", "وجهه شرکت", "Marketing", 0.65, False),
    ("org_transparency", "organisation", "Transparency", "شفافیت", "Management", 0.70, False),
    (
        "org_hidden_costs",
        "organisation",
        "There were unexpected extra charges",
        "هزینه‌های پیش‌بینی‌نشده داشتم",
        "Finance",
        0.60,
        True,
    ),
)
GROUP_ORDER = ("product", "delivery", "organisation")
FACTOR_CORRELATION = 0.45

# True regression weights of overall satisfaction on the item latents (the rest are 0.02).
DRIVER_WEIGHTS = {"del_speed": 0.50, "prod_performance": 0.35, "org_complaints": 0.25}
MINOR_WEIGHT = 0.01

# Kano attributes: id, English, Persian, linked item, planted category per wave, importance mean
KANO = (
    ("kano_tracking", "Online order tracking", "پیگیری آنلاین سفارش", "del_info", ("A", "A", "O", "O"), 6.5),
    ("kano_safe_pack", "Damage-proof packaging", "بسته‌بندی مقاوم", "del_packaging", ("M",) * 4, 8.0),
    ("kano_invoice", "Error-free invoice", "صورتحساب بدون خطا", "org_invoicing", ("M",) * 4, 7.5),
    ("kano_warranty", "Extended warranty", "گارانتی تمدیدشده", "prod_durability", ("O",) * 4, 7.0),
    ("kano_sameday", "Same-day delivery", "تحویل همان روز", "del_speed", ("A",) * 4, 5.5),
    ("kano_points", "Loyalty points", "امتیاز وفاداری", None, ("I",) * 4, 3.5),
    ("kano_eco", "Eco-friendly packaging", "بسته‌بندی دوستدار محیط زیست", None, ("A",) * 4, 5.0),
)
# Cells of the standard Kano table (functional, dysfunctional) for each category
KANO_CELLS = {
    "A": [(1, 2), (1, 3), (1, 4)],
    "O": [(1, 5)],
    "M": [(2, 5), (3, 5), (4, 5)],
    "I": [(f, d) for f in (2, 3, 4) for d in (2, 3, 4)],
    "R": [(2, 1), (3, 1), (4, 1), (5, 1), (5, 2), (5, 3), (5, 4)],
    "Q": [(1, 1), (5, 5)],
}
KANO_PLANTED_SHARE = 0.55

SEGMENTS = {
    "customer_type": (("profitable", "long-term", "fragile", "new"), (0.25, 0.35, 0.15, 0.25), (0.20, 0.30, 0.20, 0.30)),
    "region": (("Tehran", "Isfahan", "Shiraz", "Tabriz", "Mashhad"), (0.35, 0.20, 0.15, 0.15, 0.15), None),
    "channel": (("online", "store", "phone"), (0.45, 0.35, 0.20), None),
}
SEGMENT_LABELS = {
    "customer_type": {
        "profitable": {"en": "Profitable", "fa": "سودآور"},
        "long-term": {"en": "Long-term", "fa": "بلندمدت"},
        "fragile": {"en": "Fragile", "fa": "شکننده"},
        "new": {"en": "New", "fa": "جدید"},
    },
    "region": {
        "Tehran": {"en": "Tehran", "fa": "تهران"},
        "Isfahan": {"en": "Isfahan", "fa": "اصفهان"},
        "Shiraz": {"en": "Shiraz", "fa": "شیراز"},
        "Tabriz": {"en": "Tabriz", "fa": "تبریز"},
        "Mashhad": {"en": "Mashhad", "fa": "مشهد"},
    },
    "channel": {
        "online": {"en": "Online", "fa": "آنلاین"},
        "store": {"en": "Store", "fa": "فروشگاه"},
        "phone": {"en": "Phone", "fa": "تلفن"},
    },
}
DEPARTMENT_LABELS = {
    "Sales": "فروش",
    "Packaging": "بسته‌بندی",
    "Finance": "مالی",
    "Management": "مدیریت",
    "Customer Service": "خدمات مشتریان",
    "Design": "طراحی",
    "Production": "تولید",
    "Logistics": "لجستیک",
    "Human Resources": "منابع انسانی",
    "Quality": "کیفیت",
    "Marketing": "بازاریابی",
}
FRAGILE_SHIFT = -0.5
SPEED_DROP = {"wave": "2026Q2", "item": "del_speed", "shift": -0.45, "persists": True}

COMPLAINT_CATEGORIES = {
    # category: (department, characteristic item, English, Persian, mean count per wave)
    "packaging_damage": ("Packaging", "del_packaging", "Damaged packaging", "آسیب بسته‌بندی", 55),
    "delivery_delay": ("Logistics", "del_speed", "Late delivery", "تأخیر در تحویل", 45),
    "wrong_item": ("Logistics", "del_complete", "Wrong or missing item", "کالای اشتباه یا ناقص", 30),
    "billing_error": ("Finance", "org_invoicing", "Billing error", "خطای صورتحساب", 45),
    "product_defect": ("Quality", "prod_durability", "Product defect", "نقص محصول", 50),
    "staff_behaviour": ("Customer Service", "org_courtesy", "Staff behaviour", "رفتار کارکنان", 20),
    "slow_response": ("Customer Service", "del_response", "Slow response", "پاسخ‌گویی کند", 30),
    "price": ("Sales", "prod_price", "Price dispute", "اعتراض به قیمت", 20),
}
RECURRING = {"category": "packaging_damage", "product": "P-200 Blender", "share": 0.7}
DELAY_SPIKE = {"wave": "2026Q2", "category": "delivery_delay", "factor": 2.2}
BILLING_FIX = {"action": "CA-01", "category": "billing_error", "closed": dt.date(2025, 12, 15), "factor_after": 0.45}
PRODUCTS = ("P-100 Kettle", "P-200 Blender", "P-300 Toaster", "P-400 Mixer", "P-500 Juicer")

# ---- open comments (voice of the customer) ----------------------------------------------
# Generated from their own seeded stream (np.random.default_rng([SEED, wave index, COMMENT_STREAM]))
# so that the other columns' random numbers are those of the demo without themes.
COMMENT_STREAM = 7
COMMENT_RATE = 0.6  # share of respondents writing a comment
PERSIAN_SHARE = 0.45  # share of the comments written in Persian
# theme: (department, English label, Persian label, rating item whose latent drives it, base log-odds,
#         weight of (−item latent), weight of (−overall latent))
COMMENT_THEMES = {
    "late_delivery": ("Logistics", "Late delivery", "تأخیر در تحویل", "del_speed", -3.2, 0.8, 0.6),
    "packaging_damage": ("Packaging", "Damaged packaging", "آسیب بسته‌بندی", "del_packaging", -2.6, 0.6, 0.5),
    "invoice_error": ("Finance", "Invoice errors", "خطای صورتحساب", "org_invoicing", -2.7, 0.8, 0.5),
    "staff_rude": ("Customer Service", "Unhelpful staff", "برخورد نامناسب کارکنان", "org_courtesy", -3.6, 0.9, 0.5),
    "praise": (None, "Praise", "تعریف و تشکر", None, -2.3, 0.0, -0.9),
}
# the late-delivery theme jumps in the delivery-speed drop wave (backlog), beyond what the lower
# speed itself explains, and eases afterwards (the speed stays lower, so it stays above 2025)
LATE_SPIKE = {"wave": SPEED_DROP["wave"], "log_odds": 1.2}
# invoice errors in comments fall after corrective action CA-01 (closed 2025-12-15)
INVOICE_FIX = {"from_wave": "2026Q1", "log_odds": -1.0}
RECURRING_COMMENT = {"theme": "packaging_damage", "product": RECURRING["product"], "share": 0.7}
UNCOVERED_TOPIC = {"term": "app", "share": 0.2}  # a topic no theme covers (the mobile app)
PII_SHARE = 0.04  # comments that carry an e-mail, a mobile number or a card number

GROUND_TRUTH = {
    "dimensions": {g: [i[0] for i in ITEMS if i[1] == g] for g in GROUP_ORDER},
    "reverse_keyed": [i[0] for i in ITEMS if i[6]],
    "driver_order": sorted(DRIVER_WEIGHTS, key=DRIVER_WEIGHTS.get, reverse=True),
    "kano": {k[0]: dict(zip([w[0] for w in WAVES], k[4])) for k in KANO},
    "kano_drift": {"kano_tracking": "attractive (A) in 2025Q4-2026Q1, one-dimensional (O) from 2026Q2"},
    "significant_drop": {"wave": SPEED_DROP["wave"], "item": SPEED_DROP["item"]},
    "drop_consequences": ["overall", "recommend"],
    "recurring_complaint": {
        "category": RECURRING["category"],
        "product": RECURRING["product"],
        "department": COMPLAINT_CATEGORIES[RECURRING["category"]][0],
    },
    "complaint_spike": {"wave": DELAY_SPIKE["wave"], "category": DELAY_SPIKE["category"]},
    "effective_action": "CA-01",
    "ineffective_action": "CA-02",
    "fragile_customers": "lower satisfaction (latent shift -0.5 SD)",
    "comment_themes": {
        "departments": {t: v[0] for t, v in COMMENT_THEMES.items() if v[0]},
        "late_delivery_peak": LATE_SPIKE["wave"],
        "recurring_theme": RECURRING_COMMENT["theme"],
        "dissatisfied_themes": ["late_delivery", "packaging_damage", "invoice_error", "staff_rude"],
        "satisfied_themes": ["praise"],
        "uncovered_term": UNCOVERED_TOPIC["term"],
    },
}


@dataclass(frozen=True)
class DemoFiles:
    root: Path
    params: list[Path]
    codebook: Path


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
        "options": {"level": 0.95, "n_boot": 500, "seed": 2026, "language": "en", "min_n": 30, "reliability_threshold": 0.70},
    }


# ---------------------------------------------------------------------------- open comments
COMMENT_PATTERNS = {
    "late_delivery": {
        "en": ["late", "delay*", "took too long", "took ages"],
        "fa": ["تاخیر*", "دیر رسید*", "دیر تحویل*", "دیر به دستم"],
    },
    "packaging_damage": {
        "en": ["damaged", "crushed", "broken", "dented", "torn"],
        "fa": ["آسیب*", "شکسته", "له شده", "بسته‌بندی خراب*", "بسته بندی خراب*", "پاره"],
    },
    "invoice_error": {
        "en": ["invoice*", "billing", "bill", "charged twice", "overcharg*"],
        "fa": ["فاکتور*", "صورتحساب*", "صورت حساب*"],
    },
    "staff_rude": {"en": ["rude", "unhelpful", "impolite"], "fa": ["بی‌ادب*", "بی‌احترامی", "برخورد بد*", "بداخلاق*"]},
    "praise": {"en": ["great", "excellent", "thank*", "well done"], "fa": ["عالی", "ممنون*", "سپاس*", "دستتان درد نکند"]},
}
# sentences per theme and language; {product} is filled in for packaging comments
COMMENT_TEXTS = {
    "late_delivery": {
        "en": [
            "Delivery took too long this time",
            "The order arrived late again",
            "A week of delay for a simple kettle",
            "Delivery was promised for Monday and came Friday, very late",
            "Shipping took ages, nobody told me why",
        ],
        "fa": [
            "سفارشم با تأخیر زیاد رسید",
            "ارسال خیلی دیر رسید و کسی پاسخگو نبود",
            "یک هفته تاخیر در تحویل داشتیم",
            "کالا دیر تحویل داده شد",
            "مرسوله دو هفته دیر به دستم رسید",
        ],
    },
    "packaging_damage": {
        "en": [
            "The {product} box arrived damaged",
            "Box was crushed and the {product} inside was broken",
            "Packaging torn, the {product} was dented",
            "Second time the {product} came damaged in the box",
        ],
        "fa": [
            "جعبه {product} له شده بود",
            "بسته‌بندی خراب بود و {product} آسیب دیده بود",
            "بسته‌بندی {product} پاره و شکسته رسید",
            "{product} با بسته‌بندی خراب و آسیب‌دیده رسید",
        ],
    },
    "invoice_error": {
        "en": [
            "The invoice was wrong twice",
            "I was charged twice for one order",
            "Billing mistake, the invoice shows the wrong price",
            "Overcharged on the invoice, please correct it",
        ],
        "fa": ["صورت‌حساب اشتباه صادر شده بود", "فاکتور دو بار صادر شد و پول دو بار کم شد", "مبلغ صورتحساب با قیمت سایت فرق داشت"],
    },
    "staff_rude": {
        "en": [
            "The call centre staff were rude to me",
            "Unhelpful and impolite agent on the phone",
            "Shop staff were rude and slow",
        ],
        "fa": ["کارمند پشتیبانی بی‌ادب و بی‌حوصله بود", "برخورد بد کارکنان فروشگاه را دوست نداشتم", "اپراتور تلفن بداخلاق بود"],
    },
    "praise": {
        "en": [
            "Great product, thank you",
            "Excellent quality and friendly service",
            "Thanks, everything was great",
            "Well done, the mixer works perfectly",
        ],
        "fa": ["کیفیت محصول عالی است", "ممنون از پشتیبانی خوبتان", "همه چیز عالی بود، سپاس", "خرید بسیار خوبی بود، ممنونم"],
    },
    "_app": {
        "en": ["The mobile app keeps crashing", "Could not log in to the app to track my order", "The app is slow and confusing"],
        "fa": ["اپلیکیشن موبایل مدام بسته می‌شود", "نتوانستم با اپلیکیشن سفارش را پیگیری کنم", "اپلیکیشن کند و گیج‌کننده است"],
    },
    "_other": {
        "en": [
            "Nothing special to add here",
            "Prices could be a little lower",
            "Please add more colours to choose from",
            "Would like more payment options",
            "I hope the warranty period gets longer",
            "Good enough for the price",
            "The manual should be in Persian too",
            "I bought it as a gift for my mother",
        ],
        "fa": [
            "نظر خاصی ندارم",
            "قیمت‌ها کمی بالاست",
            "رنگ‌های بیشتری اضافه کنید",
            "روش‌های پرداخت بیشتری بگذارید",
            "مدت گارانتی را طولانی‌تر کنید",
            "دفترچه راهنما فارسی هم داشته باشد",
            "برای هدیه به مادرم خریدم",
            "نسبت به قیمتش قابل قبول است",
        ],
    },
}
PRODUCT_NAMES = {
    "P-200 Blender": ("P-200 Blender", "مخلوط‌کن P-200"),
    "P-100 Kettle": ("kettle", "کتری"),
    "P-300 Toaster": ("toaster", "توستر"),
    "P-400 Mixer": ("mixer", "همزن"),
    "P-500 Juicer": ("juicer", "آبمیوه‌گیری"),
}


def comment_codeframe() -> dict:
    """The demo codebook's comment themes: ``{id: {label, department, patterns}}``."""
    frame = {}
    for tid, (dept, en, fa, *_rest) in COMMENT_THEMES.items():
        spec = {"label": {"en": en, "fa": fa}}
        if dept:
            spec["department"] = dept
        spec["patterns"] = COMMENT_PATTERNS[tid]
        frame[tid] = spec
    return frame


def _luhn_card(rng: np.random.Generator) -> str:
    """A 16-digit card number (Iranian bank prefix) with a valid Luhn check digit, grouped by four."""
    body = "603799" + "".join(str(d) for d in rng.integers(0, 10, 9))
    total = 0
    for i, ch in enumerate(reversed(body)):  # the check digit will be rightmost
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    number = body + str((10 - total % 10) % 10)
    return " ".join(number[i : i + 4] for i in range(0, 16, 4))


def _persian_variant(text: str, rng: np.random.Generator) -> str:
    """The spellings customers type: Arabic yeh ي, ZWNJ written as a space or left out, Persian digits."""
    r = rng.random()
    if r < 0.25:
        text = text.replace("ی", "ي")
    elif r < 0.45:
        text = text.replace("\u200c", " ")
    elif r < 0.6:
        text = text.replace("\u200c", "")
    return text


def _pii(fa: bool, rng: np.random.Generator) -> str:
    kind = int(rng.integers(0, 3))
    if kind == 0:
        user = rng.choice(["sara.k", "a.rezaei", "m_hosseini", "customer2026"])
        return f"ایمیل من {user}@example.com است" if fa else f"Please email me at {user}@example.com"
    if kind == 1:
        number = "09" + "".join(str(d) for d in rng.integers(0, 10, 9))
        if fa:
            return "با شماره " + number.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) + " تماس بگیرید"
        return f"Call me on {number[:4]} {number[4:7]} {number[7:]}"
    card = _luhn_card(rng)
    return f"از کارت {card} دو بار برداشت شد" if fa else f"My card {card} was charged twice"


def _comments(wave_index: int, latents: dict, overall_latent: np.ndarray) -> np.ndarray:
    """The open comments of one wave, with the planted themes (from their own random stream)."""
    rng = np.random.default_rng([SEED, wave_index, COMMENT_STREAM])
    n = overall_latent.size
    wave = WAVES[wave_index][0]
    wave_ids = [w[0] for w in WAVES]
    writes = rng.random(n) < COMMENT_RATE
    persian = rng.random(n) < PERSIAN_SHARE
    mentions = {}
    for tid, (_dept, _en, _fa, item, base, b_item, b_overall) in COMMENT_THEMES.items():
        logit = base + b_overall * -overall_latent
        if item is not None:
            logit = logit + b_item * -latents[item]
        if tid == "late_delivery" and wave == LATE_SPIKE["wave"]:
            logit = logit + LATE_SPIKE["log_odds"]
        if tid == "invoice_error" and wave_index >= wave_ids.index(INVOICE_FIX["from_wave"]):
            logit = logit + INVOICE_FIX["log_odds"]
        mentions[tid] = rng.random(n) < 1 / (1 + np.exp(-logit))
    app = rng.random(n) < UNCOVERED_TOPIC["share"]
    pii = rng.random(n) < PII_SHARE
    out = np.full(n, "", dtype=object)
    for i in np.flatnonzero(writes):
        lang = "fa" if persian[i] else "en"
        parts = []
        for tid in COMMENT_THEMES:
            if not mentions[tid][i] or (tid == "praise" and len(parts)):
                continue
            text = str(rng.choice(COMMENT_TEXTS[tid][lang]))
            if "{product}" in text:
                product = (
                    RECURRING_COMMENT["product"]
                    if rng.random() < RECURRING_COMMENT["share"]
                    else PRODUCTS[int(rng.integers(0, len(PRODUCTS)))]
                )
                text = text.replace("{product}", PRODUCT_NAMES[product][1 if lang == "fa" else 0])
            parts.append(text)
        if app[i] or not parts:  # the app topic, or a remark on nothing in particular
            parts.append(str(rng.choice(COMMENT_TEXTS["_app" if app[i] else "_other"][lang])))
        if pii[i]:
            parts.append(_pii(lang == "fa", rng))
        text = ("؛ " if lang == "fa" else ". ").join(parts)
        out[i] = _persian_variant(text, rng) if lang == "fa" else text
    return out


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
    out["comment"] = _comments(wave_index, latents, overall_latent)
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
