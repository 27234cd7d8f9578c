"""Colour management with OpenColorIO: which shots are colour-managed, names checked
at load with one clear line, $OCIO honoured, exact round trips for display values."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import write_exr_sequence, write_facility_ocio_config, write_yaml
from pipeline.config import BUILTIN_OCIO_CONFIG, PipelineConfig
from pipeline.errors import ConfigError
from pipeline.media import colour
from pipeline.media.colour import DisplayTransform
from pipeline.workarea.plan import ShotPlan


@pytest.fixture
def exr_source(tmp_path) -> str:
    return write_exr_sequence(tmp_path / "plates", [np.zeros((4, 6, 3), np.float32)])


def test_exr_and_dpx_sequences_are_colour_managed_movies_are_not(project, exr_source, tmp_path):
    project.add_shot("m1", tmp_path / "clip.mov")
    assert ShotPlan.load("m1").colour is None and not ShotPlan.load("m1").settings.writes_exr
    project.add_shot("e1", exr_source, fps=24)
    plan = ShotPlan.load("e1")
    assert plan.colour == DisplayTransform("ocio://studio-config-v5.0.0_aces-v2.1_ocio-v2.6", "ACEScg",
                                           "sRGB - Display", "Un-tone-mapped")
    assert plan.settings.writes_exr
    project.add_shot("d1", str(tmp_path / "scan" / "d1.####.dpx"), fps=24)
    assert ShotPlan.load("d1").colour.colorspace == "sRGB Encoded Rec.709 (sRGB)"
    project.add_shot("e2", exr_source, fps=24, colorspace="ARRI LogC3 (EI800)",
                     view="ACES 2.0 - SDR 100 nits (Rec.709)", output={"exr": False})
    plan = ShotPlan.load("e2")
    assert (plan.colour.colorspace, plan.colour.view, plan.settings.writes_exr) == (
        "ARRI LogC3 (EI800)", "ACES 2.0 - SDR 100 nits (Rec.709)", False)
    assert plan.keys.key("plates") != ShotPlan.load("e1").keys.key("plates")


def test_unknown_names_stop_at_load_with_close_names(project, exr_source):
    path = project.add_shot("e1", exr_source, fps=24, colorspace="ACEScgg")
    with pytest.raises(ConfigError) as err:
        ShotPlan.load("e1")
    assert str(err.value) == (f"{path}: key 'colorspace': unknown colour space 'ACEScgg' in "
                              f"OCIO config ocio://studio-config-v5.0.0_aces-v2.1_ocio-v2.6 (close: ACEScg, "
                              f"ACEScc, ACEScct, ACES - ACEScg)")
    project.add_shot("e1", exr_source, fps=24, view="Filmic")
    with pytest.raises(ConfigError) as err:
        ShotPlan.load("e1")
    assert str(err.value) == (f"{path}: key 'display'/'view': unknown view 'Filmic' for "
                              f"display 'sRGB - Display' (views: ACES 2.0 - SDR 100 nits "
                              f"(Rec.709), Un-tone-mapped, Video (colorimetric), Raw)")


def test_movies_are_colour_managed_when_given_a_colour_space(project, tmp_path):
    project.add_shot("m1", tmp_path / "clip.mov", colorspace="ARRI LogC3 (EI800)")
    plan = ShotPlan.load("m1")  # a log ProRes: through OCIO, no EXR unless asked
    assert plan.colour.colorspace == "ARRI LogC3 (EI800)" and not plan.settings.writes_exr
    project.add_shot("m1", tmp_path / "clip.mov", colorspace="ACEScct", output={"exr": True})
    assert ShotPlan.load("m1").settings.writes_exr
    path = project.add_shot("m1", tmp_path / "clip.mov", output={"exr": True})
    with pytest.raises(ConfigError) as err:
        ShotPlan.load("m1")
    assert str(err.value) == (f"{path}: key 'output.exr': EXR output of a movie needs its "
                              f"colour space: set 'colorspace' (e.g. 'ARRI LogC3 (EI800)', "
                              f"'sRGB - Texture')")
    project.add_shot("p1", tmp_path / "scan" / "p1.####.png", fps=24, output={"exr": True})
    plan = ShotPlan.load("p1")  # a PNG sequence asking for EXR: taken as sRGB-encoded
    assert plan.settings.writes_exr and plan.colour.colorspace == "sRGB Encoded Rec.709 (sRGB)"


def test_display_and_view_from_the_shot_else_the_style_else_the_pipeline(project, exr_source):
    write_yaml(project.configs / "styles" / "filmic.yaml", {
        "checkpoint": "../../styles/tiny.pt", "view": "ACES 2.0 - SDR 100 nits (Rec.709)"})
    project.add_shot("e1", exr_source, fps=24, style="filmic")
    assert ShotPlan.load("e1").colour.view == "ACES 2.0 - SDR 100 nits (Rec.709)"
    project.add_shot("e1", exr_source, fps=24, style="filmic", view="Video (colorimetric)")
    assert ShotPlan.load("e1").colour.view == "Video (colorimetric)"
    project.add_shot("e1", exr_source, fps=24)
    assert ShotPlan.load("e1").colour.view == "Un-tone-mapped"
    write_yaml(project.configs / "styles" / "bad.yaml", {
        "checkpoint": "../../styles/tiny.pt", "display": "Rec.709 - Display"})
    project.add_shot("e1", exr_source, fps=24, style="bad")
    with pytest.raises(ConfigError) as err:
        ShotPlan.load("e1")
    assert str(err.value).startswith("style 'bad': key 'display'/'view': unknown display "
                                     "'Rec.709 - Display' in OCIO config "
                                     "ocio://studio-config-v5.0.0_aces-v2.1_ocio-v2.6 (close: ")


def test_ocio_environment_variable_wins(project, exr_source, monkeypatch):
    monkeypatch.setenv("OCIO", "ocio://cg-config-latest")
    project.add_shot("e1", exr_source, fps=24)
    assert ShotPlan.load("e1").colour.source == "ocio://cg-config-latest"
    monkeypatch.setenv("OCIO", "/nowhere/config.ocio")
    with pytest.raises(ConfigError, match=r"^OCIO config /nowhere/config.ocio: cannot load it"):
        ShotPlan.load("e1")


def test_display_values_survive_the_round_trip_and_highlights_clip_only_on_screen():
    t = DisplayTransform("ocio://studio-config-v5.0.0_aces-v2.1_ocio-v2.6", "ACEScg", "sRGB - Display",
                         "Un-tone-mapped")
    display = np.random.RandomState(0).rand(16, 16, 3).astype(np.float32)
    back = t.to_display(t.from_display(display))
    assert np.abs(back - display).max() < 1e-4
    bright = np.full((2, 2, 3), 4.0, np.float32)
    assert t.to_display(bright).min() > 1.0  # above display white: clipped on the plates


def test_the_default_config_is_a_versioned_builtin_name():
    import PyOpenColorIO as ocio
    default = PipelineConfig().ocio_config
    assert default == BUILTIN_OCIO_CONFIG and not colour.moves_with_the_wheel(default)
    assert default[len("ocio://"):] in set(ocio.BuiltinConfigRegistry())
    assert colour.moves_with_the_wheel("ocio://studio-config-latest")
    assert colour.moves_with_the_wheel("ocio://default")


def test_editing_the_config_file_changes_its_identity_and_the_plates_key(project, exr_source,
                                                                         tmp_path, monkeypatch):
    """The key holds the config's content, not its path: an edit in the same process
    is seen (the file is loaded again) and redoes the plates; a move does not; a
    movie, which is not colour-managed, keeps its key."""
    config = write_facility_ocio_config(tmp_path / "ocio" / "config.ocio", film_gamma=2.2)
    monkeypatch.setenv("OCIO", str(config))
    project.add_shot("e1", exr_source, fps=24)
    project.add_shot("m1", tmp_path / "clip.mov")
    before = ShotPlan.load("e1")
    identity, key = before.keys.colour_identity, before.keys.key("plates")
    mid_grey = np.full((1, 1, 3), 0.18, np.float32)
    assert identity[0] == colour.load_config(str(config)).getCacheID()
    assert str(config) not in identity
    assert np.allclose(before.colour.to_display(mid_grey), 0.18 ** (1 / 2.2), atol=1e-4)
    movie_key = ShotPlan.load("m1").keys.key("plates")
    write_facility_ocio_config(config, film_gamma=2.4)  # the 'Film' view's curve changes
    after = ShotPlan.load("e1")
    assert after.colour == before.colour  # same names ...
    assert after.keys.colour_identity != identity  # ... another config
    assert after.keys.key("plates") != key
    assert np.allclose(after.colour.to_display(mid_grey), 0.18 ** (1 / 2.4), atol=1e-4)
    assert ShotPlan.load("m1").keys.key("plates") == movie_key
    moved = tmp_path / "elsewhere" / "facility.ocio"
    moved.parent.mkdir()
    moved.write_bytes(config.read_bytes())
    monkeypatch.setenv("OCIO", str(moved))
    assert ShotPlan.load("e1").keys.colour_identity == after.keys.colour_identity
