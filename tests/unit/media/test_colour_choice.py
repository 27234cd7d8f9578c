"""Which colour space, display and view a shot gets, and where each came from
(``pipeline.media.colour_choice``), with a real facility-style OCIO config file
(none of the ACES names) and the pipeline's built-in config."""
from __future__ import annotations

import logging

import numpy as np
import OpenImageIO as oiio
import PyOpenColorIO as ocio
import pytest

from helpers import write_exr_sequence, write_facility_ocio_config, write_yaml
from pipeline.config import BUILTIN_OCIO_CONFIG
from pipeline.workarea.plan import ShotPlan

INFO, WARNING = logging.INFO, logging.WARNING


@pytest.fixture
def facility(tmp_path, monkeypatch):
    path = write_facility_ocio_config(tmp_path / "ocio" / "config.ocio")
    monkeypatch.setenv("OCIO", str(path))
    return path


def _exr(tmp_path, name: str) -> str:
    return write_exr_sequence(tmp_path / "plates", [np.zeros((4, 6, 3), np.float32)], name=name)


def _dpx(folder, transfer: str, bits: int = 10) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    spec = oiio.ImageSpec(6, 4, 3, oiio.UINT16)
    spec.attribute("oiio:BitsPerSample", bits)
    spec.attribute("dpx:Transfer", transfer)
    out = oiio.ImageOutput.create(str(folder / "scan.0001.dpx"))
    assert out.open(str(folder / "scan.0001.dpx"), spec), oiio.geterror()
    assert out.write_image(np.zeros((4, 6, 3), np.uint16)) and out.close()
    return str(folder / "scan.####.dpx")


def test_display_and_view_default_to_the_facility_configs_own(project, facility, tmp_path):
    project.add_shot("e1", _exr(tmp_path, "bg"), fps=24)
    plan = ShotPlan.load("e1")
    assert (plan.colour.source, plan.colour.display, plan.colour.view) == (
        str(facility), "Studio Monitor", "Film")  # not 'Log Film': a viewing rule (cineon only)
    assert plan.colour_notes[-1] == (INFO, (
        "e1: display 'Studio Monitor' (the OCIO config's default display), view 'Film' (the "
        "OCIO config's default view for 'lin_rec709'); 16-bit plates"))
    project.add_shot("e1", _exr(tmp_path, "bg"), fps=24, colorspace="cineon")
    assert ShotPlan.load("e1").colour.view == "Log Film"  # the viewing rule lets it be first
    write_yaml(project.configs / "styles" / "raw.yaml", {
        "checkpoint": "../../styles/tiny.pt", "view": "Raw"})
    project.add_shot("e1", _exr(tmp_path, "bg"), fps=24, style="raw")
    plan = ShotPlan.load("e1")
    assert (plan.colour.display, plan.colour.view) == ("Studio Monitor", "Raw")
    assert plan.colour_notes[-1][1] == ("e1: display 'Studio Monitor' (the OCIO config's "
                                        "default display), view 'Raw' (style 'raw'); "
                                        "16-bit plates")


def test_the_builtin_default_config_keeps_srgb_display_un_tone_mapped(project, tmp_path,
                                                                      monkeypatch):
    """Only the pipeline's built-in default keeps today's display, view and EXR colour
    space; the same config named by $OCIO is a user's config and has its own defaults
    (its default view tone-maps, and its file rule takes an EXR as ACES2065-1)."""
    project.add_shot("e1", _exr(tmp_path, "bg"), fps=24)
    plan = ShotPlan.load("e1")
    assert (plan.colour.source, plan.colour.colorspace, plan.colour.display,
            plan.colour.view) == (BUILTIN_OCIO_CONFIG, "ACEScg", "sRGB - Display",
                                  "Un-tone-mapped")
    assert plan.colour_notes == (
        (INFO, f"e1: colour-managed with OCIO config {BUILTIN_OCIO_CONFIG}: input colour "
               f"space 'ACEScg' (the config's scene_linear role, the default for EXR)"),
        (INFO, "e1: display 'sRGB - Display' (the pipeline's default with its built-in OCIO "
               "config), view 'Un-tone-mapped' (the pipeline's default with its built-in "
               "OCIO config); 16-bit plates"))
    monkeypatch.setenv("OCIO", BUILTIN_OCIO_CONFIG)
    plan = ShotPlan.load("e1")
    assert (plan.colour.colorspace, plan.colour.display, plan.colour.view) == (
        "ACES2065-1", "sRGB - Display", "ACES 2.0 - SDR 100 nits (Rec.709)")
    assert plan.colour_notes[0][1].endswith("input colour space 'ACES2065-1' (file rule 'EXR' "
                                            "of the OCIO config)")


def test_file_rules_pick_the_input_colour_space_and_the_line_says_so(project, facility,
                                                                      tmp_path):
    project.add_shot("cg", _exr(tmp_path, "cg_plate"), fps=24)
    plan = ShotPlan.load("cg")
    assert plan.colour.colorspace == "lin_ap1"
    assert plan.colour_notes[0] == (INFO, f"cg: colour-managed with OCIO config {facility}: "
                                          f"input colour space 'lin_ap1' (file rule 'CG' of "
                                          f"the OCIO config)")
    project.add_shot("cg", _exr(tmp_path, "cg_plate"), fps=24, colorspace="lin_rec709")
    assert ShotPlan.load("cg").colour.colorspace == "lin_rec709"  # the shot's key wins
    project.add_shot("bg", _exr(tmp_path, "bg"), fps=24)  # only the default rule matches
    plan = ShotPlan.load("bg")
    assert plan.colour.colorspace == "lin_rec709"
    assert plan.colour_notes[0][1].endswith("'lin_rec709' (the config's scene_linear role, "
                                            "the default for EXR)")
    project.add_shot("sc", _dpx(tmp_path / "scan", "Printing density"), fps=24)
    assert ShotPlan.load("sc").colour.colorspace == "cineon"  # the rule before the header


def test_a_format_default_the_config_lacks_gives_way_to_its_default_rule(project, facility,
                                                                         tmp_path):
    project.add_shot("p1", tmp_path / "png" / "p1.####.png", fps=24, output={"exr": True})
    plan = ShotPlan.load("p1")
    assert plan.colour.colorspace == "lin_rec709"
    assert plan.colour_notes[0][1].endswith(
        "'lin_rec709' (the OCIO config's default file rule; the default for image sequences, "
        "sRGB - Texture, is not in the config)")


def test_a_dpx_header_that_says_printing_density_or_log_is_not_read_as_srgb(project, tmp_path):
    project.add_shot("pd", _dpx(tmp_path / "pd", "Printing density"), fps=24)
    plan = ShotPlan.load("pd")
    assert plan.colour.colorspace == "ADX10"
    assert plan.colour_notes[0][1].endswith("input colour space 'ADX10' (the DPX header: "
                                            "printing density, 10-bit)")
    project.add_shot("lg", _dpx(tmp_path / "lg", "Logarithmic"), fps=24)
    plan = ShotPlan.load("lg")
    path = project.configs / "shots" / "lg.yaml"
    assert plan.colour.colorspace == "sRGB Encoded Rec.709 (sRGB)"
    assert [n for n in plan.colour_notes if n[0] == WARNING] == [(WARNING, (
        f"lg: the DPX header of scan.0001.dpx says its transfer is 'Logarithmic' (10-bit), "
        f"which OCIO config {BUILTIN_OCIO_CONFIG} has no colour space for: read as "
        f"'sRGB Encoded Rec.709 (sRGB)' (the default for DPX); set 'colorspace' in {path} "
        f"to the scan's colour space"))]
    project.add_shot("lg", _dpx(tmp_path / "lg", "Logarithmic"), fps=24, colorspace="ACEScct")
    plan = ShotPlan.load("lg")  # the shot says what it is: no warning
    assert plan.colour.colorspace == "ACEScct" and WARNING not in dict(plan.colour_notes)
    project.add_shot("un", _dpx(tmp_path / "un", "Unspecified"), fps=24)
    plan = ShotPlan.load("un")  # an undefined transfer: the DPX default, as before
    assert plan.colour.colorspace == "sRGB Encoded Rec.709 (sRGB)"
    assert WARNING not in dict(plan.colour_notes)


def test_a_latest_config_name_is_allowed_with_one_warning(project, tmp_path, monkeypatch):
    project.add_shot("e1", _exr(tmp_path, "bg"), fps=24)
    assert WARNING not in dict(ShotPlan.load("e1").colour_notes)
    monkeypatch.setenv("OCIO", "ocio://studio-config-latest")
    plan = ShotPlan.load("e1")
    name = ocio.Config.CreateFromFile("ocio://studio-config-latest").getName()
    assert [n for n in plan.colour_notes if n[0] == WARNING] == [(WARNING, (
        f"e1: OCIO config ocio://studio-config-latest is a built-in config without a "
        f"version: another OpenColorIO may make it another config (today {name}); name the "
        f"version, ocio://{name}, to keep the plates' colours"))]
