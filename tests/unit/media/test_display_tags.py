"""A colour-managed shot's movies are tagged as their pixels are: the OCIO display
colour space of its display and view, through one table (real OCIO configs, real
FFmpeg encodes checked with ffprobe)."""
from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

from helpers import write_pngs
from pipeline.config import BUILTIN_OCIO_CONFIG, OutputConfig
from pipeline.media.colour import DisplayTransform, load_config
from pipeline.media.display_tags import (DISPLAY_TAGS, UNPLACED, MovieTags,
                                         display_colour_space, movie_tags)
from pipeline.media.encode import EncodeJob, encode_h264, encode_prores
from pipeline.media.probe import probe_source

STUDIO = BUILTIN_OCIO_CONFIG
OLD_STUDIO = "ocio://studio-config-v1.0.0_aces-v1.3_ocio-v2.1"  # no interop IDs

# display (its Un-tone-mapped view) -> matrix, primaries, transfer (ffprobe's names)
EXPECTED = {
    "sRGB - Display": ("bt709", "bt709", "iec61966-2-1"),
    "Rec.1886 Rec.709 - Display": ("bt709", "bt709", "bt709"),
    "Gamma 2.2 Rec.709 - Display": ("bt709", "bt709", "bt470m"),
    "Display P3 - Display": ("bt709", "smpte432", "iec61966-2-1"),
    "Gamma 2.6 P3-D65 - Display": ("bt709", "smpte432", None),
    "Rec.2100-PQ - Display": ("bt2020nc", "bt2020", "smpte2084"),
    "ST2084-P3-D65 - Display": ("bt2020nc", "smpte432", "smpte2084"),
    "Rec.2100-HLG - Display": ("bt2020nc", "bt2020", "arib-std-b67"),
}


def _tags(source: str, display: str, view: str = "Un-tone-mapped"):
    return movie_tags(DisplayTransform(source, "ACEScg", display, view))


@pytest.mark.parametrize("display", sorted(EXPECTED))
def test_each_display_of_the_studio_config_gets_its_tags(display):
    tags, warning = _tags(STUDIO, display)
    assert (tags.matrix, tags.primaries, tags.transfer) == EXPECTED[display]
    if None in EXPECTED[display]:  # gamma 2.6: no FFmpeg transfer, said once
        assert warning == (f"display colour space {display!r} (display {display!r}, view "
                           f"'Un-tone-mapped'): no FFmpeg tag for its transfer; the movies "
                           f"leave it unspecified")
    else:
        assert warning is None


def test_tone_mapping_views_encode_for_the_display_colour_space():
    assert display_colour_space(DisplayTransform(
        STUDIO, "ACEScg", "Rec.2100-PQ - Display", "ACES 2.0 - HDR 1000 nits (P3 D65)")) \
        == "Rec.2100-PQ - Display"
    assert _tags(STUDIO, "sRGB - Display", "ACES 2.0 - SDR 100 nits (Rec.709)")[0] == \
        MovieTags("bt709", "bt709", "iec61966-2-1")


def test_a_config_without_interop_ids_is_placed_by_name():
    config = load_config(OLD_STUDIO)
    for display in ("sRGB - Display", "Rec.1886 Rec.709 - Display", "Rec.2100-PQ - Display",
                    "ST2084-P3-D65 - Display", "Rec.2100-HLG - Display"):
        view = list(config.getViews(display))[0]  # an ACES 1.x output transform
        assert config.getColorSpace(display).getInteropID() == ""
        tags, warning = _tags(OLD_STUDIO, display, view)
        assert (tags.matrix, tags.primaries, tags.transfer) == EXPECTED[display]
        assert warning is None
    tags, _ = _tags(OLD_STUDIO, "Rec.1886 Rec.2020 - Display", "ACES 1.0 - SDR Video")
    assert tags == MovieTags("bt2020nc", "bt2020", "bt709")


@pytest.mark.parametrize("display, view, name", [
    ("sRGB - Display", "Raw", "Raw"),  # data: the source's values, no display encoding
    ("Display P3 HDR - Display", "Un-tone-mapped", "Display P3 HDR - Display"),  # edr-video
])
def test_a_display_colour_space_the_table_cannot_place_is_left_unspecified(display, view,
                                                                            name):
    tags, warning = _tags(STUDIO, display, view)
    assert tags == UNPLACED == MovieTags("bt709", None, None)
    assert warning == (f"display colour space {name!r} (display {display!r}, view {view!r}): "
                       f"no FFmpeg tag for its primaries and transfer; the movies leave them "
                       f"unspecified")


CUSTOM = """ocio_profile_version: 2.4
roles: {default: raw, scene_linear: linear}
file_rules:
  - !<Rule> {name: Default, colorspace: default}
displays:
  Studio HDR:
    - !<View> {name: Grade, colorspace: sRGB - Display}
  Studio SDR:
    - !<View> {name: Grade, colorspace: studio custom}
colorspaces:
  - !<ColorSpace> {name: raw, isdata: true, encoding: data}
  - !<ColorSpace> {name: linear, encoding: scene-linear}
  - !<ColorSpace>
    name: sRGB - Display
    aliases: [pq_rec2020_display]
    interop_id: pq_rec2020_display
    encoding: hdr-video
    from_scene_reference: !<ExponentTransform> {value: 2.4, direction: inverse}
  - !<ColorSpace>
    name: studio custom
    encoding: sdr-video
    from_scene_reference: !<ExponentTransform> {value: 2.4, direction: inverse}
"""


def test_the_interop_id_comes_before_the_name_and_an_unknown_custom_space_warns(tmp_path):
    path = tmp_path / "config.ocio"
    path.write_text(CUSTOM)
    # named like the sRGB display, but its interop ID says PQ Rec.2020: the ID wins
    assert _tags(str(path), "Studio HDR", "Grade") == (
        MovieTags("bt2020nc", "bt2020", "smpte2084"), None)
    tags, warning = _tags(str(path), "Studio SDR", "Grade")
    assert tags == UNPLACED and warning.startswith("display colour space 'studio custom' "
                                                   "(display 'Studio SDR', view 'Grade')")


def test_the_table_has_one_row_per_name():
    keys = [k.lower() for interop, names, _ in DISPLAY_TAGS for k in (interop, *names) if k]
    assert len(keys) == len(set(keys))


def _probe(path: Path, entries: str) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                          "-read_intervals", "%+#1", "-show_entries", entries, "-of", "json",
                          str(path)], capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    return (data.get("frames") or data.get("streams"))[0]


@pytest.mark.parametrize("tags", [MovieTags("bt709", "bt709", "iec61966-2-1"),
                                  MovieTags("bt2020nc", "smpte432", "smpte2084"),
                                  MovieTags("bt709", "smpte432", None)],
                         ids=lambda t: t.as_text())
def test_prores_and_h264_write_the_tags_in_the_container_and_the_bitstream(tmp_path, tags):
    pattern = write_pngs(tmp_path / "f", 48, 32, 2, start=1001)
    info = probe_source(pattern.replace("%04d", "####"), Fraction(25))
    job = EncodeJob(pattern, 1001, 2, replace(info, color_matrix="smpte170m"), tags=tags)
    encode_prores(job, tmp_path / "o.mov")
    encode_h264(job, tmp_path / "o.mp4", OutputConfig())
    want = {"color_space": tags.matrix, "color_primaries": tags.primaries or "unknown",
            "color_transfer": tags.transfer or "unknown"}
    for movie in (tmp_path / "o.mov", tmp_path / "o.mp4"):
        fields = "color_space,color_primaries,color_transfer"
        stream = _probe(movie, f"stream={fields}")  # the container's (mov: colr atom)
        frame = _probe(movie, f"frame={fields}")  # the bitstream's (ProRes frame header, VUI)
        assert {k: stream.get(k, "unknown") for k in want} == want, movie.name
        assert {k: frame.get(k, "unknown") for k in want} == want, movie.name
