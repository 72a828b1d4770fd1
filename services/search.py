"""Chinese search: segmentation, pinyin, synonyms and the PostgreSQL tsquery.

Documents: each text is segmented with jieba's search mode (营业执照 gives 营业,
执照 and 营业执照). Every Chinese word adds its full pinyin and initials
(yingyezhizhao, yyzz), so a resident typing pinyin on a phone finds the item.
The words are stored as space-separated text (``search_name`` and
``search_body``) and PostgreSQL indexes ``to_tsvector('simple', …)`` of them
with a GIN expression index: ``simple`` keeps every word as-is, which is what
we want after our own segmentation.

Queries: the input is segmented the same way, every word becomes a prefix
lexeme (``'yingye':*``) after stripping anything tsquery would interpret, and
the words are AND-ed. Each synonym group the query mentions adds an OR branch
with the query rewritten to the other terms.
"""

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

# The expression indexed by migration 0002; queries must use the same text so
# the planner picks the GIN index.
TSVECTOR_SQL = (
    "(to_tsvector('simple'::regconfig, {table}.search_name) || to_tsvector('simple'::regconfig, {table}.search_body))"
)


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
    if not _HAN_RE.search(word):
        return []
    syllables = lazy_pinyin(word, errors="ignore")
    initials = lazy_pinyin(word, style=Style.FIRST_LETTER, errors="ignore")
    full, short = "".join(syllables), "".join(initials)
    return [form for form in dict.fromkeys((full, short)) if form]


def document(texts: Iterable[str]) -> str:
    """Space-separated search words of ``texts``, with pinyin, without duplicates."""
    words: dict[str, None] = {}
    for text in texts:
        if not text:
            continue
        for word in segment(text):
            words[word] = None
            for form in pinyin_forms(word):
                words[form] = None
    return " ".join(words)


def query_words(text: str) -> list[str]:
    """The words of a query: jieba's precise mode, so 社保卡 stays one word."""
    return segment(text, for_search=False)


def _lexeme(word: str) -> str:
    # _WORD_RE already removed quotes, backslashes, &, |, !, :, ( and ); quoting
    # keeps the word a single lexeme whatever it is.
    return f"'{word}':*"


def tsquery(text: str, synonym_groups: Iterable[list[str]] = ()) -> str:
    """A raw ``to_tsquery('simple', …)`` string for the user's ``text``, or "".

    ``synonym_groups`` are lists of equivalent terms; when the query contains a
    term of a group, the query with that term replaced by each other term is
    OR-ed in.
    """
    normalised = text.strip().lower()
    variants = [normalised]
    for group in synonym_groups:
        for term in group:
            term_lower = term.lower()
            if term_lower and term_lower in normalised:
                variants.extend(normalised.replace(term_lower, other.lower()) for other in group if other != term)
                break
    branches = []
    for variant in dict.fromkeys(variants):
        words = query_words(variant)
        if words:
            branches.append("(" + " & ".join(_lexeme(word) for word in words) + ")")
    return " | ".join(branches)


def query_variants(text: str, synonym_groups: Iterable[list[str]] = ()) -> list[str]:
    """The query and its synonym rewrites, for the SQLite substring fallback."""
    normalised = text.strip().lower()
    variants = [normalised] if normalised else []
    for group in synonym_groups:
        for term in group:
            if term.lower() in normalised:
                variants.extend(normalised.replace(term.lower(), other.lower()) for other in group if other != term)
                break
    return list(dict.fromkeys(v for v in variants if v))
