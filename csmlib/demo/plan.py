"""The demo company's plan: its waves, questionnaire, segments and the planted ground truth.

Every number the analyses must recover is declared here (:data:`GROUND_TRUTH`); the generators in
:mod:`csmlib.demo` and :mod:`csmlib.demo.comments` draw the data from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path


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


def bilingual(labels: dict[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
    """The codebook's shape of labels, ``{key: {"en": English, "fa": Persian}}``, from the plan's
    ``{key: (English, Persian)}``: the plan writes each label pair once, as its other tables do.

    >>> bilingual({"store": ("Store", "فروشگاه")})
    {'store': {'en': 'Store', 'fa': 'فروشگاه'}}
    """
    return {key: {"en": en, "fa": fa} for key, (en, fa) in labels.items()}


SEGMENT_LABELS = {
    "customer_type": bilingual(
        {
            "profitable": ("Profitable", "سودآور"),
            "long-term": ("Long-term", "بلندمدت"),
            "fragile": ("Fragile", "شکننده"),
            "new": ("New", "جدید"),
        }
    ),
    "region": bilingual(
        {
            "Tehran": ("Tehran", "تهران"),
            "Isfahan": ("Isfahan", "اصفهان"),
            "Shiraz": ("Shiraz", "شیراز"),
            "Tabriz": ("Tabriz", "تبریز"),
            "Mashhad": ("Mashhad", "مشهد"),
        }
    ),
    "channel": bilingual({"online": ("Online", "آنلاین"), "store": ("Store", "فروشگاه"), "phone": ("Phone", "تلفن")}),
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
