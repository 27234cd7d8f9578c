"""pipeline.workarea.plan: the probe key of a colour-managed shot carries the
scene format (its plates and EXR render anew when that changes); a shot that is
not colour-managed keeps the key it had."""
from __future__ import annotations

from pipeline.graph.table import PROBE
from pipeline.workarea.plan import SCENE_FORMAT


def test_colour_managed_shot_carries_the_scene_format_in_its_probe_key(work):
    movie = work.plan
    assert movie.colour is None
    assert ["scene-format", SCENE_FORMAT] not in movie.source_identity
    managed = work.configure(colorspace="ACEScg")
    assert managed.colour is not None
    assert managed.source_identity[-1] == ["scene-format", SCENE_FORMAT]
    assert managed.key(PROBE) != movie.key(PROBE)
