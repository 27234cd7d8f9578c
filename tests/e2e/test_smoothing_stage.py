"""The flow / smooth / metrics stages through the real `luigi` CLI.

The shot is a PNG sequence of a textured image panned by whole pixels, with a
hard cut to another texture, stylised by a TorchScript "style" that shifts
each frame's colours by an amount that depends on the frame (flicker).
"""
from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from helpers import add_torchscript_style, read_frames, write_yaml

pytestmark = pytest.mark.slow

H, W, PAN = 64, 96, 2
N, CUT = 14, 8  # frame index CUT (frame 1001 + CUT) starts the second scene
FIRST = 1001


def _texture(width: int, seed: int, tint) -> np.ndarray:
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (H // 6 + 2, width // 6 + 2, 3)).astype(np.uint8)
    tex = cv2.resize(coarse, (width, H), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    return np.clip(tex * np.asarray(tint, np.float32), 0, 255).astype(np.uint8)


def write_panned_shot(folder) -> str:
    """Frames 1..N; frame t shows texture columns [t*PAN, t*PAN + W)."""
    folder.mkdir(parents=True)
    scenes = [_texture(W + PAN * N, 0, (1.0, 1.0, 1.0)), _texture(W + PAN * N, 7, (0.5, 0.8, 1.3))]
    for t in range(N):
        tex = scenes[0] if t < CUT else scenes[1]
        frame = tex[:, t * PAN:t * PAN + W]
        cv2.imwrite(str(folder / f"pan.{t + 1:04d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    return str(folder / "pan.####.png")


def write_flicker_style(project, tmp_path) -> None:
    import torch
    from torch import nn

    class Flicker(nn.Module):
        """x plus a colour shift that changes from frame to frame (per-sample ops only,
        so a frame's output does not depend on the batch it is in)."""

        def forward(self, x):
            phase = torch.sin(x.mean(dim=(1, 2, 3), keepdim=True) * 4000.0)
            shift = torch.cat([phase, -phase, 0.5 * phase], dim=1) * 0.12
            return (x + shift).clamp(-1.0, 1.0)

    add_torchscript_style(project, "flicker", Flicker(), size_multiple=1)


def _along_motion_change(frames: dict, names: list) -> float:
    """Mean |frame t - frame t-1 moved by the known pan| over consecutive pairs."""
    diffs = []
    for a, b in zip(names, names[1:]):
        prev, cur = frames[a].astype(np.float32), frames[b].astype(np.float32)
        diffs.append(np.abs(cur[:, :W - PAN] - prev[:, PAN:]).mean())
    return float(np.mean(diffs))


def _manifest_mtimes(work):
    return {p.relative_to(work).as_posix(): p.stat().st_mtime_ns
            for p in work.rglob("*.json")}


def render_panned_shot(project, tmp_path, shot: str, chunk_size: int) -> dict:
    """Write the panned shot and the flicker style, render; returns the shot config."""
    write_flicker_style(project, tmp_path)
    shot_cfg = {"source": write_panned_shot(tmp_path / "pan"), "style": "flicker", "fps": "24",
                "chunk_size": chunk_size, "output": {"mov": False, "mp4": False, "frames": True}}
    write_yaml(project.configs / "shots" / f"{shot}.yaml", shot_cfg)
    project.render(shot)
    return shot_cfg


def test_smoothing_stage_flicker_cut_chunks_and_rerun(project, tmp_path):
    shot_cfg = render_panned_shot(project, tmp_path, "p01", chunk_size=5)
    work = project.work / "p01"
    names = [f"p01.{f}.png" for f in range(FIRST, FIRST + N)]
    plates, styled = read_frames(work / "plates"), read_frames(work / "styled")
    final = read_frames(work / "final")
    assert list(final) == names

    # Flow is cached per frame (none for the first frame) and the cut is found.
    flows = sorted(p.name for p in (work / "flow").glob("*.npz"))
    assert flows == [f"p01.{f}.npz" for f in range(FIRST + 1, FIRST + N)]
    cuts = [c for p in sorted((work / "flow" / "chunks").glob("*.json"))
            for c in json.loads(p.read_text())["cuts"]]
    assert cuts == [FIRST + CUT]

    # The first frame and the first frame after the cut are the stylised frames
    # themselves (history reset); frames after them are smoothed.
    cut_name = names[CUT]
    assert np.array_equal(final[names[0]], styled[names[0]])
    assert np.array_equal(final[cut_name], styled[cut_name])
    assert not np.array_equal(final[names[CUT + 1]], styled[names[CUT + 1]])

    # Along the known motion the stylised frames flicker and the final ones
    # are nearly constant; the plates themselves do not change at all.
    scene1, scene2 = names[:CUT], names[CUT:]
    assert _along_motion_change(plates, scene1) < 0.5
    for scene in (scene1, scene2):
        before, after = _along_motion_change(styled, scene), _along_motion_change(final, scene)
        assert before > 8.0, before
        assert after < 0.35 * before, (before, after)

    # The metrics stage agrees: E_warp cut to well under a third, style kept.
    summary = json.loads((project.renders / "p01" / "metrics.json").read_text())["summary"]
    assert summary["cuts"] == [FIRST + CUT] and summary["pairs"] == N - 2
    assert summary["final_vs_styled"] < 0.33, summary
    assert summary["ssim_final_vs_styled"] > 0.85, summary
    assert summary["ewarp_plates"] < 0.2 * summary["ewarp_styled"], summary

    # Scored in passing by the flow and smoothing stages (nothing read twice): the
    # same per-frame figures as scoring the files afterwards, chunk by chunk.
    from pipeline.stages.metrics import score_frames
    from pipeline.workarea.plan import ShotPlan
    plan = ShotPlan.load("p01")
    per_frame = {r["frame"]: r for r in
                 json.loads((project.renders / "p01" / "metrics.json").read_text())["per_frame"]}
    for chunk in plan.frames.chunks():
        a, b = chunk.first, chunk.last
        flow_manifest = json.loads((work / "flow" / "chunks" / f"{chunk.label}.json").read_text())
        assert "metrics" in flow_manifest  # the flow stage scored the plates
        from_files = score_frames(plan, a, b, set(summary["cuts"]), ("plates", "styled", "final"))
        assert set(from_files.rows) == set(range(a, b + 1))
        for f, row in from_files.rows.items():
            for key, value in row.items():
                expected = value if value is None else pytest.approx(value, rel=1e-6)
                assert per_frame[f][key] == expected, (f, key)

    # ... and the metrics command prints them.
    cli = subprocess.run([sys.executable, "-m", "pipeline", "metrics", "p01"], cwd=project.root,
                         env=project.env(), capture_output=True, text=True, check=True)
    assert "p01: temporal metrics over 14 frames" in cli.stdout
    assert f"{summary['ssim_final_vs_styled']:.4f}" in cli.stdout

    # Redo the middle smoothing chunk: it and every later chunk (they continue
    # from it), the encode, metrics and report run again; nothing upstream does.
    before = _manifest_mtimes(work)
    (work / "final" / "chunks" / "1006-1010.json").unlink()
    project.render("p01")
    after = _manifest_mtimes(work)
    redone = {k for k in after if after[k] != before.get(k)}
    assert redone == {"final/chunks/1006-1010.json", "final/chunks/1011-1014.json",
                      "encode/manifest.json", "metrics/manifest.json", "metrics/metrics.json",
                      "report/manifest.json"}, redone
    assert read_frames(work / "final").keys() == final.keys()
    for name, frame in read_frames(work / "final").items():
        assert np.array_equal(frame, final[name]), name

    # One chunk instead of three gives exactly the same frames: no seams.
    write_yaml(project.configs / "shots" / "p01.yaml", {**shot_cfg, "chunk_size": 100})
    project.render("p01")
    assert len(list((work / "final" / "chunks").glob("*.json"))) == 4  # old 3 + the new one
    styled_one = read_frames(work / "styled")
    for name in names:
        assert np.array_equal(styled_one[name], styled[name]), f"stylised {name} changed"
    one_chunk = read_frames(work / "final")
    for name in names:
        assert np.array_equal(one_chunk[name], final[name]), f"{name} depends on the chunk size"


def test_changed_strength_reuses_cached_flow(project, tmp_path):
    shot_cfg = render_panned_shot(project, tmp_path, "p02", chunk_size=7)
    work = project.work / "p02"
    before = _manifest_mtimes(work)
    final_before = read_frames(work / "final")
    write_yaml(project.configs / "shots" / "p02.yaml",
               {**shot_cfg, "smoothing": {"method": "adaptive", "strength": 0.5}})
    project.render("p02")
    after = _manifest_mtimes(work)
    for key in ("flow/chunks/1001-1007.json", "flow/chunks/1008-1014.json",
                "styled/chunks/1001-1007.json", "plates/manifest.json"):
        assert after[key] == before[key], f"{key} was redone"
    assert after["final/chunks/1008-1014.json"] != before["final/chunks/1008-1014.json"]
    final_after = read_frames(work / "final")
    assert any(not np.array_equal(final_after[k], final_before[k]) for k in final_before)


def test_metrics_command_says_how_to_compute_missing_metrics(project, tmp_path):
    write_yaml(project.configs / "shots" / "p03.yaml", {"source": str(tmp_path / "x.mov"),
                                                         "style": "tiny"})
    cli = subprocess.run([sys.executable, "-m", "pipeline", "metrics", "p03"], cwd=project.root,
                         env=project.env(), capture_output=True, text=True)
    assert cli.returncode == 2
    assert cli.stderr.strip() == (
        "shotstyle: error: p03: metrics are not current (metrics: missing); compute them "
        "with: luigi --module tasks ShotMetrics --shot p03 --local-scheduler")
