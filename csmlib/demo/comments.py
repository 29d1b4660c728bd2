"""Open comments of the demo company: English and Persian texts with planted themes, trends,
a recurring product problem, a topic no theme covers and a few comments carrying personal data."""

from __future__ import annotations


import numpy as np


from csmlib.demo.plan import (
    COMMENT_RATE,
    COMMENT_STREAM,
    COMMENT_THEMES,
    INVOICE_FIX,
    LATE_SPIKE,
    PERSIAN_SHARE,
    PII_SHARE,
    PRODUCTS,
    RECURRING_COMMENT,
    SEED,
    UNCOVERED_TOPIC,
    WAVES,
)

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
    """The demo codebook's comment themes: ``{id: {label, department, characteristic, patterns}}``."""
    frame = {}
    for tid, (dept, en, fa, item, *_rest) in COMMENT_THEMES.items():
        spec = {"label": {"en": en, "fa": fa}}
        if dept:
            spec["department"] = dept
        if tid == "late_delivery":  # late-delivery comments are about delivery speed: one finding
            spec["characteristic"] = item
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


def comments_for_wave(wave_index: int, latents: dict, overall_latent: np.ndarray) -> np.ndarray:
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
