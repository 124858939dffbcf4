"""Which language codes an announcement variant or poll translation may use."""

from __future__ import annotations

__all__ = ["ISO_639_1", "is_language_code"]

# Written as one block of text because 183 separate literals would drown the module.
_CODES = """
    aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht
    hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky
    la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny
    oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss
    st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo
    za zh zu
"""

#: The current ISO 639-1 two-letter codes (withdrawn ones such as "sh" and "bh" left out).
#: Regional languages of Banten with a two-letter code are here (su Sundanese, jv Javanese);
#: those with only a three-letter code cannot be used as variants, by design of the variants map.
ISO_639_1: frozenset[str] = frozenset(_CODES.split())


def is_language_code(code: str) -> bool:
    """True for a lower-case ISO 639-1 code such as ``"id"`` or ``"en"``."""
    return code in ISO_639_1
