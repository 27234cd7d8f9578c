"""The scene-linear EXR deliverable carries the style: an ACEScg plate with a 4.0
highlight, a green outside Rec.709, mid grey and a premultiplied alpha-0 region,
rendered with a style that paints everything dark and with an identity style
(display and view given). Dark: the EXR through the view is the final frame
(within 3 of 255 levels), no negative light, alpha-0 RGB exactly 0. Identity:
each patch comes back within 1 %."""
from __future__ import annotations

import cv2
import numpy as np
import OpenImageIO as oiio
import pytest
from torch import nn

from helpers import add_torchscript_style, write_exr_sequence
from pipeline.media.colour import DisplayTransform

pytestmark = pytest.mark.slow

W, H, N = 48, 32, 2
HIGHLIGHT, GREEN, GREY = (4.0, 4.0, 4.0), (0.02, 0.60, 0.02), (0.18, 0.18, 0.18)
CONFIG = "ocio://studio-config-v5.0.0_aces-v2.1_ocio-v2.6"
VIEW = DisplayTransform(CONFIG, "ACEScg", "sRGB - Display", "Un-tone-mapped")


class Identity(nn.Module):
    def forward(self, x):
        return x


class Dark(nn.Module):
    def forward(self, x):
        return x * 0.0 - 0.9  # 0.05 of display white, in the style's [-1, 1] range


def _plate():
    """Straight ACEScg patches and an alpha: 0 in the right-hand quarter, 0.5 on
    the column before it (an edge), 1 elsewhere."""
    straight = np.empty((H, W, 3), np.float32)
    straight[:, :12], straight[:, 12:24], straight[:, 24:] = HIGHLIGHT, GREEN, GREY
    alpha = np.ones((H, W), np.float32)
    alpha[:, 34:36] = 0.5
    alpha[:, 36:] = 0.0
    return straight, alpha


def _render(project, tmp_path, style, module):
    straight, alpha = _plate()
    pattern = write_exr_sequence(tmp_path / f"{style}_plates", [straight * alpha[..., None]] * N,
                                 [alpha] * N, pixel_type="float")
    add_torchscript_style(project, style, module, size_multiple=1)
    project.add_shot(style, pattern, style=style, fps=24, colorspace="ACEScg",
                     display="sRGB - Display", view="Un-tone-mapped",
                     smoothing={"method": "none"})
    project.render(style)
    return straight, alpha


def _exr(project, shot, frame):
    inp = oiio.ImageInput.open(str(project.renders / shot / "exr" / f"{shot}.{frame}.exr"))
    pixels = inp.read_image(0, 0, 0, 4, oiio.FLOAT)
    inp.close()
    return pixels[..., :3], pixels[..., 3]


def test_dark_style_exr_is_the_final_frame_through_the_view(project, tmp_path):
    straight, alpha = _render(project, tmp_path, "dark", Dark())
    for f in range(1001, 1001 + N):
        rgb, a = _exr(project, "dark", f)
        assert np.abs(a - alpha).max() < 1e-3
        assert (rgb[alpha == 0] == 0).all()  # exactly 0: no haze over the background
        assert (rgb <= a[..., None] + 1e-3).all()  # associated: RGB <= alpha
        assert (rgb >= 0).all()  # no negative light
        final = cv2.imread(str(project.renders / "dark" / "frames" / f"dark.{f}.png"),
                           cv2.IMREAD_UNCHANGED)
        final = cv2.cvtColor(final, cv2.COLOR_BGRA2RGBA)[..., :3] / 65535.0
        shown = VIEW.to_display(np.ascontiguousarray(rgb / np.maximum(a, 1e-6)[..., None]))
        visible = alpha > 0
        assert np.abs(shown - final)[visible].max() * 255 < 3
        assert rgb[:, :12].max() < 0.01  # the 4.0 highlight painted dark, not 3.0


def test_identity_style_gives_the_source_back(project, tmp_path):
    straight, alpha = _render(project, tmp_path, "identity", Identity())
    for f in range(1001, 1001 + N):
        rgb, a = _exr(project, "identity", f)
        assert (rgb[alpha == 0] == 0).all()
        for columns, colour in ((slice(0, 12), HIGHLIGHT), (slice(12, 24), GREEN),
                                (slice(24, 34), GREY)):
            patch = rgb[:, columns]
            error = np.abs(patch - np.array(colour)).max() / max(colour)
            assert error < 0.01, (colour, patch.reshape(-1, 3)[0])
        edge = rgb[:, 34:36] / a[:, 34:36, None]  # straight again: the grey
        assert np.allclose(edge, GREY, rtol=0.01)
        # the PNG frames carry straight colour: the edge is the grey, not half of it
        frame = cv2.imread(str(project.renders / "identity" / "frames" / f"identity.{f}.png"),
                           cv2.IMREAD_UNCHANGED)
        frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2RGBA) / 65535.0
        grey_shown = VIEW.to_display(np.array([[GREY]], np.float32))[0, 0]
        assert np.allclose(frame[:, 34:36, :3], grey_shown, atol=2 / 255)
        assert np.allclose(frame[:, 34:36, 3], 0.5, atol=1e-3)
