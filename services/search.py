"""Chinese search: segmentation, pinyin, synonyms and the PostgreSQL tsquery.

Documents: each text is segmented with jieba's search mode (营业执照 gives 营业,
执照 and 营业执照). Every Chinese word adds its full pinyin and initials
(yingyezhizhao, yyzz), so a resident typing pinyin on a phone finds the item.
A synonym group that a text mentions adds the other terms' words too, so
an item that says 社会保障卡 is found by 社保卡 even before the query is rewritten.
The words are stored as space-separated text (``search_name`` and
``search_body``). On PostgreSQL a stored generated column (migration 0004)
turns them into ``search_vector``: ``to_tsvector('simple', …)`` of the name
with weight A and of the body with weight B, GIN-indexed. ``simple`` keeps
every word as-is, which is what we want after our own segmentation.

Why a generated column over segmented text rather than a vector written on
save: jieba runs in Python, so the segmented text must be written by us
anyway, and every path that writes it (publish, reindex, ``bulk_create`` and
``update()`` of synthetic data) then gets a consistent vector for free. The
column is not a model field, so no ORM query ever selects it.

Queries: the input is segmented the same way, every word becomes a prefix
lexeme (``'yingye':*``) after stripping anything tsquery would interpret, and
the words are AND-ed, so word order does not matter. Each synonym group the
query mentions adds an OR branch with the query rewritten to the other terms.
"""

import bisect
import functools
import logging
import re
import threading
from collections.abc import Iterable

from pypinyin import Style, lazy_pinyin

_jieba_lock = threading.Lock()
_jieba = None

# Characters that survive into a lexeme: CJK ideographs, Latin letters and digits.
_WORD_RE = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

# The stored generated tsvector of migration 0004 (GIN index services_item_search_gin).
SEARCH_VECTOR_SQL = "{table}.search_vector"


def _segmenter():
    """jieba, loaded once per process (its dictionary takes ~1 s to load)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def segment(text: str, *, for_search: bool = True) -> list[str]:
    """Words of ``text``, lower-cased, punctuation dropped, in order."""
    jieba = _segmenter()
    cut = jieba.cut_for_search if for_search else jieba.cut
    words = []
    for piece in cut(text.lower()):
        words.extend(_WORD_RE.findall(piece))
    return words


def pinyin_forms(word: str) -> list[str]:
    """Full pinyin and initials of a word that contains Chinese: 营业 → yingye, yy."""
    return list(_pinyin_forms(word))


# pypinyin looks each character up afresh on every call; words and names repeat endlessly
# (every search, every "nearest topics" list), so their readings are kept. Bounded: queries vary.
@functools.lru_cache(maxsize=16384)
def _pinyin_forms(word: str) -> tuple[str, ...]:
    if not _HAN_RE.search(word):
        return ()
    syllables = lazy_pinyin(word, errors="ignore")
    initials = lazy_pinyin(word, style=Style.FIRST_LETTER, errors="ignore")
    full, short = "".join(syllables), "".join(initials)
    return tuple(form for form in dict.fromkeys((full, short)) if form)


@functools.lru_cache(maxsize=4096)
def _syllables(text: str) -> frozenset[str]:
    return frozenset(lazy_pinyin(text, errors="ignore"))


@functools.lru_cache(maxsize=4096)
def _characters(text: str) -> frozenset[str]:
    return frozenset(_HAN_RE.findall(text))


def document(texts: Iterable[str], synonym_groups: Iterable[list[str]] = ()) -> str:
    """Space-separated search words of ``texts``, with pinyin, without duplicates.

    Every synonym group with a term in ``texts`` adds its other terms' words.
    """
    texts = [text for text in texts if text]
    joined = "\n".join(texts).lower()
    for group in synonym_groups:
        if any(term.lower() in joined for term in group if term):
            texts.extend(group)
    words: dict[str, None] = {}
    for text in texts:
        for word in segment(text):
            words[word] = None
            for form in pinyin_forms(word):
                words[form] = None
    return " ".join(words)


def query_words(text: str) -> list[str]:
    """The words of a query: jieba's precise mode, so 社保卡 stays one word."""
    return segment(text, for_search=False)


def _lexeme(word: str, weights: str = "") -> str:
    # _WORD_RE already removed quotes, backslashes, &, |, !, :, ( and ); quoting
    # keeps the word a single lexeme whatever it is. ``weights`` ("A") restricts
    # the match to the name's words.
    return f"'{word}':*{weights}"


def query_variants(text: str, synonym_groups: Iterable[list[str]] = ()) -> list[str]:
    """The query and its synonym rewrites: when the query contains a term of a
    group, the query with that term replaced by each other term."""
    normalised = text.strip().lower()
    variants = [normalised] if normalised else []
    for group in synonym_groups:
        for term in group:
            term_lower = term.lower()
            if term_lower and term_lower in normalised:
                variants.extend(
                    normalised.replace(term_lower, other.lower()) for other in group if other.lower() != term_lower
                )
                break
    return list(dict.fromkeys(v for v in variants if v))


def variant_words(text: str, synonym_groups: Iterable[list[str]] = ()) -> list[tuple[str, ...]]:
    """The words of each variant of the query (see ``query_variants``), without empty ones."""
    found = (query_words(variant) for variant in query_variants(text, synonym_groups))
    return list(dict.fromkeys(tuple(words) for words in found if words))


def tsquery(text: str, synonym_groups: Iterable[list[str]] = (), *, weights: str = "") -> str:
    """A raw ``to_tsquery('simple', …)`` string for the user's ``text``, or "".

    Each variant's words are AND-ed (any order), the variants OR-ed.
    """
    return variants_tsquery(variant_words(text, synonym_groups), weights=weights)


def variants_tsquery(variants: Iterable[tuple[str, ...]], *, weights: str = "") -> str:
    """:func:`tsquery` of words already segmented by :func:`variant_words`."""
    return " | ".join("(" + " & ".join(_lexeme(word, weights) for word in words) + ")" for words in variants)


def pinyin_tsquery(text: str) -> str:
    """A tsquery of the pinyin of each Chinese word of ``text``, for "did you mean".

    A homophone typo (营叶执照) has the pinyin of the intended words (yingye
    zhizhao), and documents hold every word's pinyin. "" when the query has
    no Chinese.
    """
    lexemes = []
    has_han = False
    for word in query_words(text):
        forms = pinyin_forms(word)
        has_han = has_han or bool(forms)
        lexemes.append(_lexeme(forms[0] if forms else word))
    return " & ".join(lexemes) if has_han else ""


def respell(text: str, candidates: Iterable[str]) -> str:
    """``text`` with each Chinese word replaced by a word of ``candidates`` that
    sounds the same (营叶执照 with 企业设立登记（营业执照） → 营业执照), or ""."""
    by_sound: dict[str, str] = {}
    for candidate in candidates:
        for word in segment(candidate):
            forms = pinyin_forms(word)
            if forms:
                by_sound.setdefault(forms[0], word)
    respelled = []
    for word in query_words(text):
        forms = pinyin_forms(word)
        respelled.append(by_sound.get(forms[0], word) if forms else word)
    suggestion = "".join(respelled)
    return suggestion if suggestion != "".join(query_words(text)) else ""


def sorted_words(words: Iterable[str]) -> tuple[str, ...]:
    """``words`` sorted, without repeats: what :func:`sorted_words_match` searches."""
    return tuple(sorted(set(words)))


def sorted_words_match(variants: list[tuple[str, ...]], words: tuple[str, ...]) -> bool:
    """Whether some variant's every word is a prefix of one of ``words`` (:func:`sorted_words`),
    as the tsquery matches: a binary search per term instead of a look at every word, which for
    the navigation entries beside every search's results was 440 µs over 34 topics, bundles,
    life events and departments."""
    return any(all(_has_word_starting_with(words, term) for term in variant) for variant in variants)


def _has_word_starting_with(words: tuple[str, ...], term: str) -> bool:
    # The first word not below ``term`` starts with it if any word does: those that do sort
    # together, from ``term`` itself on.
    position = bisect.bisect_left(words, term)
    return position < len(words) and words[position].startswith(term)


def closeness(text: str, other: str) -> int:
    """How many characters and pinyin syllables two texts share: a rough nearness for suggestions."""
    return 2 * len(_characters(text) & _characters(other)) + len(_syllables(text) & _syllables(other))
