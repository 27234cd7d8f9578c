"""What the editorial tests build cuts of: OTIO clips on a take with timecode
01:00:00:00 and its available range, dissolves, one-track ``.otio`` timelines, EDL events,
and ``python -m pipeline shots-from-edit`` run with its exit code and output."""
from __future__ import annotations

from pathlib import Path

import opentimelineio as otio
import yaml

from pipeline.cli import main

RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange
TAKE_TC = 86400  # 01:00:00:00 at 24 frames/s


def run(capsys, *args: str) -> tuple[int, str, str]:
    """``python -m pipeline shots-from-edit ARGS --style oil``: exit code, stdout, stderr."""
    code = main(["shots-from-edit", *args, *([] if "--style" in args else ["--style", "oil"])])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def take_ref(path: Path, available: bool = True) -> otio.schema.ExternalReference:
    return otio.schema.ExternalReference(
        target_url=path.as_uri() if path.is_absolute() else str(path),
        available_range=TR(RT(TAKE_TC, 24), RT(48, 24)) if available else None)


def clip(name: str, ref=None, cut_in: int = 10, length: int = 6, effects=()) -> otio.schema.Clip:
    """A clip of ``length`` frames from ``cut_in`` frames into the take."""
    item = otio.schema.Clip(name=name, media_reference=ref or otio.schema.MissingReference(),
                            source_range=TR(RT(TAKE_TC + cut_in, 24), RT(length, 24)))
    item.effects.extend(effects)
    return item


def dissolve(frames: int) -> otio.schema.Transition:
    """A dissolve of ``frames`` frames centred on its cut."""
    return otio.schema.Transition(transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                  in_offset=RT(frames // 2, 24),
                                  out_offset=RT(frames - frames // 2, 24))


def write_otio(path: Path, *items, kind: str = otio.schema.TrackKind.Video) -> Path:
    """A timeline of one track holding ``items``."""
    timeline = otio.schema.Timeline(name="cut")
    timeline.tracks.append(otio.schema.Track(name="V1", kind=kind, children=list(items)))
    otio.adapters.write_to_file(timeline, str(path))
    return path


def edl(path: Path, *events: str) -> Path:
    path.write_text("TITLE: cut\nFCM: NON-DROP FRAME\n\n" + "\n".join(events) + "\n")
    return path


def event(number: int, src_in: str, src_out: str, rec_in: str, rec_out: str,
          name: str = "take1.mov", reel: str = "AX", extra: str = "") -> str:
    return (f"{number:03d}  {reel}       V     C        01:00:{src_in} 01:00:{src_out} "
            f"00:00:{rec_in} 00:00:{rec_out}\n{extra}* FROM CLIP NAME: {name}\n")


def read_shot(path: Path) -> dict:
    return yaml.safe_load(path.read_text())
