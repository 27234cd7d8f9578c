"""Paint a keyframe by a fixed, documented procedure (a stand-in for an artist).

    python samples/paint_keyframe.py PLATE.png OUT.png

Procedure ("painterly"): OpenCV's edge-preserving stylisation
(cv2.stylization, sigma_s=60, sigma_r=0.45), then colour quantisation to 16
colours by k-means in Lab (fixed seed), then a 3 px median filter to round the
strokes. Deterministic for a given OpenCV version. The benchmark for issue #3
applies the same procedure to frames far from the keyframe and scores the
trained style against it.
"""
from __future__ import annotations

import sys

import cv2
import numpy as np


def paint(bgr: np.ndarray, colours: int = 16) -> np.ndarray:
    styl = cv2.stylization(bgr, sigma_s=60, sigma_r=0.45)
    lab = cv2.cvtColor(styl, cv2.COLOR_BGR2LAB).reshape(-1, 3).astype(np.float32)
    cv2.setRNGSeed(1234)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5)
    _, labels, centres = cv2.kmeans(lab, colours, None, criteria, 3, cv2.KMEANS_PP_CENTERS)
    quant = centres[labels.ravel()].reshape(bgr.shape).astype(np.uint8)
    out = cv2.cvtColor(quant, cv2.COLOR_LAB2BGR)
    return cv2.medianBlur(out, 3)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    img = cv2.imread(argv[1], cv2.IMREAD_COLOR)
    if img is None:
        print(f"cannot read {argv[1]}", file=sys.stderr)
        return 1
    cv2.imwrite(argv[2], paint(img))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
