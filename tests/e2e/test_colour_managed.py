"""A scene-linear EXR shot end to end: OCIO to display-referred 16-bit plates, the
generator, and back to half-float EXR in the source's colour space with its alpha
and metadata; the review movie display-referred."""
from __future__ import annotations

import subprocess

import cv2
import numpy as np
import OpenImageIO as oiio
import pytest
from torch import nn

from helpers import (add_torchscript_style, ffprobe_video, scene_linear_frames,
                     textured_frame, write_exr_sequence)
from pipeline.config import BUILTIN_OCIO_CONFIG
from pipeline.media.colour import DisplayTransform

pytestmark = pytest.mark.slow

W, H, N = 48, 32, 4


class Identity(nn.Module):
    def forward(self, x):
        return x


def _render_exr_shot(project, tmp_path, **shot):
    """An identity-styled EXR shot; its frames are associated (premultiplied) with an
    alpha ramp, as EXR frames are."""
    alpha = [np.tile(np.linspace(0, 1, W, dtype=np.float32), (H, 1)) for _ in range(N)]
    frames = [rgb * a[..., None] for rgb, a in zip(scene_linear_frames(W, H, N), alpha)]
    pattern = write_exr_sequence(tmp_path / "plates", frames, alpha, pixel_type="float",
                                 attributes={"PixelAspectRatio": 1.0})
    add_torchscript_style(project, "identity", Identity(), size_multiple=1)
    project.add_shot("lin", pattern, style="identity", fps=24,
                     smoothing={"method": "none"}, **shot)
    project.render("lin")
    return frames, alpha


def _read(path):
    inp = oiio.ImageInput.open(str(path))
    spec = inp.spec()
    pixels = inp.read_image(0, 0, 0, spec.nchannels, oiio.FLOAT)
    inp.close()
    return spec, pixels


def test_scene_linear_exr_comes_back_as_half_exr_in_its_colour_space(project, tmp_path):
    frames, alpha = _render_exr_shot(project, tmp_path)
    out = project.renders / "lin" / "exr"
    assert sorted(p.name for p in out.iterdir()) == [f"lin.{1001 + i}.exr" for i in range(N)]
    for i, (src, a) in enumerate(zip(frames, alpha)):
        spec, pixels = _read(out / f"lin.{1001 + i}.exr")
        assert spec.format == oiio.TypeHalf and spec.channelnames == ("R", "G", "B", "A")
        assert spec.getattribute("FramesPerSecond") == (24, 1)
        assert spec.getattribute("PixelAspectRatio") == 1.0
        assert spec.getattribute("compression") == "zip"
        rgb = pixels[..., :3]
        rel = np.abs(rgb - src) / np.maximum(np.abs(src), 1e-6)
        lum = src.mean(axis=2)
        mid, deep = (lum > 0.05) & (lum < 1.0), (lum > 1e-4) & (lum < 0.01)
        assert np.median(rel[mid]) < 0.01 and np.median(rel[deep]) < 0.02
        straight = rgb[2:6, 2:6] / pixels[2:6, 2:6, 3:]
        assert np.allclose(straight, 4.0, rtol=1e-3)  # the highlight is not clipped
        assert np.allclose(pixels[..., 3], a, atol=1e-3)  # alpha copied through


def test_review_copies_are_display_referred_and_sixteen_bit_frames(project, tmp_path):
    _, alpha = _render_exr_shot(project, tmp_path, colorspace="ACEScg")
    frames = project.renders / "lin" / "frames"
    first = cv2.imread(str(frames / "lin.1001.png"), cv2.IMREAD_UNCHANGED)
    assert first.dtype == np.uint16 and first.shape == (H, W, 4)  # RGBA: the source's alpha
    assert np.abs(first[..., 3] / 65535.0 - alpha[0]).max() < 1e-4
    mp4 = ffprobe_video(project.renders / "lin" / "lin_styled.mp4")
    tags = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                           "stream=color_space,color_primaries,color_transfer", "-of", "csv=p=0",
                           str(project.renders / "lin" / "lin_styled.mp4")],
                          capture_output=True, text=True, check=True).stdout.strip()
    # tagged as the sRGB display's pixels (ffprobe prints matrix, transfer, primaries)
    assert mp4["frames"] == N and tags == "bt709,iec61966-2-1,bt709"
    movie = tmp_path / "first.png"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(project.renders / "lin" / "lin_styled.mp4"),
                    "-frames:v", "1", str(movie)], check=True)
    shown = cv2.cvtColor(cv2.imread(str(movie)), cv2.COLOR_BGR2RGB).astype(np.float64)
    source = textured_frame(W, H, 0).astype(np.float64)
    assert abs(shown.mean() - source.mean()) < 0.25 * source.mean()
    # the picture, not just its mean: 8x8-pixel averages (H.264 chroma and grain aside)
    blocks = [cv2.resize(im[8:, 8:], (5, 3), interpolation=cv2.INTER_AREA) for im in (shown, source)]
    assert np.abs(blocks[0] - blocks[1]).max() < 12


def test_keyframe_command_writes_the_display_referred_plate(project, tmp_path):
    import sys

    frames = scene_linear_frames(W, H, 3)
    pattern = write_exr_sequence(tmp_path / "plates", frames)
    project.add_shot("lin", pattern, fps=24)
    cmd = [sys.executable, "-m", "pipeline", "keyframe", "lin", "1002"]
    done = subprocess.run(cmd, cwd=project.root, env=project.env(), capture_output=True,
                          text=True, timeout=120)
    out = project.renders / "lin" / "keyframes" / "lin.1002.png"
    assert done.returncode == 0, done.stderr
    assert done.stderr == "lin: decoding the plates first\n"
    assert done.stdout == (
        f"{out}\n  frame 1002 of lin, display-referred (ACEScg through sRGB - Display / "
        f"Un-tone-mapped); paint over it at its size and bit depth, then list it in the "
        f"style's train.keyframes (1002: {out})\n")
    painted = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert painted.dtype == np.uint16 and painted.shape == (H, W, 3)
    # the sRGB picture the ACEScg frame was made from, at 16 bits (the grain aside)
    source = textured_frame(W, H, 1).astype(np.float64) * 257
    shown = cv2.cvtColor(painted, cv2.COLOR_BGR2RGB).astype(np.float64)
    assert np.median(np.abs(shown - source)[8:, 8:]) < 0.01 * 65535
    bad = subprocess.run(cmd[:-1] + ["9999"], cwd=project.root, env=project.env(),
                         capture_output=True, text=True, timeout=120)
    assert (bad.returncode, bad.stdout, bad.stderr) == (
        2, "", "shotstyle: error: lin: frame 9999 is outside the shot (1001-1003)\n")


def test_ten_bit_dpx_keeps_its_precision_into_the_exr(project, tmp_path):
    """A 10-bit DPX (sRGB-encoded unless the shot says otherwise) renders through
    16-bit plates; the EXR holds every one of its 1024 levels."""
    folder = tmp_path / "scan"
    folder.mkdir()
    ramp = np.arange(W * H * 3, dtype=np.float64).reshape(H, W, 3) % 1024 / 1023.0
    sources = []
    for i in range(2):
        levels = np.round(np.roll(ramp, i, axis=1) * 1023.0)
        spec = oiio.ImageSpec(W, H, 3, oiio.UINT16)
        spec.attribute("oiio:BitsPerSample", 10)
        out = oiio.ImageOutput.create(str(folder / f"scan.{1 + i:04d}.dpx"))
        out.open(str(folder / f"scan.{1 + i:04d}.dpx"), spec)
        out.write_image((levels * 64).astype(np.uint16))  # 10 bits in the high bits
        out.close()
        sources.append(_read(folder / f"scan.{1 + i:04d}.dpx")[1])
    add_torchscript_style(project, "identity", Identity(), size_multiple=1)
    project.add_shot("dpx", str(folder / "scan.####.dpx"), style="identity", fps=24,
                     smoothing={"method": "none"})
    project.render("dpx")
    plate = cv2.imread(str(project.work / "dpx" / "plates" / "dpx.1001.png"), cv2.IMREAD_UNCHANGED)
    assert plate.dtype == np.uint16 and len(np.unique(plate)) > 1000  # no 8-bit step
    for i, source in enumerate(sources):
        spec, pixels = _read(project.renders / "dpx" / "exr" / f"dpx.{1001 + i}.exr")
        assert spec.format == oiio.TypeHalf and spec.nchannels == 3
        assert np.abs(pixels - source).max() < 1e-3  # half float keeps 10-bit levels


def test_log_prores_movie_with_alpha_and_timecode_round_trips(project, tmp_path):
    """A log-encoded ProRes 4444 movie (ARRI LogC3 code values, alpha, timecode):
    display-referred plates through OCIO, EXR back in LogC3 with the alpha and each
    frame's timecode, a ProRes 4444 .mov and RGBA PNG frames that keep the alpha."""
    import OpenEXR
    import PyOpenColorIO as ocio

    config = ocio.Config.CreateFromFile(BUILTIN_OCIO_CONFIG)
    to_log = config.getProcessor("ACEScg", "ARRI LogC3 (EI800)").getDefaultCPUProcessor()
    alpha = np.tile(np.linspace(0, 1, W, dtype=np.float32), (H, 1))
    codes = []
    folder = tmp_path / "log"
    folder.mkdir()
    for i, rgb in enumerate(scene_linear_frames(W, H, N)):
        rgb = np.ascontiguousarray(rgb)
        to_log.applyRGB(rgb)
        codes.append(rgb)
        rgba = np.rint(np.dstack([rgb, alpha]).clip(0, 1) * 65535).astype(np.uint16)
        cv2.imwrite(str(folder / f"log.{i:04d}.png"), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    movie = tmp_path / "A001_C003.mov"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-framerate", "24", "-i",
                    str(folder / "log.%04d.png"), "-c:v", "prores_ks", "-profile:v", "4",
                    "-pix_fmt", "yuva444p10le", "-alpha_bits", "16", "-timecode", "01:00:00:00",
                    str(movie)], check=True)
    add_torchscript_style(project, "identity", Identity(), size_multiple=1)
    project.add_shot("log", movie, style="identity", colorspace="ARRI LogC3 (EI800)",
                     output={"exr": True}, smoothing={"method": "none"})
    done = project.render("log")
    assert ("log: the source has an alpha channel (yuva444p12le): kept in the PNG frames, "
            "the .mov (ProRes 4444), the EXR frames; the .mp4 (H.264) drops it") in done.stderr
    # plates: the display-referred picture, 16-bit, with the alpha
    to_display = DisplayTransform(BUILTIN_OCIO_CONFIG, "ARRI LogC3 (EI800)",
                                  "sRGB - Display", "Un-tone-mapped")
    plate = cv2.imread(str(project.work / "log" / "plates" / "log.1002.png"), cv2.IMREAD_UNCHANGED)
    assert plate.dtype == np.uint16 and plate.shape == (H, W, 4)
    shown = to_display.to_display(codes[1]).clip(0, 1)
    rgb = cv2.cvtColor(plate[..., :3], cv2.COLOR_BGR2RGB) / 65535.0
    assert np.median(np.abs(rgb - shown)) < 5e-3  # ProRes is lossy; a wrong transform is >0.05
    assert np.abs(plate[..., 3] / 65535.0 - alpha).max() < 2e-3
    # EXR: the LogC3 code values back (10-bit ProRes), alpha, timecode, rate, aspect
    for i in range(N):
        path = project.renders / "log" / "exr" / f"log.{1001 + i}.exr"
        spec, pixels = _read(path)
        assert spec.format == oiio.TypeHalf and spec.channelnames == ("R", "G", "B", "A")
        assert np.median(np.abs(pixels[..., :3] - codes[i])) < 5e-3
        assert np.abs(pixels[..., 3] - alpha).max() < 2e-3
        assert spec.getattribute("FramesPerSecond") == (24, 1)
        assert spec.getattribute("PixelAspectRatio") == 1.0
        tc = OpenEXR.File(str(path)).header()["timeCode"]
        assert (tc.hours, tc.minutes, tc.seconds, tc.frame, tc.dropFrame) == (1, 0, 0, i, False)
    # the .mov keeps the alpha (ProRes 4444), the PNG frames too (RGBA, 16-bit)
    mov = ffprobe_video(project.renders / "log" / "log_styled.mov")
    stream = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                             "stream=profile,pix_fmt:stream_tags=timecode", "-of", "csv=p=0",
                             str(project.renders / "log" / "log_styled.mov")],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert mov["frames"] == N and stream == "4444,yuva444p12le,01:00:00:00"  # as decoded
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(project.renders / "log" / "log_styled.mov"),
                          "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgba64le", "-"],
                         capture_output=True, check=True).stdout
    mov_alpha = np.frombuffer(raw, np.uint16).reshape(H, W, 4)[..., 3].astype(int)
    # the plates' alpha at ProRes's 10 bits (1/1023: 64 16-bit levels); 8 bits would be 128+
    plate_alpha = cv2.imread(str(project.work / "log" / "plates" / "log.1001.png"),
                             cv2.IMREAD_UNCHANGED)[..., 3].astype(int)
    assert np.abs(mov_alpha - plate_alpha).max() <= 64
    frame = cv2.imread(str(project.renders / "log" / "frames" / "log.1001.png"),
                       cv2.IMREAD_UNCHANGED)
    assert frame.dtype == np.uint16 and frame.shape == (H, W, 4)
    assert np.abs(frame[..., 3] / 65535.0 - alpha).max() < 2e-3
