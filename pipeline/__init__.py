"""shotstyle library: everything a render does, usable without Luigi.

Subpackages follow a shot through the pipeline:

* ``media``: files in and out: FFmpeg (probe, decode, encode), image
  sequences and frame numbers, image headers, pixel I/O, atomic writes,
  read-ahead / write-behind streaming.
* ``temporal``: optical flow, scene cuts, the flicker smoother, E_warp / SSIM / PSNR.
* ``workarea``: a shot's plan (paths and stage keys), manifests, when a stage
  is done, failure records, ``status`` and ``rerun``.
* ``graph``: the stage table (``graph/table.py``), chunks and the shot's
  graph of (stage, chunk) nodes: what every node reads.
* ``stages``: one module per stage (``stages/<stage>.py``, function
  ``run(ctx)``, listed in ``stages.registry.RUN``), plus style training.

At the top: ``config`` (typed YAML configs), ``errors`` (one-line user errors)
and ``cli`` (``python -m pipeline``). ``tasks/`` wires the stages into Luigi.
"""
__version__ = "0.1.0"
