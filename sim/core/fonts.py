"""Fonts of the figures: a CJK font after matplotlib's default, when one is installed.

matplotlib's bundled fonts (DejaVu Sans by default) have no CJK glyphs, so Chinese district,
source or category names are drawn as empty boxes. :func:`cjk_fonts` finds the installed fonts
whose character map holds every character of :data:`CJK_PROBE` (read with matplotlib's own
FreeType wrapper, ``matplotlib.ft2font.FT2Font.get_charmap``); :func:`use_cjk_fallback` puts the
first of them after the default family in ``rcParams["font.family"]``, so Latin text keeps its
font and only the characters DejaVu Sans lacks come from the CJK font (matplotlib's per-glyph
font fallback, matplotlib >= 3.6). ``citysafe doctor`` reports the same finding
(:mod:`sim.interfaces.cli.doctor`).

Input: matplotlib's font list (``matplotlib.font_manager.fontManager.ttflist``). Output: font
family names. No error is raised: an unreadable font file is skipped.
"""

from __future__ import annotations

from functools import lru_cache

CJK_PROBE = "浦东"
"""Text a CJK font must render (two common CJK ideographs; any would do)."""
CJK_PACKAGE = "fonts-noto-cjk"
"""The Debian package that installs Noto Sans CJK (Google and Adobe's pan-CJK typeface)."""


NOT_A_FONT = ("Last Resort",)
"""Families that map every character to a placeholder glyph (Unicode's Last Resort font,
bundled with matplotlib >= 3.10): they "render" CJK text as boxes, so they never count."""


def _renders(path: str, text: str) -> bool:
    """Whether the font file at ``path`` maps every character of ``text`` to a glyph."""
    from matplotlib import ft2font

    try:
        charmap = ft2font.FT2Font(path).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    return all(ord(ch) in charmap for ch in text)


def cjk_fonts(entries=None, probe: str = CJK_PROBE) -> list[str]:
    """Names of the installed font families that render ``probe``, Simplified Chinese sans
    faces first (names with "SC", then "Sans" or "Hei"), each once.

    Args:
        entries: font entries with ``name`` and ``fname`` (default: matplotlib's
            ``fontManager.ttflist``, the fonts matplotlib can use).
        probe: the characters every returned font must have.
    """
    if entries is None:
        return list(_installed_cjk_fonts(probe))
    names: list[str] = []
    for entry in entries:
        if entry.name.startswith(NOT_A_FONT) or entry.name in names:
            continue
        if _renders(entry.fname, probe):
            names.append(entry.name)
    return sorted(names, key=lambda n: ("SC" not in n, not ("Sans" in n or "Hei" in n), n))


@lru_cache(maxsize=4)
def _installed_cjk_fonts(probe: str) -> tuple[str, ...]:
    from matplotlib import font_manager

    return tuple(cjk_fonts(font_manager.fontManager.ttflist, probe))


def use_cjk_fallback(fonts: list[str] | None = None) -> str | None:
    """Add the first CJK font after the families of ``rcParams["font.family"]`` (once).

    Args:
        fonts: CJK family names to choose from (default: :func:`cjk_fonts`).

    Returns:
        The CJK family used, or None when none is installed (figures then keep the default
        font, and ``citysafe doctor`` warns).
    """
    import matplotlib

    fonts = cjk_fonts() if fonts is None else fonts
    if not fonts:
        return None
    family = list(matplotlib.rcParams["font.family"])
    if fonts[0] not in family:
        matplotlib.rcParams["font.family"] = [*family, fonts[0]]
    return fonts[0]
