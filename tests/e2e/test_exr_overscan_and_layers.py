"""A comp's EXR keeps what the comp needs: the overscan of a plate whose data
window reaches outside its display window is stylised and written back; the
other channels (depth) and parts (AOVs) of the source come through untouched;
the movies and PNG frames show the display window; the headers' timecode and
rate reach the movies and publish.json."""
from __future__ import annotations

import json
from fractions import Fraction

import cv2
import numpy as np
import OpenImageIO as oiio
import pytest
from torch import nn

from helpers import add_torchscript_style, ffprobe_video, scene_linear_frames
from pipeline.media.exr import frame_rate_attribute, timecode_attribute

pytestmark = pytest.mark.slow

DW, DH = 40, 24  # display window
X, Y, W, H = -4, -2, 48, 28  # data window: 4 px of overscan left and right, 2 above and below
N = 2
TIMECODE = "01:00:10:12"


class Identity(nn.Module):
    def forward(self, x):
        return x


def _write_source(folder):
    """Two-part EXR frames: RGBA + float Z over the data window, and an 'aov' part."""
    folder.mkdir()
    frames = []
    for i, rgb in enumerate(scene_linear_frames(W, H, N)):
        depth = np.arange(W * H, dtype=np.float32).reshape(H, W) * 1000.125 + i
        diffuse = (rgb * 0.5).astype(np.float16).astype(np.float32)
        main = oiio.ImageSpec(W, H, 5, oiio.HALF)
        main.channelnames = ("R", "G", "B", "A", "Z")
        main.channelformats = (oiio.HALF,) * 4 + (oiio.FLOAT,)
        main.x, main.y = X, Y
        main.full_x, main.full_y, main.full_width, main.full_height = 0, 0, DW, DH
        main.attribute("name", "rgba")
        for name, (kind, value) in {**frame_rate_attribute(Fraction(25)),
                                    **timecode_attribute(TIMECODE, Fraction(25), i)}.items():
            main.attribute(name, kind, value)
        aov = oiio.ImageSpec(W, H, 3, oiio.HALF)
        aov.channelnames = ("diffuse.R", "diffuse.G", "diffuse.B")
        aov.x, aov.y = X, Y
        aov.full_x, aov.full_y, aov.full_width, aov.full_height = 0, 0, DW, DH
        aov.attribute("name", "aov")
        path = str(folder / f"plate.{1001 + i:04d}.exr")
        out = oiio.ImageOutput.create(path)
        assert out.open(path, (main, aov))
        assert out.write_image(np.dstack([rgb, np.ones((H, W, 1), np.float32), depth[..., None]]))
        assert out.open(path, aov, "AppendSubimage") and out.write_image(diffuse)
        assert out.close()
        frames.append((rgb.astype(np.float16).astype(np.float32), depth, diffuse))
    return str(folder / "plate.####.exr"), frames


def _parts(path):
    inp = oiio.ImageInput.open(str(path))
    parts = []
    while inp.seek_subimage(len(parts), 0):
        spec = inp.spec()
        parts.append((spec, inp.read_image(len(parts), 0, 0, spec.nchannels, oiio.FLOAT)))
    inp.close()
    return parts


def test_overscan_is_stylised_and_kept_and_layers_come_through(project, tmp_path):
    pattern, frames = _write_source(tmp_path / "src")
    add_torchscript_style(project, "identity", Identity(), size_multiple=1)
    project.add_shot("os", pattern, style="identity", smoothing={"method": "none"})  # 25 fps: header
    done = project.render("os")
    assert ("os: overscan: the data window reaches outside the 40x24 display window: 48x28 "
            "pixels from (-4, -2) are stylised and kept in the EXR; the movies and PNG frames "
            "show the display window") in done.stderr
    plate = cv2.imread(str(project.work / "os" / "plates" / "os.1001.png"), cv2.IMREAD_UNCHANGED)
    assert plate.shape[:2] == (H, W)  # the generator sees the overscan
    for i, (rgb, depth, diffuse) in enumerate(frames):
        main, aov = _parts(project.renders / "os" / "exr" / f"os.{1001 + i}.exr")
        spec, pixels = main
        assert (spec.x, spec.y, spec.width, spec.height) == (X, Y, W, H)
        assert (spec.full_x, spec.full_y, spec.full_width, spec.full_height) == (0, 0, DW, DH)
        assert spec.channelnames == ("R", "G", "B", "A", "Z")
        assert [str(t) for t in spec.channelformats] == ["half"] * 4 + ["float"]
        lum = rgb.mean(axis=2)
        mid = (lum > 0.05) & (lum < 1.0)
        rel = np.abs(pixels[..., :3] - rgb) / np.maximum(np.abs(rgb), 1e-6)
        assert np.median(rel[mid]) < 0.01
        assert np.median(rel[:2][mid[:2]]) < 0.01  # the overscan rows too
        assert np.array_equal(pixels[..., 4], depth)  # Z untouched, float
        aov_spec, aov_pixels = aov
        assert aov_spec.getattribute("name") == "aov"
        assert aov_spec.channelnames == ("diffuse.R", "diffuse.G", "diffuse.B")
        assert np.array_equal(aov_pixels, diffuse)
        assert spec.getattribute("FramesPerSecond") == (25, 1)
        assert spec.getattribute("smpte:TimeCode") is not None
    frame = cv2.imread(str(project.renders / "os" / "frames" / "os.1001.png"),
                       cv2.IMREAD_UNCHANGED)
    assert frame.shape[:2] == (DH, DW)
    final = cv2.imread(str(project.work / "os" / "final" / "os.1001.png"), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(frame[..., :3], final[-Y:-Y + DH, -X:-X + DW])
    for movie in ("os_styled.mov", "os_styled.mp4"):
        probe = ffprobe_video(project.renders / "os" / movie)
        assert (probe["width"], probe["height"], probe["frames"]) == (DW, DH, N)
        assert (probe["r_frame_rate"], probe["tags"]["timecode"]) == ("25/1", TIMECODE)
    record = json.loads((project.renders / "os" / "publish.json").read_text())
    assert (record["source"]["timecode"], record["fps"]) == (TIMECODE, "25")
