"""One Latin key for the Kazakh, Russian and Latin spellings of a name.

"Абая", "Abaya", "Абай даңғылы" and "пр. Абая" all give the word key "aba": case and ё folded,
Kazakh letters folded to their Russian neighbours, Cyrillic transliterated (GOST/ISO-9-like),
y/j/i between vowels dropped (Abay, Абай, Satpayev, Сатпаев), trailing vowels stripped down to
three letters (the Russian genitive: Абая ~ Абай), street-type words left out in all three languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_PREFIX = 3  # a query word this long matches any word starting with it

_KAZAKH = str.maketrans("әғқңөұүһіё", "агкноуухие")
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "",
    "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
_LATIN = str.maketrans("yjwq", "iivk")
STREET_WORDS = frozenset({
    "ул", "улица", "улицы", "көше", "көшесі", "кош", "кошеси", "даңғылы", "дангылы", "пр", "прс", "пр-т",
    "пр-кт", "проспект", "проспекта", "prospekt", "prospect", "pr", "street", "st", "str", "avenue", "ave",
    "av", "мкр", "микрорайон", "шағын", "шагын", "ауданы", "мкрн", "microdistrict", "mkr", "пер",
    "переулок", "тұйық", "тупик", "бульвар", "бул", "бульв", "boulevard", "blvd", "шоссе", "пл", "площадь",
    "алаңы", "square", "sq", "район", "district", "ulitsa", "ulica", "koshesi",
    "dangyly",
})  # fmt: skip
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_VOWELS = "aeiou"


@dataclass(frozen=True)
class Words:
    """A text's word keys and its house-number keys (words that start with a digit)."""

    words: tuple[str, ...]
    numbers: tuple[str, ...]


def fold(text: str) -> str:
    """Lower case, Kazakh letters and ё folded, Cyrillic in Latin letters."""
    lowered = text.lower().translate(_KAZAKH)
    return "".join(_CYRILLIC.get(char, char) for char in lowered)


def word_key(word: str) -> str:
    """The key of one folded word: i/y between or after vowels dropped, trailing vowels stripped."""
    latin = word.translate(_LATIN).replace("-", "")
    kept = [c for i, c in enumerate(latin) if not (c == "i" and i > 0 and latin[i - 1] in _VOWELS)]
    key = "".join(kept)
    while len(key) > MIN_PREFIX and key[-1] in _VOWELS:
        key = key[:-1]
    return key


def number_key(text: str) -> str:
    """A house number without spaces, quotes or punctuation: '52 "Б"' -> '52b', '80 А' -> '80a'."""
    return "".join(c for c in fold(text) if c.isalnum())


def split_words(text: str) -> Words:
    """The word keys (street-type words left out) and house-number keys of `text`."""
    words: list[str] = []
    numbers: list[str] = []
    tokens = _WORD.findall(text.lower().replace("ё", "е"))
    for index, token in enumerate(tokens):
        if token[0].isdigit():
            # "22 а": a lone letter after a number belongs to it
            numbers.append(number_key(token))
        elif len(token) == 1 and numbers and index > 0 and tokens[index - 1][0].isdigit():
            numbers[-1] += number_key(token)
        elif token.rstrip(".") not in STREET_WORDS and fold(token) not in STREET_WORDS:
            key = word_key(fold(token))
            if key:
                words.append(key)
    return Words(tuple(words), tuple(numbers))
