"""The colour tags of a colour-managed shot's movies: what its pixels are.

The movies of a colour-managed shot hold the display-referred plates, encoded
for the OCIO display colour space of the shot's display and view
(``config.getDisplayViewColorSpaceName``). That colour space says which
primaries and transfer the pixels have; ``DISPLAY_TAGS`` below is the one table
that names them the way FFmpeg tags a movie (``-color_primaries``,
``-color_trc``, ``-colorspace``; ffprobe prints the same names). A colour space
is found in the table by its Color Interop Forum ID (``getInteropID()``, OCIO
2.4+ configs such as the ACES studio config v4+), else by its name or one of its
aliases (older configs).

The matrix is the one the RGB -> YUV conversion uses (BT.2020 non-constant
luminance for the HDR displays, as HDR10 and HLG video are coded; BT.709
otherwise), so it is always known. A primaries or transfer that no FFmpeg tag
names is left unspecified rather than mislabelled:

- Gamma 2.6 P3-D65 and P3-DCI (cinema projectors): FFmpeg has no plain gamma
  2.6 transfer (``smpte428`` is gamma 2.6 of XYZ scaled by 48/52.37, not a
  pure power), so their transfer is unspecified; the primaries are
  ``smpte432`` (P3-D65) and ``smpte431`` (DCI white). P3-D60 has no FFmpeg
  primaries and is not in the table.
- A display colour space the table cannot place (a custom one, a data or
  scene-referred colour space such as the ``Raw`` view, Apple's extended-range
  ``Display P3 HDR``, whose values above 1 no FFmpeg transfer describes): both
  primaries and transfer are unspecified, and the encode stage logs one
  WARNING line naming it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import PyOpenColorIO as ocio

from pipeline.media.colour import DisplayTransform, load_config


@dataclass(frozen=True)
class MovieTags:
    """FFmpeg's names of a movie's colour tags; None: unspecified."""

    matrix: str  # -colorspace: the YUV matrix the pixels are coded with
    primaries: Optional[str]
    transfer: Optional[str]

    def as_text(self) -> str:
        """``matrix,primaries,transfer`` as ``ffprobe -of csv`` prints them."""
        return ",".join(v or "unknown" for v in (self.matrix, self.primaries, self.transfer))


#: Display colour spaces -> their movie tags. Each row: the Color Interop Forum
#: ID, the names and aliases the ACES studio configs give that display colour
#: space, and its tags. The one place this fact is written.
DISPLAY_TAGS: tuple[tuple[Optional[str], tuple[str, ...], MovieTags], ...] = (
    ("srgb_rec709_display", ("sRGB - Display", "srgb_display"),
     MovieTags("bt709", "bt709", "iec61966-2-1")),
    ("g24_rec709_display", ("Rec.1886 Rec.709 - Display", "rec1886_rec709_display",
                            "Rec.1886 / Rec.709 Video - Display"),
     MovieTags("bt709", "bt709", "bt709")),
    ("g22_rec709_display", ("Gamma 2.2 Rec.709 - Display",),
     MovieTags("bt709", "bt709", "bt470m")),
    ("srgb_p3d65_display", ("Display P3 - Display", "displayp3_display"),
     MovieTags("bt709", "smpte432", "iec61966-2-1")),
    ("g24_rec2020_display", ("Rec.1886 Rec.2020 - Display", "rec1886_rec2020_display"),
     MovieTags("bt2020nc", "bt2020", "bt709")),
    ("g26_p3d65_display", ("Gamma 2.6 P3-D65 - Display", "P3-D65 - Display", "p3d65_display"),
     MovieTags("bt709", "smpte432", None)),  # no FFmpeg gamma 2.6 transfer: unspecified
    (None, ("P3-DCI - Display", "p3_dci_display"),  # DCI white; gamma 2.6 as above
     MovieTags("bt709", "smpte431", None)),
    ("pq_rec2020_display", ("Rec.2100-PQ - Display", "rec2100_pq_display"),
     MovieTags("bt2020nc", "bt2020", "smpte2084")),
    ("pq_p3d65_display", ("ST2084-P3-D65 - Display", "st2084_p3d65_display"),
     MovieTags("bt2020nc", "smpte432", "smpte2084")),
    ("hlg_rec2020_display", ("Rec.2100-HLG - Display", "rec2100_hlg_display"),
     MovieTags("bt2020nc", "bt2020", "arib-std-b67")),
)

#: The tags of a display colour space the table cannot place: coded with the
#: BT.709 matrix, primaries and transfer unspecified.
UNPLACED = MovieTags("bt709", None, None)

#: OCIO encodings (``getEncoding()``) of colour spaces a movie's pixels can be
#: tagged from; any other (data, scene-linear, log, edr-video...) is not placed.
VIDEO_ENCODINGS = ("sdr-video", "hdr-video")

_BY_KEY = {key.lower(): tags for interop, names, tags in DISPLAY_TAGS
           for key in (interop, *names) if key}


def display_colour_space(transform: DisplayTransform) -> str:
    """The name of the OCIO colour space the display/view of ``transform`` encodes
    its pictures in (a shared view's ``<USE_DISPLAY_NAME>`` resolved)."""
    config = load_config(transform.source)
    name = config.getDisplayViewColorSpaceName(transform.display, transform.view)
    if name == ocio.OCIO_VIEW_USE_DISPLAY_NAME:
        name = transform.display
    cs = config.getColorSpace(name)
    return cs.getName() if cs is not None else name


def _keys(cs: "ocio.ColorSpace") -> list[str]:
    interop = getattr(cs, "getInteropID", lambda: "")() or ""
    keys = [interop] if interop else []
    return keys + [cs.getName(), *cs.getAliases()]


def movie_tags(transform: DisplayTransform) -> tuple[MovieTags, Optional[str]]:
    """The tags of the movies of a shot seen through ``transform``, and a warning
    line when a primaries or transfer is left unspecified (else None): the
    table cannot place its display colour space, or FFmpeg has no tag for part
    of it."""
    config = load_config(transform.source)
    name = display_colour_space(transform)
    cs = config.getColorSpace(name)
    tags = None
    if cs is not None:
        encoding = getattr(cs, "getEncoding", lambda: "")() or ""
        if not encoding or encoding in VIDEO_ENCODINGS:
            tags = next((_BY_KEY[k.lower()] for k in _keys(cs) if k.lower() in _BY_KEY), None)
    tags = tags or UNPLACED
    unspecified = [part for part, value in (("primaries", tags.primaries),
                                            ("transfer", tags.transfer)) if value is None]
    if not unspecified:
        return tags, None
    return tags, (f"display colour space {name!r} (display {transform.display!r}, view "
                  f"{transform.view!r}): no FFmpeg tag for its {' and '.join(unspecified)}; "
                  f"the movies leave {'them' if len(unspecified) > 1 else 'it'} unspecified")
