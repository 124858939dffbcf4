"""Find regions by name: "kel. cipocok jaya", "Kec Cipocok", "kota serang", "cipocok jya".

Nobody knows that Cipocok Jaya is ``3673030``. The index is built once from the store's regions
(~90,000 names nationally) and kept in memory:

* names are normalised (lower case, punctuation out) and split into words; a regency's
  ``KABUPATEN`` / ``KOTA`` prefix becomes a *type* instead of a word, so "serang" finds both
  Kabupaten and Kota Serang and "kota serang" prefers the city;
* level words in the query ("kec.", "kecamatan", "kel.", "kelurahan", "ds.", "desa", "kab.",
  "kabupaten", "kota", "prov.", "provinsi", "rw", "rt") are hints, not words to match;
* each query word is matched against the index's word list with rapidfuzz (one typo allowed in
  words of three letters or more), then a region matches when *every* word of its name matched
  some query word; words the name does not explain may name its parents (a bonus) or be noise
  (a small penalty), so extra words do not hide a match.

:meth:`RegionIndex.search` ranks the matches; :func:`pick` tells whether the best one stands
out (one match → use it) or several tie (→ a numbered list to answer with a number).
"""

from __future__ import annotations

import re
import time
import unicodedata
import weakref
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from rapidfuzz import fuzz, process

from content.levels import Level

from .store.contract import Store
from .store.records import Region

#: query words that say which level is meant (and are not part of any name)
LEVEL_WORDS: dict[str, Level] = {
    "prov": Level.province,
    "provinsi": Level.province,
    "propinsi": Level.province,
    "kab": Level.regency,
    "kabupaten": Level.regency,
    "kota": Level.regency,
    "kec": Level.district,
    "kecamatan": Level.district,
    "kel": Level.village,
    "kelurahan": Level.village,
    "ds": Level.village,
    "desa": Level.village,
}
#: regency types: the name prefix they drop and the query word that asks for them
REGENCY_TYPES = {"kabupaten": "kab", "kab": "kab", "kota": "kota"}
LEVEL_LABEL = {
    Level.province: "Prov.",
    Level.regency: "",
    Level.district: "Kec.",
    Level.village: "Kel./Desa",
    Level.rw: "",
    Level.rt: "",
}
#: how far below the best score a match still counts as "as good" (several → a list)
TIE_MARGIN = 5.0
MIN_SCORE = 60.0
#: an exact-name lookup looks at every subset of the text's words: a name is not longer
EXACT_MAX_WORDS = 12
#: a query word that names one of the region's parents / that nothing explains
PARENT_BONUS = 3.0
NOISE = 12.0
_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> list[str]:
    """Lower-case ASCII words ("Kel. Cipocok-Jaya" → ["kel", "cipocok", "jaya"])."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _WORD.findall(text.lower())


def _cutoff(word: str) -> float:
    """The least rapidfuzz ratio a query word needs against an index word: exact for short
    words (3 letters or fewer), else one typo (a wrong, missing or extra letter)."""
    if len(word) <= 2:
        return 100.0
    if len(word) <= 4:
        return 75.0
    return 80.0


@dataclass(frozen=True)
class Match:
    region: Region
    score: float
    label: str  # "Kec. Cipocok Jaya, Kota Serang, Banten"

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.region.code,
            "level": self.region.level.value,
            "name": self.region.name,
            "label": self.label,
            "score": round(self.score, 1),
        }


@dataclass(frozen=True)
class Query:
    words: tuple[str, ...]
    level: Level | None
    regency_type: str | None  # "kab" | "kota"


def parse_query(text: str) -> Query:
    words = normalise(text)
    level: Level | None = None
    regency_type: str | None = None
    kept: list[str] = []
    for word in words:
        if word in LEVEL_WORDS:
            # a level word before the name says what is sought ("kec. cipocok jaya"); later
            # ones only introduce a parent ("tajur kota tangerang")
            if not kept and level is None:
                level = LEVEL_WORDS[word]
                regency_type = REGENCY_TYPES.get(word)
            continue
        kept.append(word)
    return Query(tuple(kept), level, regency_type)


class RegionIndex:
    """Every region's name words, with an inverted index word → regions."""

    def __init__(self, regions: Iterable[Region]) -> None:
        self.regions: list[Region] = []
        self.words: list[tuple[str, ...]] = []
        self.types: list[str | None] = []
        self.position: dict[str, int] = {}
        postings: dict[str, list[int]] = defaultdict(list)
        named: dict[frozenset[str], list[int]] = defaultdict(list)
        for region in regions:
            words = normalise(region.name)
            kind: str | None = None
            if region.level is Level.regency and words and words[0] in REGENCY_TYPES:
                kind, words = REGENCY_TYPES[words[0]], words[1:]
            index = len(self.regions)
            self.regions.append(region)
            self.words.append(tuple(words))
            self.types.append(kind)
            self.position[region.code] = index
            for word in set(words):
                postings[word].append(index)
            named[frozenset(words)].append(index)
        self.postings = dict(postings)
        self.named = dict(named)
        self.vocabulary = list(self.postings)

    def __len__(self) -> int:
        return len(self.regions)

    def label(self, index: int) -> str:
        """The region's name with its level and parents: "Kec. Cipocok Jaya, Kota Serang"."""
        parts: list[str] = []
        region: Region | None = self.regions[index]
        while region is not None:
            prefix = LEVEL_LABEL[region.level]
            name = region.name.title()
            parts.append(f"{prefix} {name}".strip())
            parent = region.parent
            position = self.position.get(parent) if parent else None
            region = self.regions[position] if position is not None else None
        return ", ".join(parts)

    def _matched_words(self, query: Query) -> dict[str, float]:
        """Index word → its best ratio against any query word (only words that pass)."""
        best: dict[str, float] = {}
        for word in set(query.words):
            if word in self.postings:
                best[word] = 100.0
            if len(word) <= 2:
                continue
            for found, score, _ in process.extract(
                word,
                self.vocabulary,
                scorer=fuzz.ratio,
                score_cutoff=_cutoff(word),
                limit=None,
            ):
                if score > best.get(found, 0.0):
                    best[found] = float(score)
        return best

    def _parents_words(self, index: int) -> set[str]:
        words: set[str] = set()
        parent = self.regions[index].parent
        while parent:
            position = self.position.get(parent)
            if position is None:
                break
            words.update(self.words[position])
            parent = self.regions[position].parent
        return words

    def search(self, text: str, limit: int = 10) -> list[Match]:
        """Regions whose name matches ``text``, best first (at most ``limit``)."""
        query = parse_query(text)
        if not query.words:
            return []
        best = self._matched_words(query)
        candidates: set[int] = set()
        for word in best:
            candidates.update(self.postings[word])
        scored: list[tuple[float, int]] = []
        query_words = set(query.words)
        for index in candidates:
            words = self.words[index]
            if not words or any(w not in best for w in words):
                continue
            score = sum(best[w] for w in words) / len(words)
            # query words the name does not explain: a parent's name (bonus) or noise
            explained = {q for q in query_words for w in words if _close(q, w)}
            rest = query_words - explained
            if rest:
                parents = self._parents_words(index)
                for word in rest:
                    score += PARENT_BONUS if any(_close(word, p) for p in parents) else -NOISE
            region = self.regions[index]
            if query.level is not None:
                if region.level is query.level:
                    kind = self.types[index]
                    score += 5.0 if query.regency_type in (None, kind) else -10.0
                else:
                    score -= 15.0
            if score >= MIN_SCORE:
                scored.append((score, index))
        order = {level: rank for rank, level in enumerate(Level)}
        scored.sort(key=lambda s: (-s[0], order[self.regions[s[1]].level], self.regions[s[1]].code))
        return [Match(self.regions[i], score, self.label(i)) for score, i in scored[:limit]]

    def exact(self, text: str) -> list[Region]:
        """Regions named exactly ``text`` — no typo forgiven, for bulk imports where a guess
        would be wrong a thousand times: every word of the region's name is in the text, and
        every other word names one of its parents ("Tajur, Ciledug"); a level word
        ("kel.", "kota") must fit."""
        query = parse_query(text)
        words = frozenset(query.words)
        if not words or len(words) > EXACT_MAX_WORDS:
            return []
        # a region's name words are a subset of the text's: look each subset up
        known = sorted(w for w in words if w in self.postings)
        candidates: list[int] = []
        for size in range(1, len(known) + 1):
            for subset in combinations(known, size):
                candidates.extend(self.named.get(frozenset(subset), ()))
        found: list[Region] = []
        for index in sorted(candidates):
            name = frozenset(self.words[index])
            if not (words - name) <= self._parents_words(index):
                continue
            region = self.regions[index]
            if query.level is not None and (
                region.level is not query.level
                or query.regency_type not in (None, self.types[index])
            ):
                continue
            found.append(region)
        if len(found) > 1:  # "cipocok jaya": the region named so, not also its namesake child
            best = max(len(self.words[self.position[r.code]]) for r in found)
            found = [r for r in found if len(self.words[self.position[r.code]]) == best]
        return found


def _close(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) > 2 and fuzz.ratio(a, b) >= _cutoff(a))


def pick(matches: Sequence[Match]) -> list[Match]:
    """The matches that are as good as the best: one → it is meant; several → ask."""
    if not matches:
        return []
    top = matches[0].score
    return [m for m in matches if m.score >= top - TIE_MARGIN]


class RegionFinder:
    """A store's region index, built on first use and rebuilt when the regions change
    (their count is checked at most every ``recheck`` seconds)."""

    def __init__(self, store: Store, recheck: float = 30.0) -> None:
        self.store = store
        self.recheck = recheck
        self._index: RegionIndex | None = None
        self._count = -1
        self._checked = 0.0

    async def index(self) -> RegionIndex:
        now = time.monotonic()
        if self._index is not None and now - self._checked < self.recheck:
            return self._index
        count = await self.store.count_regions()
        self._checked = now
        if self._index is None or count != self._count:
            levels = {level.value: level for level in Level}
            regions = (
                Region(code=code, level=levels[level], name=name, parent=parent)
                for code, level, name, parent in await self.store.region_rows()
            )
            self._index, self._count = RegionIndex(regions), count
        return self._index

    async def search(self, text: str, limit: int = 10) -> list[Match]:
        return (await self.index()).search(text, limit)

    async def resolve(self, text: str, limit: int = 9) -> list[Match]:
        """A region code that exists → that region alone; else the matches as good as the
        best (see :func:`pick`), at most ``limit``."""
        words = text.strip()
        index = await self.index()
        position = index.position.get(words)
        if position is not None:
            return [Match(index.regions[position], 100.0, index.label(position))]
        return pick(index.search(words, limit=max(limit, 10)))[:limit]


_FINDERS: weakref.WeakKeyDictionary[Store, RegionFinder] = weakref.WeakKeyDictionary()


def finder_for(store: Store) -> RegionFinder:
    """The one :class:`RegionFinder` of ``store`` in this process (the index is built once)."""
    finder = _FINDERS.get(store)
    if finder is None:
        finder = _FINDERS[store] = RegionFinder(store)
    return finder
