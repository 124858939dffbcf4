"""Server-rendered SVG charts (no JavaScript, no chart library).

The poll chart reads at a glance on a phone and on a wide screen: one 100 % stacked bar per
region (one segment per option), the region's name on its own line above its bar, and the
response rate (groups that answered / groups the poll reached) beside the bar. No two texts
can overlap: every text has its own line or column, texts that would not fit are shortened
(the full text in a ``<title>`` shows on hover) and a segment too narrow for its share shows
none (the table under the chart has every number). ``tests/web/test_responsive.py`` checks
the boxes in Chromium.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

#: option colours, each dark enough for white text on it (contrast ≥ 4.5:1)
PALETTE = ("#1d4ed8", "#b45309", "#15803d", "#b91c1c", "#6d28d9", "#0e7490", "#be185d")
FONT = 13
SMALL = 11
WIDTH = 360  # drawn 1:1 on a phone; a wide screen shows it at most 1.5 times as large
RATE_W = 46  # the response-rate column right of the bars ("100%")
PAD = 3  # room for glyphs that reach past their origin (a "T" or "J" at the left edge)
CHAR_W = 0.66  # a generous average glyph width of system-ui (measured: 0.55-0.63), in em


@dataclass(frozen=True)
class ChartRow:
    """One region: its label, counts per option, groups reached and groups that answered."""

    label: str
    counts: Sequence[int]
    reached: int
    answered: int


def text_width(text: str, size: int = FONT) -> float:
    """An upper estimate of the rendered width (layout only; never exact)."""
    return len(text) * size * CHAR_W


def fit(text: str, width: float, size: int = FONT) -> str:
    """``text``, shortened with an ellipsis to fit ``width``."""
    room = max(int(width / (size * CHAR_W)), 2)
    return text if len(text) <= room else text[: room - 1].rstrip() + "…"


def _text(x: float, y: float, full: str, width: float, size: int = FONT, **attrs: str) -> str:
    shown = fit(full, width, size)
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    hover = f"<title>{escape(full)}</title>" if shown != full else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}"{extra}>{hover}{escape(shown)}</text>'


def _legend(series: Sequence[str], y: float) -> tuple[list[str], float]:
    """Colour keys flowing left to right, wrapping before one would pass the right edge."""
    out: list[str] = []
    x, line_h = float(PAD), FONT + 8
    for j, name in enumerate(series):
        label = fit(name, WIDTH / 2 - 20)
        item_w = 16 + text_width(label) + 14
        if x > PAD and x + item_w > WIDTH - PAD:
            x, y = float(PAD), y + line_h
        color = PALETTE[j % len(PALETTE)]
        key = f'x="{x:.1f}" y="{y - FONT + 2:.1f}" width="12" height="12" fill="{color}"'
        out.append(f"<rect {key}/>")
        out.append(_text(x + 16, y, name, WIDTH / 2 - 20))
        x += item_w
    return out, y


def _bar(row: ChartRow, series: Sequence[str], y: float, bar_w: float, bar_h: int) -> list[str]:
    total = sum(row.counts)
    out = [f'<rect x="0" y="{y:.1f}" width="{bar_w:.1f}" height="{bar_h}" fill="#e5e7eb"/>']
    x = 0.0
    for j, count in enumerate(row.counts):
        if not count:
            continue
        w = bar_w * count / total
        share = f"{100 * count / total:.0f}%"
        color = PALETTE[j % len(PALETTE)]
        out.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{bar_h}" fill="{color}">'
            f"<title>{escape(series[j])}: {count} ({share})</title></rect>"
        )
        if text_width(share, SMALL) + 6 <= w:
            out.append(
                f'<text x="{x + w / 2:.1f}" y="{y + bar_h / 2 + SMALL * 0.36:.1f}" '
                f'font-size="{SMALL}" fill="#fff" text-anchor="middle">{share}</text>'
            )
        x += w
    return out


def stacked_chart(
    title: str,
    series: Sequence[str],
    rows: Sequence[ChartRow],
    rate_label: str = "Response rate = groups that answered / reached",
) -> str:
    """The poll chart (see the module docstring): ``rows`` in display order, ``series`` the
    options, ``rate_label`` the key to the numbers beside the bars (in the reader's language)."""
    bar_h = 18
    bar_w = WIDTH - RATE_W
    out = [_text(PAD, FONT + 2, title, WIDTH - 2 * PAD, FONT + 1, font_weight="600")]
    legend, y = _legend(series, 2 * FONT + 14)
    out += legend
    y += FONT + 8
    out.append(_text(PAD, y, rate_label, WIDTH - 2 * PAD, SMALL, fill="#4b5563"))
    y += 12
    for row in rows:
        y += FONT
        out.append(_text(PAD, y, row.label, WIDTH - 2 * PAD))
        top = y + 4
        out += _bar(row, series, top, bar_w, bar_h)
        rate = f"{100 * row.answered / row.reached:.0f}%" if row.reached else "—"
        out.append(
            f'<text x="{WIDTH - PAD}" y="{top + bar_h / 2 + FONT * 0.36:.1f}" font-size="{FONT}" '
            f'text-anchor="end" font-weight="600"><title>{row.answered}/{row.reached}</title>'
            f"{rate}</text>"
        )
        y = top + bar_h + 12
    height = int(y + 4)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="poll-chart" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" font-family="system-ui, sans-serif" fill="#1b1f24">'
    )
    return "\n".join([head, f"<title>{escape(title)}</title>", *out, "</svg>"])


__all__ = ["ChartRow", "fit", "stacked_chart", "text_width"]
