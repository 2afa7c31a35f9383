"""The consent texts and the short SMS answers to residents, per language and version.

``VERSION`` names the consent text in force; it is stored with every subscription. Change it
whenever the meaning of a consent text changes (the old subscriptions keep the version they
agreed to).

The Arabic, Somali, Turkish, Urdu and Ukrainian texts were written for this service and are
marked for review by a native speaker (REVIEW: ar, so, tr, ur, uk). A resident language
without its own texts is answered in English (``FALLBACK``).
"""

from __future__ import annotations

VERSION = "2026-12-01"
"""The consent text in force (stored with each subscription)."""

FALLBACK = "en"
"""The answer language for a resident language without its own texts."""

_SMS: dict[str, dict[str, str]] = {
    "subscribed": {
        "da": (
            "Du er tilmeldt beskeder fra Beredskab for zone {zone}. Vi gemmer kun "
            "dit nummer, zone og sprog for at sende dig besked ved kriser i området. "
            "Skriv STOP for at afmelde. (Samtykke {version})"
        ),
        "en": (
            "You are subscribed to Beredskab messages for zone {zone}. We store "
            "only your number, zone and language, to alert you to crises in the area. "
            "Send STOP to unsubscribe. (Consent {version})"
        ),
        # REVIEW: ar (Arabic, written simply; to be checked by a native speaker)
        "ar": (
            "تم اشتراكك في رسائل Beredskab للمنطقة {zone}. نحفظ فقط رقمك "
            "والمنطقة واللغة، لنرسل لك تنبيهات عند الأزمات في الحي. أرسل STOP لإلغاء "
            "الاشتراك. (الموافقة {version})"
        ),
        # REVIEW: so (Somali, written simply; to be checked by a native speaker)
        "so": (
            "Waxaa laguu diiwaangeliyey fariimaha Beredskab ee aagga {zone}. "
            "Waxaan kaydinaynaa oo keliya lambarkaaga, aagga iyo luqadda, si aan kuugu "
            "soo digno xaaladaha degdegga ah ee xaafadda. U dir STOP si aad uga baxdo. "
            "(Ogolaansho {version})"
        ),
        # REVIEW: tr, ur, uk (written simply; to be checked by native speakers)
        "tr": (
            "Beredskab mesajlarına {zone}. bölge için abone oldunuz. Sadece numaranızı, "
            "bölgenizi ve dilinizi, bölgedeki krizlerde sizi uyarmak için saklıyoruz. "
            "Aboneliği bitirmek için STOP yazın. (Onay {version})"
        ),
        "ur": (
            "آپ نے زون {zone} کے لیے Beredskab کے پیغامات کی رکنیت لے لی ہے۔ ہم صرف آپ کا "
            "نمبر، زون اور زبان محفوظ کرتے ہیں تاکہ علاقے میں بحران کے وقت آپ کو خبردار کریں۔ "
            "رکنیت ختم کرنے کے لیے STOP بھیجیں۔ (رضامندی {version})"
        ),
        "uk": (
            "Ви підписалися на повідомлення Beredskab для зони {zone}. Ми зберігаємо лише "
            "ваш номер, зону та мову, щоб попереджати вас про кризи в районі. Щоб "
            "відписатися, надішліть STOP. (Згода {version})"
        ),
    },
    "stopped": {
        "da": (
            "Du er afmeldt og får ikke flere beskeder fra Beredskab. "
            "Skriv TILMELD <zone> for at tilmelde dig igen."
        ),
        "en": (
            "You are unsubscribed and will get no more messages from Beredskab. "
            "Send SUBSCRIBE <zone> to subscribe again."
        ),
        # REVIEW: ar
        "ar": (
            "تم إلغاء اشتراكك ولن تصلك رسائل أخرى من Beredskab. "
            "أرسل TILMELD ورقم المنطقة للاشتراك مرة أخرى."
        ),
        # REVIEW: so
        "so": (
            "Waa laga saaray, fariimo kale kama heli doontid Beredskab. "
            "U dir TILMELD <aag> si aad dib ugu biirto."
        ),
        # REVIEW: tr, ur, uk (written simply; to be checked by native speakers)
        "tr": (
            "Aboneliğiniz bitti, Beredskab'dan başka mesaj almayacaksınız. "
            "Yeniden abone olmak için TILMELD <bölge> yazın."
        ),
        "ur": (
            "آپ کی رکنیت ختم ہو گئی ہے اور آپ کو Beredskab سے مزید پیغامات نہیں ملیں گے۔ "
            "دوبارہ رکنیت کے لیے TILMELD اور زون نمبر بھیجیں۔"
        ),
        "uk": (
            "Ви відписалися і більше не отримуватимете повідомлень від Beredskab. "
            "Щоб підписатися знову, надішліть TILMELD <зона>."
        ),
    },
    "not_subscribed": {
        "da": "Du er ikke tilmeldt beskeder fra Beredskab. Skriv TILMELD <zone> for at tilmelde.",
        "en": "You are not subscribed to Beredskab messages. Send SUBSCRIBE <zone> to subscribe.",
        # REVIEW: ar
        "ar": "أنت غير مشترك في رسائل Beredskab. أرسل TILMELD ورقم المنطقة للاشتراك.",
        # REVIEW: so
        "so": "Kuma diiwaangashanid fariimaha Beredskab. U dir TILMELD <aag> si aad ugu biirto.",
        # REVIEW: tr, ur, uk (written simply; to be checked by native speakers)
        "tr": "Beredskab mesajlarına abone değilsiniz. Abone olmak için TILMELD <bölge> yazın.",
        "ur": (
            "آپ Beredskab کے پیغامات کے رکن نہیں ہیں۔ رکنیت کے لیے TILMELD اور زون نمبر بھیجیں۔"
        ),
        "uk": (
            "Ви не підписані на повідомлення Beredskab. Щоб підписатися, надішліть TILMELD <зона>."
        ),
    },
    "signup_code": {
        "da": (
            "Din kode til tilmelding hos Beredskab er {code}. Den virker i {minutes} "
            "minutter. Har du ikke bedt om den, så ignorer beskeden."
        ),
        "en": (
            "Your Beredskab sign-up code is {code}. It works for {minutes} minutes. "
            "If you did not ask for it, ignore this message."
        ),
        # REVIEW: ar
        "ar": (
            "رمز اشتراكك في Beredskab هو {code}. يعمل لمدة {minutes} دقيقة. "
            "إذا لم تطلبه، تجاهل هذه الرسالة."
        ),
        # REVIEW: so
        "so": (
            "Koodhkaaga diiwaangelinta Beredskab waa {code}. Wuxuu shaqaynayaa {minutes} "
            "daqiiqo. Haddii aadan codsan, iska dhaaf fariintan."
        ),
        # REVIEW: tr, ur, uk (written simply; to be checked by native speakers)
        "tr": (
            "Beredskab abonelik kodunuz {code}. {minutes} dakika geçerlidir. "
            "Siz istemediyseniz bu mesajı dikkate almayın."
        ),
        "ur": (
            "Beredskab میں رکنیت کے لیے آپ کا کوڈ {code} ہے۔ یہ {minutes} منٹ تک کام کرے گا۔ "
            "اگر آپ نے یہ نہیں مانگا تو اس پیغام کو نظر انداز کریں۔"
        ),
        "uk": (
            "Ваш код підписки Beredskab: {code}. Він дійсний {minutes} хвилин. "
            "Якщо ви його не запитували, проігноруйте це повідомлення."
        ),
    },
}

STOP_HINT: dict[str, str] = {
    "da": "Afmeld: svar STOP.",
    "en": "To unsubscribe, reply STOP.",
    # REVIEW: ar, so, tr, ur, uk (written simply; to be checked by native speakers)
    "ar": "لإلغاء الاشتراك أرسل STOP.",
    "so": "Si aad uga baxdo, u dir STOP.",
    "tr": "Aboneliği bitirmek için STOP yazın.",
    "ur": "رکنیت ختم کرنے کے لیے STOP بھیجیں۔",
    "uk": "Щоб відписатися, надішліть STOP.",
}
"""The line every resident message ends with: how to stop (README: Residents)."""


def stop_hint(language: str) -> str:
    """How to stop, in the resident's language (Danish for a language without one)."""
    return STOP_HINT.get(language, STOP_HINT["da"])


FULL: dict[str, str] = {
    "da": (
        "Når du tilmelder dig, gemmer Beredskab kun dit mobilnummer, den zone og det sprog "
        "du vælger, hvornår du gav samtykke og til hvilken version af denne tekst, hvornår "
        "du tilmeldte og eventuelt afmeldte dig, og om du tilmeldte dig på SMS eller her på "
        "siden. Oplysningerne bruges kun til at sende dig beskeder fra bydelens beredskab om "
        "kriser og hændelser i dit område. Kun sekretariatslederen kan se numrene; alle "
        "andre ser kun antal. Du kan altid afmelde dig ved at skrive STOP til "
        "servicenummeret; det virker med det samme. Du kan tilmelde dig igen senere."
    ),
    "en": (
        "When you subscribe, Beredskab stores only your mobile number, the zone and language "
        "you choose, when you gave your consent and to which version of this text, when you "
        "subscribed and perhaps unsubscribed, and whether you subscribed by SMS or on this "
        "page. It is used only to send you messages from the district's emergency "
        "preparedness about crises and incidents in your area. Only the secretariat leader "
        "can see the numbers; everyone else sees counts only. You can always unsubscribe by "
        "sending STOP to the service number; it takes effect at once. You can subscribe "
        "again later."
    ),
}
"""The full consent text shown on the sign-up page (version ``VERSION``)."""


def answer_language(language: str) -> str:
    """The language a resident is answered in: theirs if its texts exist, else English."""
    return language if language in _SMS["subscribed"] else FALLBACK


def sms(key: str, language: str, **values: object) -> str:
    """One short SMS answer to a resident in their language (or the fallback)."""
    return _SMS[key][answer_language(language)].format(version=VERSION, **values)


def full(language: str) -> str:
    """The full consent text in the page language (Danish unless English)."""
    return FULL.get(language, FULL["da"])
