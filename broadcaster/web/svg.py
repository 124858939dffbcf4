"""Server-rendered SVG bar charts (no JavaScript, no chart library)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#1f6feb", "#d97706", "#16a34a", "#dc2626", "#7c3aed", "#0891b2", "#be185d")


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[str],
    values: Sequence[Sequence[int]],
    width: int = 640,
) -> str:
    """Horizontal grouped bars: one group per label, one bar per series (poll option).

    ``values[i][j]`` is the count of series ``j`` for label ``i``. Each bar is annotated with its
    count and share of the label's total, so the chart reads without colour.
    """
    bar_h, gap, label_w, top = 14, 10, 190, 34
    legend_h = 20 * ((len(series) + 2) // 3)
    group_h = max(len(series), 1) * bar_h + gap
    height = top + len(labels) * group_h + legend_h + 10
    peak = max((v for row in values for v in row), default=0) or 1
    plot_w = width - label_w - 80
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        'font-family="system-ui, sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-size="14" font-weight="600">{escape(title)}</text>',
    ]
    y = top
    for label, row in zip(labels, values, strict=True):
        total = sum(row) or 1
        out.append(
            f'<text x="0" y="{y + group_h / 2:.0f}" dominant-baseline="middle">'
            f"{escape(label[:28])}</text>"
        )
        for j, value in enumerate(row):
            w = plot_w * value / peak
            color = PALETTE[j % len(PALETTE)]
            by = y + j * bar_h
            out.append(
                f'<rect x="{label_w}" y="{by}" width="{w:.1f}" height="{bar_h - 2}" '
                f'fill="{color}"><title>{escape(series[j])}: {value}</title></rect>'
            )
            out.append(
                f'<text x="{label_w + w + 4:.1f}" y="{by + bar_h / 2:.0f}" '
                f'dominant-baseline="middle">{value} ({100 * value / total:.0f}%)</text>'
            )
        y += group_h
    for j, name in enumerate(series):
        lx, ly = (j % 3) * (width // 3), y + 6 + 20 * (j // 3)
        out.append(
            f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{PALETTE[j % len(PALETTE)]}"/>'
        )
        out.append(f'<text x="{lx + 16}" y="{ly + 10}">{escape(name[:40])}</text>')
    out.append("</svg>")
    return "\n".join(out)
