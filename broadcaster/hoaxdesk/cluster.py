"""When do two reports describe the same claim?

A report's text (and link) is normalised: Unicode NFKC, case folded, emoji, punctuation and
symbols dropped, links reduced to host + path + the query parameters that matter (tracking
parameters such as ``utm_*``, ``fbclid``, ``gclid``, ``si``, ``igshid`` removed; shortened links
such as ``bit.ly/3abC`` kept, path case intact), and the stock phrases people wrap forwards in
("Sebarkan!!", "Info dari grup sebelah", "Forwarded many times") removed. Then:

1. the same normalised text, the same media reference or the same media hash → the same case
   (exact keys, one indexed lookup);
2. else the cases sharing a MinHash band with the report's word set are the candidates (LSH:
   an indexed lookup, never a scan), and a candidate is the same claim when
   - rapidfuzz's token-set ratio of the two normalised texts reaches ``threshold``,
   - they share at least half the words of the longer one,
   - they hold the same numbers (dates, amounts, phone numbers), and
   - no word *inside* the claim was replaced by a different word (a typo — a close spelling —
     is not a replacement). Words added before or after, or inserted, are fine.

The last two rules keep "Banjir besar melanda Serang 12 Desember" and "... Lebak 12 Desember" or
"... Serang 15 Desember" apart although they share almost every word. Their limit: a variant
that rewords the claim (replaces a word with a synonym) opens a second case rather than risk
answering residents with another claim's verdict.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

#: query parameters that only track who shared a link (dropped)
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "igsh",
        "si",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref_src",
        "ref_url",
        "s",
        "t",
        "feature",
        "share_id",
        "mibextid",
        "rdid",
        "app",
        "from",
    }
)
TRACKING_PREFIXES = ("utm_", "hsa_", "pk_", "mtm_")
URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'()]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/[^\s<>\"'()]*",
    re.IGNORECASE,
)
URL_TOKEN = "\x00{}\x00"
#: the stock phrases people wrap a forward in (matched on normalised text, whole words)
FILLER = re.compile(
    r"\b(?:(?:info|kabar|berita)\s+(?:dari\s+)?(?:grup|group|grp|wag)\s+sebelah"
    r"|(?:copas|copy\s*paste)(?:\s+dari\s+(?:grup|group|wag)\s+sebelah)?"
    r"|(?:dari\s+)?(?:grup|group|wag)\s+sebelah"
    r"|forwarded(?:\s+many\s+times)?|diteruskan(?:\s+berkali\s+kali)?"
    r"|(?:mohon|tolong|harap|segera)?\s*(?:di)?(?:sebarkan|sebar|viralkan|bagikan|share)(?:kan)?"
    r"(?:\s+(?:ke|kepada)\s+(?:semua|keluarga|teman|grup|group)(?:\s+\w+)?)?"
    r"|info\s+(?:penting|a1)|penting|waspada\s+hoaks|fyi)\b"
)
MINHASH_BANDS = 12
MINHASH_ROWS = 4
#: fewer distinct words than this: too little to compare loosely (exact keys only)
MIN_WORDS = 4
TYPO_RATIO = 80


def canonical_url(url: str) -> str:
    """Host + path + the meaningful query, without scheme, ``www.``, fragment, tracking
    parameters or trailing punctuation; the path keeps its case (short links are case
    sensitive)."""
    url = url.rstrip(".,;:!?…")
    if not re.match(r"(?i)https?://", url):
        url = "http://" + url
    try:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return url.lower()
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    kept = sorted(
        (k, v)
        for k, v in query
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    )
    path = parts.path.rstrip("/")
    return host + path + ("?" + urlencode(kept) if kept else "")


_NOT_WORD = re.compile(r"[\W_]+")


def _plain(text: str) -> str:
    """Letters and digits only (emoji, punctuation, symbols dropped), case folded, one space
    between words."""
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def normalise(text: str, link: str | None = None) -> str:
    """The comparable form of a report (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text + (" " + link if link else ""))
    links: list[str] = []

    def keep(match: re.Match[str]) -> str:
        links.append(canonical_url(match.group(0)))
        return " " + URL_TOKEN.format(len(links) - 1) + " "

    body = URL.sub(keep, text)
    words = []
    for piece in re.split(r"(\x00\d+\x00)", body):
        if piece.startswith("\x00"):
            words.append("\x00" + piece.strip("\x00") + "\x00")
        else:
            words.append(FILLER.sub(" ", _plain(piece)))
    joined = " ".join(" ".join(words).split())
    return re.sub(r"\x00(\d+)\x00", lambda m: links[int(m.group(1))], joined)


def exact_key(norm: str) -> str | None:
    return "t:" + hashlib.sha256(norm.encode()).hexdigest()[:32] if norm else None


def media_keys(media_ref: str | None, media_hash: str | None) -> list[str]:
    keys = []
    if media_ref:
        keys.append("m:" + media_ref.strip())
    if media_hash:
        keys.append("h:" + media_hash.strip().lower().removeprefix("sha256:"))
    return keys


@functools.lru_cache(maxsize=65536)
def _word_hashes(word: str) -> memoryview:
    """The word's 32-bit hash per band row (cached: people reuse the same few thousand
    words)."""
    width = MINHASH_BANDS * MINHASH_ROWS
    return memoryview(hashlib.shake_128(word.encode()).digest(4 * width)).cast("I")


def band_keys(norm: str) -> list[str]:
    """MinHash of the word set, cut into bands: two texts whose word sets have Jaccard
    similarity J share a band with probability 1 - (1 - J^4)^12 (0.96 at J = 0.7). Links
    are compared case-insensitively here (a variant typed in capitals), exactly by the key."""
    words = set(norm.casefold().split())
    if len(words) < MIN_WORDS:
        return []
    # one independent 32-bit hash per band row and word, all from one SHAKE-128 call per word
    # (MinHash with k hash functions), the minimum per row taken column by column in C
    rows = [_word_hashes(w) for w in words]
    mins = [min(column) for column in zip(*rows, strict=True)]
    keys = []
    for band in range(MINHASH_BANDS):
        part = mins[band * MINHASH_ROWS : (band + 1) * MINHASH_ROWS]
        digest = hashlib.blake2b(repr(part).encode(), digest_size=8).hexdigest()
        keys.append(f"b{band}:{digest}")
    return keys


@dataclass(frozen=True)
class Keys:
    norm: str
    exact: list[str]  # the normalised text's and the media's keys
    bands: list[str]

    @property
    def all(self) -> list[str]:
        return self.exact + self.bands


def keys_for(text: str, link: str | None, media_ref: str | None, media_hash: str | None) -> Keys:
    norm = normalise(text, link)
    exact = [k for k in [exact_key(norm)] if k] + media_keys(media_ref, media_hash)
    return Keys(norm=norm, exact=exact, bands=band_keys(norm))


_DIGIT = re.compile(r"\d")


def _numbers(words: list[str]) -> set[str]:
    """Dates, amounts, phone numbers: the words with a digit (links aside)."""
    return {w for w in words if "/" not in w and _DIGIT.search(w)}


def _replaced_word(a: list[str], b: list[str]) -> bool:
    """True when aligning the two word sequences replaces a word by a different one (not a
    close spelling)."""
    for op in Levenshtein.opcodes(a, b):
        if op.tag != "replace":
            continue
        old, new = a[op.src_start : op.src_end], b[op.dest_start : op.dest_end]
        if len(old) != len(new):
            return True
        if any(fuzz.ratio(x, y) < TYPO_RATIO for x, y in zip(old, new, strict=True)):
            return True
    return False


def similarity(a: str, b: str) -> float:
    """0..1: how alike two normalised texts are as claims (0 when a rule above rules out the
    same claim; 1 for the same text)."""
    a, b = a.casefold(), b.casefold()  # links too: "BIT.LY/ABC" typed in capitals
    if a == b:
        return 1.0
    wa, wb = a.split(), b.split()
    sa, sb = set(wa), set(wb)
    if len(sa) < MIN_WORDS or len(sb) < MIN_WORDS:
        return 0.0
    if len(sa & sb) * 2 < max(len(sa), len(sb)):
        return 0.0
    if _numbers(wa) != _numbers(wb) or _replaced_word(wa, wb):
        return 0.0
    return float(fuzz.token_set_ratio(a, b)) / 100.0
