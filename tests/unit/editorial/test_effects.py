"""pipeline.editorial.effects: speed changes refused (OTIO's LinearTimeWarp
and FreezeFrame, an EDL's M2, FCP's Time Remap) and other effects warned
(docs/BAD_INPUT.md, "Reading an edit")."""
from __future__ import annotations

import opentimelineio as otio

from .cuts import clip, edl, event, run, take_ref, write_otio


SPEED = "speed changes are not rendered (a shot takes its source frames 1:1); make the " \
        "retimed media and cut that, or remove it"


def test_speed_effects_are_refused_and_other_effects_warned(edit, configs, capsys):
    ref = take_ref(edit / "take1.mov")
    cut = write_otio(edit / "cut.otio",
                     clip("fast", ref, effects=[otio.schema.LinearTimeWarp(time_scalar=2.0)]),
                     clip("held", ref.clone(), effects=[otio.schema.FreezeFrame()]),
                     clip("same", ref.clone(), effects=[otio.schema.LinearTimeWarp()]),
                     clip("blur", ref.clone(), effects=[otio.schema.Effect(effect_name="Blur")]))
    assert run(capsys, str(cut)) == (
        1, f"wrote {configs / 'shots' / 'same.yaml'}\nwrote {configs / 'shots' / 'blur.yaml'}\n",
        f"shotstyle: warning: {cut}: clip 1 (fast): a LinearTimeWarp effect (speed 2x, 200%): "
        f"{SPEED}\n"
        f"shotstyle: warning: {cut}: clip 2 (held): a FreezeFrame effect (a held frame): "
        f"{SPEED}\n"
        f"shotstyle: warning: {cut}: clip 4 (blur): its effect 'Blur' is not applied: the shot "
        f"holds the source frames as they are\n")


def test_an_edl_m2_speed_change_is_refused(edit, configs, capsys):
    cut = edl(edit / "m2.edl",
              event(1, "00:00", "00:20", "00:00", "00:10",
                    extra="M2   AX       048.0                01:00:00:00\n"),
              event(2, "00:20", "01:06", "00:10", "00:20"))
    assert run(capsys, str(cut)) == (
        1, f"wrote {configs / 'shots' / 'take1.yaml'}\n",
        f"shotstyle: warning: {cut}: clip 1 (take1.mov): a LinearTimeWarp effect (speed 2x, "
        f"200%): {SPEED}\n")


def test_an_fcp_xml_time_remap_is_refused(edit, configs, capsys):
    timeline = otio.schema.Timeline(name="cut")
    timeline.tracks.append(otio.schema.Track(children=[clip("ramp", take_ref(edit /
                                                                             "take1.mov"))]))
    xml = otio.adapters.write_to_string(timeline, "fcp_xml")
    remap = ("<filter><effect><name>Time Remap</name><effectid>timeremap</effectid>"
             "<effecttype>motion</effecttype><mediatype>video</mediatype></effect></filter>")
    assert xml.count("</clipitem>") == 1
    cut = edit / "cut.xml"
    cut.write_text(xml.replace("</clipitem>", remap + "</clipitem>"))
    assert run(capsys, str(cut)) == (
        1, "", f"shotstyle: warning: {cut}: clip 1 (ramp): a 'Time Remap' effect (FCP's Time "
               f"Remap: a speed change): {SPEED}\n")
