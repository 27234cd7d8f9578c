"""The publish record, built from a real work area: the probe, plates and encode
stages run on a tiny source (no generator: the final frames are the plates), into
its first version."""
import hashlib
import shutil

import numpy as np
import OpenImageIO as oiio
import PyOpenColorIO as ocio

from helpers import make_clip, scene_linear_frames, write_exr_sequence
from pipeline.config import BUILTIN_OCIO_CONFIG
from pipeline.graph.table import ENCODE, FINAL, PLATES, PROBE
from pipeline.stages import publish
from pipeline.stages.registry import run_stage
from pipeline.workarea.plan import ShotPlan


def _encoded(shot: str) -> ShotPlan:
    """Probe, decode and encode ``shot`` with the plates as its final frames."""
    plan = ShotPlan.load(shot)
    run_stage(plan, PROBE)
    run_stage(plan, PLATES)
    first, last = plan.frames.range()
    plan.paths.stage_dir(FINAL).mkdir(parents=True)
    for f in range(first, last + 1):
        shutil.copyfile(plan.paths.frame_file(PLATES, f), plan.paths.frame_file(FINAL, f))
    run_stage(plan, ENCODE)
    return plan


def test_record_of_a_display_referred_movie_says_what_was_written(project, tmp_path):
    clip = make_clip(tmp_path / "in.mov", 33, 21, frames=3, audio=False,
                     timecode="01:00:00:00", pix_fmt="yuv444p")
    project.add_shot("p1", clip)
    plan = _encoded("p1")
    stamp = {"user": "ana", "host": "ws12", "time": "2025-03-04T05:06:07Z"}
    record = publish.record(plan, 1, stamp)

    out = project.renders / "p1" / "v001"
    assert (record["schema"], record["shot"], record["frame_range"]) == \
        ("shotstyle-publish-1", "p1", [1001, 1003])
    assert (record["version"], record["version_name"], record["previous_version"],
            record["changes"]) == (1, "v001", None, None)  # the first version
    assert {k: record[k] for k in stamp} == stamp
    assert record["created"].startswith("2025-03-04T") and record["keys"] == {
        name: plan.keys.key(name) for name in
        ("probe", "plates", "flow", "styled", "final", "encode", "metrics", "report")}
    assert record["context"] == {"shot": "p1", "cut_in": None, "cut_out": None,
                                 "handles": None}
    assert record["thumbnail"] is None  # the report stage makes it
    assert (record["fps"], record["fps_float"]) == ("24", 24.0)
    assert record["source"] == {"path": str(clip), "kind": "movie", "frame_count": 3,
                                "frame_range": [0, 2], "timecode": "01:00:00:00",
                                "colour_space": None}
    checkpoint = project.root / "styles" / "tiny.pt"
    assert record["style"] == {
        "name": "tiny", "checkpoint": str(checkpoint), "format": "shotstyle",
        "checkpoint_sha256": hashlib.sha256(checkpoint.read_bytes()).hexdigest()}

    assert [d["kind"] for d in record["deliverables"]] == ["frames", "mov", "mp4", "report"]
    frames, mov, mp4, report = record["deliverables"]
    # the ProRes keeps 33x21; the review mp4 is padded to even
    assert (mov["path"], mov["width"], mov["height"]) == (str(out / "p1_v001.mov"), 33, 21)
    assert mov["url"] == (out / "p1_v001.mov").as_uri()
    assert (mov["codec"], mov["pixel_format"], mov["bit_depth"]) == ("prores", "yuv422p10le", 10)
    assert (mp4["width"], mp4["height"], mp4["codec"], mp4["bit_depth"]) == (34, 22, "h264", 8)
    assert frames["path"] == str(out / "frames" / "p1_v001.%04d.png")
    assert frames["url"] == (out / "frames").as_uri() + "/p1_v001.%2504d.png"
    assert (frames["width"], frames["height"], frames["data_format"]) == (33, 21, "uint8")
    for d in (mov, mp4, frames):
        assert (d["frame_range"], d["fps"], d["pixel_aspect"], d["alpha"]) == \
            ([1001, 1003], "24", "1", False)
        assert d["colour_space"] == publish.AS_SOURCE
    # a 21-line source is taken as BT.601 and its movies are tagged so, not Rec.709
    assert mov["colour_tags"] == {"matrix": "smpte170m", "primaries": "smpte170m",
                                  "transfer": "smpte170m", "range": "tv"}
    assert report == {"kind": "report", "path": str(out / "report.html"),
                      "url": (out / "report.html").as_uri()}
    assert record["ocio"] is None  # not colour-managed


def test_record_of_a_colour_managed_sequence(project, tmp_path):
    w, h = 16, 8
    alpha = [np.full((h, w), 0.5, np.float32)] * 2
    pattern = write_exr_sequence(tmp_path / "plates", scene_linear_frames(w, h, 2), alpha,
                                 start=11, attributes={"PixelAspectRatio": 2.0})
    project.add_shot("p2", pattern, fps="24000/1001", output={"mov": False, "mp4": False})
    record = publish.record(_encoded("p2"), 1)

    out = project.renders / "p2" / "v001"
    assert (record["fps"], round(record["fps_float"], 3)) == ("24000/1001", 23.976)
    assert record["source"] == {"path": str(tmp_path / "plates" / "plate.%04d.exr"),
                                "kind": "sequence", "frame_count": 2, "frame_range": [11, 12],
                                "timecode": None, "colour_space": "ACEScg"}
    exr, frames, _ = record["deliverables"]
    assert frames == {"kind": "frames", "path": str(out / "frames" / "p2_v001.%04d.png"),
                      "url": (out / "frames").as_uri() + "/p2_v001.%2504d.png",
                      "frame_range": [1001, 1002], "width": w, "height": h, "fps": "24000/1001",
                      "pixel_aspect": "2", "codec": "png", "data_format": "uint16",
                      "bit_depth": 16, "alpha": True,
                      "colour_space": "sRGB - Display / Un-tone-mapped"}
    assert exr == {"kind": "exr", "path": str(out / "exr" / "p2_v001.%04d.exr"),
                   "url": (out / "exr").as_uri() + "/p2_v001.%2504d.exr",
                   "frame_range": [1001, 1002], "width": w, "height": h, "fps": "24000/1001",
                   "pixel_aspect": "2", "codec": "openexr", "data_format": "half",
                   "bit_depth": 16, "alpha": True, "colour_space": "ACEScg"}
    studio = ocio.Config.CreateFromFile(BUILTIN_OCIO_CONFIG)
    assert record["ocio"] == {
        "config": BUILTIN_OCIO_CONFIG, "config_name": studio.getName(),
        "config_cache_id": studio.getCacheID(), "colour_space": "ACEScg",
        "display": "sRGB - Display", "view": "Un-tone-mapped",
        "display_colour_space": "sRGB - Display"}


def test_record_of_a_pq_shot_from_headers_names_its_ocio_and_movie_tags(project, tmp_path):
    """An EXR sequence with a header timecode and rate and no shot fps, seen on the
    Rec.2100-PQ display: the movies carry the timecode and PQ tags, and say so."""
    w, h = 16, 8
    timecode = (oiio.TypeTimeCode, (0x01020304, 0))  # 01:02:03:04, SMPTE 12M BCD
    pattern = write_exr_sequence(tmp_path / "plates", scene_linear_frames(w, h, 2),
                                 attributes={"smpte:TimeCode": timecode,
                                             "FramesPerSecond": (oiio.TypeRational, (25, 1))})
    project.add_shot("p3", pattern, display="Rec.2100-PQ - Display",
                     view="ACES 2.0 - HDR 1000 nits (Rec.2020)",
                     output={"frames": False, "exr": False})
    record = publish.record(_encoded("p3"), 1)

    assert (record["fps"], record["source"]["timecode"]) == ("25", "01:02:03:04")
    assert record["ocio"]["display_colour_space"] == "Rec.2100-PQ - Display"
    assert (record["ocio"]["display"], record["ocio"]["view"]) == (
        "Rec.2100-PQ - Display", "ACES 2.0 - HDR 1000 nits (Rec.2020)")
    mov, mp4, _ = record["deliverables"]
    for movie in (mov, mp4):
        assert movie["fps"] == "25"
        assert movie["colour_space"] == ("Rec.2100-PQ - Display / "
                                         "ACES 2.0 - HDR 1000 nits (Rec.2020)")
        assert movie["colour_tags"] == {"matrix": "bt2020nc", "primaries": "bt2020",
                                        "transfer": "smpte2084", "range": "tv"}


def test_context_reads_the_edit_section_when_the_shot_has_one(project, tmp_path):
    """shots-from-edit's ``edit`` section (cut in / out, handles): read by name, as an
    object or a mapping; null where the shot has none."""
    import dataclasses
    from types import SimpleNamespace
    clip = make_clip(tmp_path / "in.mov", 16, 8, frames=2, audio=False)
    project.add_shot("p4", clip)
    plan = ShotPlan.load("p4")
    assert publish.context(plan) == {"shot": "p4", "cut_in": None, "cut_out": None,
                                     "handles": None}

    class WithEdit:  # a shot config with an edit section, as shots-from-edit will write
        def __init__(self, cfg, edit):
            self._cfg, self.edit = cfg, edit

        def __getattr__(self, name):
            return getattr(self._cfg, name)

    for edit in (SimpleNamespace(cut_in=1009, cut_out=1040, handles=8),
                 {"cut_in": 1009, "cut_out": 1040, "handles": 8}):
        edited = dataclasses.replace(plan, cfg=WithEdit(plan.cfg, edit))
        assert publish.context(edited) == {"shot": "p4", "cut_in": 1009, "cut_out": 1040,
                                           "handles": 8}


def test_publisher_is_who_where_and_when_in_utc():
    from datetime import datetime, timedelta, timezone
    stamp = publish.publisher(datetime(2025, 3, 4, 7, 6, 7, tzinfo=timezone(timedelta(hours=2))))
    assert stamp["time"] == "2025-03-04T05:06:07Z" and stamp["user"] and stamp["host"]
