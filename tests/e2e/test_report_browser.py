"""The report page in a real browser: headless Chromium loads renders/<shot>/report.html
over HTTP from the render folder, every image decodes, the E_warp plot is drawn,
and a screenshot is taken. `make test` installs Chromium where it can; without
it this test skips, except under CI=true where it fails."""
from __future__ import annotations

import functools
import html
import json
import math
import os
import re
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
import pytest

from helpers import ffprobe_video, make_clip

pytestmark = pytest.mark.slow

# A page on the same origin as the report: it frames report.html and, once the
# frame has loaded (images included), writes what it found into its own DOM,
# which Chromium's --dump-dom prints. The report itself has no scripts.
PROBE = """<!doctype html><meta charset="utf-8"><body>
<iframe id="r" width="1280" height="4000"></iframe>
<pre id="result">pending</pre>
<script>
// the page to probe: after the "?" (a version's own page), else renders/<shot>/report.html
document.getElementById("r").src = location.search.slice(1) || "report.html";
document.getElementById("r").addEventListener("load", () => {
  const d = document.getElementById("r").contentDocument;
  // rect: where the layout puts the image on the page, in fractional CSS pixels
  // (i.width / i.height are those sizes rounded, not the pixels it is painted on)
  const imgs = Array.from(d.images).map(i => { const r = i.getBoundingClientRect();
    return {src: i.getAttribute("src"), complete: i.complete, w: i.naturalWidth,
            h: i.naturalHeight, shown: [i.width, i.height],
            rect: [r.left + d.defaultView.scrollX, r.top + d.defaultView.scrollY, r.width,
                   r.height]}; });
  const svg = d.querySelector("svg");
  const page = {title: d.title, images: imgs,
                plot_paths: svg ? svg.querySelectorAll("path, polyline").length : 0,
                text: d.body.innerText.slice(0, 20000), video: null};
  const done = () => { document.getElementById("result").textContent = JSON.stringify(page); };
  const v = d.querySelector("video");
  if (!v) { done(); return; }
  // play the review movie: it must decode (ready state) and its time advance
  const started = () => {
    const t0 = v.currentTime;
    v.play().catch(e => { page.video = {src: v.currentSrc, playError: String(e)}; done(); });
    setTimeout(() => {
      page.video = {src: v.currentSrc, readyState: v.readyState, t0: t0,
                    t1: v.currentTime, w: v.videoWidth, h: v.videoHeight,
                    error: v.error && v.error.code};
      done();
    }, 800);
  };
  v.addEventListener("error", () => { page.video = {src: v.currentSrc, error: v.error && v.error.code}; done(); });
  if (v.readyState >= 2) { started(); return; }
  v.addEventListener("loadeddata", started, {once: true});
  v.preload = "auto";
  v.load();
});
</script>"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI") == "true":
        pytest.fail("Chromium is missing under CI: `make test` should have installed it")
    pytest.skip("Chromium not installed (make test installs it as root: apt-get install chromium)")


def _browser_args(profile: Path) -> list[str]:
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars", f"--user-data-dir={profile}", "--virtual-time-budget=10000",
            "--autoplay-policy=no-user-gesture-required"]


class _Handler(SimpleHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path.split("?")[0] == "/__probe.html":
            body = PROBE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def served(project, tmp_path):
    """Render a tiny shot and serve its render folder on 127.0.0.1 (free port)."""
    browser = _chromium()
    clip = make_clip(tmp_path / "web clip.mov", 64, 37, frames=24, fps="24", pix_fmt="yuv444p")
    project.add_shot("web", clip)
    project.render("web")
    folder = project.renders / "web"
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(_Handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield browser, f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    server.server_close()


def _probe(browser: str, url: str, profile: Path) -> dict:
    """What the probe page found in the report page it framed."""
    dom = subprocess.run([browser, *_browser_args(profile), "--dump-dom", url],
                         capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r'<pre id="result">(.*?)</pre>', dom.stdout, re.S)
    assert found and found.group(1) != "pending", dom.stdout[-2000:]
    return json.loads(html.unescape(found.group(1)))


def test_report_page_renders_in_headless_chromium(served, tmp_path):
    browser, base, folder = served
    report = json.loads((folder / "report.json").read_text())
    expected_images = sum(len(row["images"]) for row in report["contact_sheet"])

    page = _probe(browser, f"{base}/__probe.html", tmp_path / "profile1")
    assert page["title"] == "shotstyle report: web v001"
    assert len(page["images"]) == expected_images >= 9  # plate/stylised/final x >= 3 frames
    broken = [i for i in page["images"] if not (i["complete"] and i["w"] > 0 and i["h"] > 0)]
    assert not broken, broken
    assert page["plot_paths"] >= 1, "the E_warp plot has no line"
    for text in ("E_warp", "stylised", "final", "Stage timings", "Review movie"):
        assert text in page["text"], text
    # the review movie plays in the page: 4:2:0 H.264, padded to even from 64x37
    mp4 = ffprobe_video(folder / "web_styled.mp4")
    assert (mp4["pix_fmt"], mp4["width"], mp4["height"]) == ("yuv420p", 64, 38)
    video = page["video"]
    # through renders/web/report.html, the version's own name (v001/web_v001.mp4, beside
    # the page in its version folder) is not found and the player takes today's name
    assert video["src"] == f"{base}/web_styled.mp4" and video["error"] is None, video
    assert video["readyState"] >= 2 and (video["w"], video["h"]) == (64, 38), video
    assert video["t1"] > video["t0"], str(video)  # its time advanced: it played
    # the version's own page, in its folder, plays the version's own movie
    own = _probe(browser, f"{base}/__probe.html?v001/report.html", tmp_path / "profile3")
    assert own["title"] == page["title"] and len(own["images"]) == expected_images
    assert all(i["complete"] and i["w"] > 0 for i in own["images"]), own["images"]
    assert own["video"]["src"] == f"{base}/v001/web_v001.mp4" and own["video"]["readyState"] >= 2

    shot = tmp_path / "report.png"
    cap = subprocess.run([browser, *_browser_args(tmp_path / "profile2"),
                          "--window-size=1280,2400", f"--screenshot={shot}",
                          f"{base}/report.html"], capture_output=True, text=True, timeout=120)
    assert cap.returncode == 0 and shot.is_file(), cap.stderr[-2000:]
    img = cv2.imread(str(shot))
    assert img is not None and img.shape[:2] == (2400, 1280)
    img = img.astype("float32")
    # every frame of the contact sheet is painted on the page: find each
    # thumbnail (the files the page links), at the size it is painted, in the
    # screenshot, where the page lays it out
    painted = {i["src"]: _painted(i["rect"]) for i in page["images"]}
    for row in report["contact_sheet"]:
        for label, src in row["images"].items():
            x, y, w, h = painted[src]
            assert y + h <= img.shape[0] and x + w <= img.shape[1], (row["frame"], label, y + h)
            thumb = cv2.resize(cv2.imread(str(folder / src)), (w, h),
                               interpolation=cv2.INTER_LINEAR).astype("float32")
            sqdiff = float(((img[y:y + h, x:x + w] - thumb) ** 2).mean())
            # seen: RMS ~1 level where it is shown; anywhere else RMS > 30 (and
            # RMS ~10 at a size one pixel off)
            assert sqdiff < 100, (row["frame"], label, sqdiff, (x, y, w, h))


def _painted(rect: list[float]) -> tuple[int, int, int, int]:
    """The screen pixels (x, y, width, height) Chromium paints an image laid out
    at ``rect`` (CSS pixels at scale 1, fractional) on: each edge snapped to the
    nearest pixel, so an image 41.2 px high covers 41 or 42 rows depending on
    where its top falls (the rounded ``img.height`` is not always what is painted);
    a half pixel rounds up, not to even as Python's ``round``."""
    left, top, width, height = rect
    x, y = math.floor(left + 0.5), math.floor(top + 0.5)
    return (x, y, math.floor(left + width + 0.5) - x, math.floor(top + height + 0.5) - y)
