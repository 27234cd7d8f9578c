"""A facility's own OCIO config ($OCIO; no 'sRGB - Display' in it) renders an EXR
shot through its default display and view, and editing that config redoes the plates."""
from __future__ import annotations

import json

import cv2
import numpy as np
import OpenImageIO as oiio
import pytest
from torch import nn

from helpers import (add_torchscript_style, scene_linear_frames, write_exr_sequence,
                     write_facility_ocio_config)

pytestmark = pytest.mark.slow

W, H, N = 48, 32, 3


class Identity(nn.Module):
    def forward(self, x):
        return x


def _exr_frame(path):
    inp = oiio.ImageInput.open(str(path))
    pixels = inp.read_image(0, 0, 0, 3, oiio.FLOAT)
    inp.close()
    return pixels


def _check_round_trip(project, frames):
    for i, src in enumerate(frames):
        rgb = _exr_frame(project.renders / "lin" / "exr" / f"lin.{1001 + i}.exr")
        rel = np.abs(rgb - src) / np.maximum(np.abs(src), 1e-6)
        lum = src.mean(axis=2)
        assert np.median(rel[(lum > 0.05) & (lum < 1.0)]) < 0.01  # mid-tones within 1 %


def test_a_facility_config_renders_and_editing_it_redoes_the_plates(project, tmp_path):
    config = write_facility_ocio_config(tmp_path / "facility" / "config.ocio", film_gamma=2.2)
    frames = scene_linear_frames(W, H, N)
    pattern = write_exr_sequence(tmp_path / "plates", frames, pixel_type="float")
    add_torchscript_style(project, "identity", Identity(), size_multiple=1)
    project.add_shot("lin", pattern, style="identity", fps=24, smoothing={"method": "none"})
    done = project.render("lin", env={"OCIO": str(config)})
    assert (f"shotstyle: INFO: lin: colour-managed with OCIO config {config}: input colour "
            f"space 'lin_rec709' (the config's scene_linear role, the default for EXR)"
            ) in done.stderr
    assert ("shotstyle: INFO: lin: display 'Studio Monitor' (the OCIO config's default "
            "display), view 'Film' (the OCIO config's default view for 'lin_rec709'); "
            "16-bit plates") in done.stderr
    _check_round_trip(project, frames)
    plate = project.work / "lin" / "plates" / "lin.1002.png"
    shown = cv2.cvtColor(cv2.imread(str(plate), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGR2RGB)
    want = frames[1].clip(0, 1) ** (1 / 2.2)  # the facility's 'Film' view, not sRGB's curve
    assert np.median(np.abs(shown / 65535.0 - want)) < 2e-3
    manifest = project.work / "lin" / "plates" / "manifest.json"
    key, mtime = json.loads(manifest.read_text())["key"], plate.stat().st_mtime_ns

    write_facility_ocio_config(config, film_gamma=2.4)  # the 'Film' view is edited
    project.render("lin", env={"OCIO": str(config)})
    assert json.loads(manifest.read_text())["key"] != key
    assert plate.stat().st_mtime_ns != mtime  # decoded again
    shown = cv2.cvtColor(cv2.imread(str(plate), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGR2RGB)
    assert np.median(np.abs(shown / 65535.0 - frames[1].clip(0, 1) ** (1 / 2.4))) < 2e-3
    _check_round_trip(project, frames)
