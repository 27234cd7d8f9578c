import os
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from helpers import REPO, write_yaml
from pipeline.config import (check_shot_name, load_pipeline_config, load_shot_config,
                             load_style_config, parse_fps)
from pipeline.errors import ConfigError
from pipeline.workarea.plan import ShotPlan


def test_sample_configs_load_and_resolve_paths_relative_to_their_file(monkeypatch):
    monkeypatch.delenv("SHOTSTYLE_CONFIG_DIR", raising=False)
    repo = REPO
    plan = ShotPlan.load("s01", repo / "configs")
    assert plan.cfg.first_frame == 1001
    assert Path(plan.cfg.source) == repo / "samples" / "city_s01.mpg"
    assert plan.pipeline.work_root == repo / "work"
    assert plan.style.checkpoint == repo / "samples" / "styles" / "city_paint.pt"


def test_defaults_fill_missing_keys(project, tmp_path):
    project.add_shot("a1", tmp_path / "x.mov")
    cfg = load_shot_config("a1")
    assert cfg.first_frame == 1001
    assert cfg.smoothing.method == "adaptive" and cfg.smoothing.strength == 0.9
    assert cfg.output.mov and cfg.output.mp4 and cfg.output.frames
    assert cfg.source == str(tmp_path / "x.mov")



def test_a_config_edited_between_loads_is_read_again(project, tmp_path):
    """Configs are parsed once per version of the file in a process: an edit of the
    same size, a file replaced by a rename, and a returned config changed by its
    caller never give a stale value."""
    path = project.configs / "shots" / "e1.yaml"
    path.write_text(f"source: {tmp_path / 'x.mov'}\nstyle: tiny\nfirst_frame: 1001\n")
    assert load_shot_config("e1").first_frame == 1001
    assert load_shot_config("e1").first_frame == 1001  # the kept parse
    stat = path.stat()
    path.write_text(path.read_text().replace("1001", "2001"))  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))    # and the same mtime
    assert load_shot_config("e1").first_frame == 2001
    other = tmp_path / "e1.yaml"
    other.write_text(path.read_text().replace("2001", "3001"))
    other.replace(path)
    assert load_shot_config("e1").first_frame == 3001
    path.write_text("source: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_shot_config("e1")

@pytest.mark.parametrize("data, needle", [
    ({"source": "x.mov", "style": "tiny", "first_frme": 1}, "key 'first_frme': unknown key"),
    ({"source": "x.mov", "style": "tiny", "first_frame": "1001"},
     "key 'first_frame': expected an integer, got '1001'"),
    ({"source": "x.mov", "style": "tiny", "first_frame": True}, "key 'first_frame': expected an integer"),
    ({"source": "x.mov"}, "key 'style': missing required key"),
    ({"source": "x.mov", "style": "tiny", "smoothing": {"method": "blur"}},
     "key 'smoothing.method': expected one of 'adaptive', 'flow', 'none', got 'blur'"),
    ({"source": "x.mov", "style": "tiny", "smoothing": {"strength": 1.0}},
     "key 'smoothing.strength': expected a number from 0 up to (not including) 1, got 1.0"),
    ({"source": "x.mov", "style": "tiny", "smoothing": {"strength": "high"}},
     "key 'smoothing.strength': expected a number, got 'high'"),
    ({"source": "x.mov", "style": "tiny", "smoothing": {"flow_scale": 0}},
     "key 'smoothing.flow_scale': expected a number from 0.1 to 1, got 0.0"),
    ({"source": "x.mov", "style": "tiny", "output": {"mov": "yes"}},
     "key 'output.mov': expected true or false, got 'yes'"),
    ({"source": "x.mov", "style": "tiny", "output": {"bogus": 1}}, "key 'output.bogus': unknown key"),
    ({"source": "x.mov", "style": "tiny", "output": [1]}, "key 'output': expected a mapping"),
    ({"source": "x.mov", "style": "tiny", "fps": "fast"}, "key 'fps': expected a frame rate"),
    ({"source": "x.mov", "style": "tiny", "chunk_size": 0}, "key 'chunk_size': expected an integer from 1"),
    ({"source": "x.mov", "style": "../evil"}, "key 'style': expected a style name"),
    ({"source": "x.mov", "style": "tiny", "output": {"mp4_preset": "fastest"}},
     "key 'output.mp4_preset': expected one of "),
])
def test_shot_errors_name_file_key_and_expectation(project, data, needle):
    path = write_yaml(project.configs / "shots" / "bad.yaml", data)
    with pytest.raises(ConfigError) as err:
        load_shot_config("bad")
    msg = str(err.value)
    assert msg.startswith(str(path)), msg
    assert needle in msg
    assert "\n" not in msg


def test_invalid_yaml_names_line(project):
    path = project.configs / "shots" / "broken.yaml"
    path.write_text("source: a.mov\nstyle: [unclosed\n")
    with pytest.raises(ConfigError, match=r"broken.yaml: not valid YAML \(line \d+"):
        load_shot_config("broken")


def test_top_level_must_be_mapping(project):
    (project.configs / "shots" / "list.yaml").write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="expected a mapping of keys at the top level"):
        load_shot_config("list")


def test_missing_shot_and_unknown_style(project):
    with pytest.raises(ConfigError, match="no config for shot 'nope'"):
        load_shot_config("nope")
    with pytest.raises(ConfigError, match=r"unknown style 'nope' \(known styles: tiny\)"):
        load_style_config("nope")


def test_style_checkpoint_must_exist(project):
    path = write_yaml(project.configs / "styles" / "gone.yaml", {"checkpoint": "nothing.pt"})
    with pytest.raises(ConfigError) as err:
        load_style_config("gone")
    assert str(err.value).startswith(f"{path}: key 'checkpoint': file not found: "
                                     f"{path.parent / 'nothing.pt'}")


@pytest.mark.parametrize("name", ["../x", "a/b", "..", ".hidden", "", "a b", "x/../../y"])
def test_shot_names_that_escape_the_work_root_are_refused(project, name):
    with pytest.raises(ConfigError, match="shot name"):
        ShotPlan.load(name)


def test_a_shot_name_over_128_characters_is_refused_for_its_length(project):
    name = "a" * 200
    with pytest.raises(ConfigError) as err:
        ShotPlan.load(name)
    assert str(err.value) == (f"shot name '{name}': too long (200 characters; the limit is "
                              f"128 characters)")
    assert check_shot_name("b" * 128) == "b" * 128


@pytest.mark.parametrize("name", ["/abs/path/x.yaml", "/abs/path/x", "../../x", "..\\x", "a/b",
                                  ".tiny", "tiny\n", "ti\x00ny", "ti\x1bny", "", "x" * 129])
def test_a_style_is_a_name_in_configs_styles_never_a_path(project, tmp_path, name):
    outside = write_yaml(tmp_path / "x.yaml", {"checkpoint": str(project.root / "styles" /
                                                                  "tiny.pt")})
    with pytest.raises(ConfigError) as err:
        load_style_config(name.replace("/abs/path", str(outside.parent)))
    assert str(err.value) == (
        f"style {name.replace('/abs/path', str(outside.parent))!r}: expected the name of a style "
        f"in {project.configs / 'styles'} (letters, digits, '_', '-' and '.', not a path); "
        f"known styles: tiny")
    assert not (project.work / "_styles").exists()


def test_a_style_checkpoint_that_is_a_folder_is_refused(project):
    (project.root / "models").mkdir()
    path = write_yaml(project.configs / "styles" / "dir.yaml", {"checkpoint": "../../models"})
    with pytest.raises(ConfigError) as err:
        load_style_config("dir")
    assert str(err.value) == (f"{path}: key 'checkpoint': expected a file, found a folder: "
                              f"{project.root / 'models'}")


@pytest.mark.parametrize("fps", [0, -24, "0/1", 1001])
def test_fps_out_of_range_says_greater_than_0_and_at_most_1000(project, fps):
    path = write_yaml(project.configs / "shots" / "bad.yaml",
                      {"source": "x.mov", "style": "tiny", "fps": fps})
    with pytest.raises(ConfigError) as err:
        load_shot_config("bad")
    assert str(err.value) == (f"{path}: key 'fps': expected a frame rate greater than 0 and "
                              f"at most 1000, got {fps}")


def test_source_range_is_typed_and_checked(project):
    path = write_yaml(project.configs / "shots" / "cut.yaml",
                      {"source": "x.mov", "style": "tiny",
                       "source_range": {"start": 120, "duration": 64}})
    cfg = load_shot_config("cut")
    assert (cfg.source_range.start, cfg.source_range.duration) == (120, 64)
    write_yaml(path, {"source": "x.mov", "style": "tiny",
                      "source_range": {"start": 120, "duration": 0}})
    with pytest.raises(ConfigError) as err:
        load_shot_config("cut")
    assert str(err.value).startswith(f"{path}: key 'source_range.duration': "), str(err.value)


def test_env_overrides_roots(project, monkeypatch, tmp_path):
    monkeypatch.setenv("SHOTSTYLE_WORK_ROOT", str(tmp_path / "farm" / "work"))
    monkeypatch.setenv("SHOTSTYLE_RENDER_ROOT", str(tmp_path / "farm" / "renders"))
    cfg = load_pipeline_config()
    assert cfg.work_root == tmp_path / "farm" / "work"
    assert cfg.render_root == tmp_path / "farm" / "renders"


def test_pipeline_values_checked(project):
    write_yaml(project.configs / "pipeline.yaml", {"device": "tpu"})
    with pytest.raises(ConfigError, match=r"pipeline.yaml: key 'device': expected one of 'auto', 'cpu', 'cuda'"):
        load_pipeline_config()
    write_yaml(project.configs / "pipeline.yaml", {"retries": -1})
    with pytest.raises(ConfigError, match=r"pipeline.yaml: key 'retries'"):
        load_pipeline_config()
    write_yaml(project.configs / "pipeline.yaml", {"retry_wait": "soon"})
    with pytest.raises(ConfigError, match=r"pipeline.yaml: key 'retry_wait': expected a number"):
        load_pipeline_config()


@pytest.mark.parametrize("text, want", [("24", Fraction(24)), ("23.976", Fraction(24000, 1001)),
                                        ("29.97", Fraction(30000, 1001)),
                                        ("24000/1001", Fraction(24000, 1001)), ("25", Fraction(25))])
def test_parse_fps(text, want):
    assert parse_fps(text, "x") == want


def test_stage_keys_follow_inputs(project, tmp_path):
    src = tmp_path / "a.mov"
    src.write_bytes(b"x")
    project.add_shot("k1", src)
    before = ShotPlan.load("k1")
    project.add_shot("k1", src, output={"mp4": False})
    after = ShotPlan.load("k1")
    # Output settings only change the encode stage.
    assert before.key("styled") == after.key("styled") and before.key("final") == after.key("final")
    assert before.key("encode") != after.key("encode")
    src.write_bytes(b"xy")  # new footage: everything downstream changes
    changed = ShotPlan.load("k1")
    assert changed.key("probe") != after.key("probe") and changed.key("styled") != after.key("styled")


def test_a_relative_ocio_config_is_relative_to_pipeline_yaml_and_ocio_to_the_cwd(
        project, tmp_path, monkeypatch):
    from helpers import write_facility_ocio_config
    config = write_facility_ocio_config(project.configs / "ocio" / "facility.ocio")
    pipeline_yaml = project.configs / "pipeline.yaml"
    write_yaml(pipeline_yaml, {**yaml.safe_load(pipeline_yaml.read_text()),
                               "ocio_config": "ocio/facility.ocio"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_pipeline_config().ocio_config == str(config)
    project.add_shot("e1", project.root / "plates" / "e1.####.exr", fps=24)
    assert ShotPlan.load("e1").colour.display == "Studio Monitor"
    monkeypatch.setenv("OCIO", "ocio/facility.ocio")  # $OCIO: relative to the working folder
    with pytest.raises(ConfigError, match=r"^OCIO config ocio/facility.ocio: cannot load it"):
        ShotPlan.load("e1")
    monkeypatch.chdir(project.configs)
    assert ShotPlan.load("e1").colour.source == "ocio/facility.ocio"


def test_a_shot_with_every_output_off_is_refused_with_one_line(project):
    off = {"mov": False, "mp4": False, "frames": False, "exr": False}
    path = write_yaml(project.configs / "shots" / "none.yaml",
                      {"source": "x.mov", "style": "tiny", "output": off})
    with pytest.raises(ConfigError) as err:
        load_shot_config("none")
    assert str(err.value) == (f"{path}: key 'output': nothing to deliver: mov, mp4, frames and "
                              f"exr are all off")
    # exr left to the source's default: a movie source writes none, found with the plan
    path = write_yaml(project.configs / "shots" / "none.yaml", {
        "source": "x.mov", "style": "tiny", "output": {k: v for k, v in off.items() if k != "exr"}})
    assert load_shot_config("none").output.exr is None
    with pytest.raises(ConfigError) as err:
        ShotPlan.load("none")
    assert str(err.value) == (f"{path}: key 'output': nothing to deliver: mov, mp4, frames and "
                              f"exr (off by default for this source) are all off")


def _billion_laughs() -> str:
    lines = ["checkpoint: tiny.pt", "model:", '  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in "bcdefghi":
        prev = chr(ord(level) - 1)
        lines.append(f"  {level}: &{level} [{', '.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_style_is_refused_fast_with_one_line(project):
    import time
    path = project.configs / "styles" / "laughs.yaml"
    path.write_text(_billion_laughs())
    assert len(path.read_bytes()) < 700
    start = time.monotonic()
    with pytest.raises(ConfigError) as err:
        load_style_config("laughs")
    assert time.monotonic() - start < 2.0
    assert str(err.value) == (f"{path}: its aliases expand it past 10,000 keys and values, "
                              f"more than a config may hold: write the values out")


def test_a_few_aliases_are_fine(project):
    path = project.configs / "shots" / "alias.yaml"
    path.write_text("source: a.mov\nstyle: tiny\nsmoothing: {strength: &s 0.5, flow_scale: *s}\n")
    cfg = load_shot_config("alias")
    assert (cfg.smoothing.strength, cfg.smoothing.flow_scale) == (0.5, 0.5)


def test_a_recursive_alias_is_refused(project):
    path = project.configs / "styles" / "loop.yaml"
    path.write_text("model: &m\n  inner: *m\n")
    with pytest.raises(ConfigError) as err:
        load_style_config("loop")
    assert str(err.value) == f"{path}: the value anchored at line 1 holds an alias of itself"


@pytest.mark.parametrize("text, line", [
    ("source: a.mov\nstyle: tiny\nfirst_frame: 1001\nfirst_frame: 1\n",
     "key 'first_frame' is written twice (lines 3 and 4): keep one"),
    ("source: a.mov\nstyle: tiny\nsmoothing: {strength: 0.5, strength: 0.6}\n",
     "key 'strength' is written twice (lines 3 and 3): keep one"),
])
def test_a_key_written_twice_is_refused(project, text, line):
    path = project.configs / "shots" / "twice.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_shot_config("twice")
    assert str(err.value) == f"{path}: {line}"


@pytest.mark.parametrize("setting, line", [
    ("lr: -1", "key 'train.lr': expected a number from 1e-08 to 1, got -1.0"),
    ("lr: .nan", "key 'train.lr': expected a number from 1e-08 to 1, got nan"),
    ("lr: .inf", "key 'train.lr': expected a number from 1e-08 to 1, got inf"),
    ("lr_schedule: warm", "key 'train.lr_schedule': expected one of 'constant', 'cosine', "
                          "got 'warm'"),
    ("minutes: -5", "key 'train.minutes': expected a number from 0 to 100000, got -5.0"),
    ("l1_weight: -1", "key 'train.l1_weight': expected a number from 0 to 10000, got -1.0"),
    ("save_every_s: .nan", "key 'train.save_every_s': expected seconds in [0, 86400], got nan"),
    ("seed: -1", "key 'train.seed': expected an integer from 0 to 4294967295, got -1"),
    ("steps: 0", "key 'train.steps': expected an integer from 1 to 10000000, got 0"),
    ("steps: -1", "key 'train.steps': expected an integer from 1 to 10000000, got -1"),
    ("steps: 1e12", "key 'train.steps': expected an integer, got '1e12'"),
    ("steps: 1.0e+12", "key 'train.steps': expected an integer, got 1000000000000.0"),
    ("batch_size: 10000000", "key 'train.batch_size': expected an integer from 1 to 4096, "
                             "got 10000000"),
    ("content_frames: 1000000", "key 'train.content_frames': expected an integer from 1 to "
                                "1000, got 1000000"),
])
def test_training_settings_out_of_bounds_name_the_file_key_and_bounds(project, tmp_path,
                                                                       setting, line):
    project.add_shot("s1", tmp_path / "s1.mov")
    (tmp_path / "k.png").write_bytes(b"")
    path = project.configs / "styles" / "t.yaml"
    path.write_text(f"checkpoint: t.pt\ntrain:\n  method: keyframes\n  shot: s1\n"
                    f"  keyframes: {{1001: {tmp_path / 'k.png'}}}\n  {setting}\n")
    with pytest.raises(ConfigError) as err:
        load_style_config("t")
    assert str(err.value) == f"{path}: {line}"


def test_a_style_to_train_from_a_shot_that_is_not_configured_is_refused(project, tmp_path):
    (tmp_path / "k.png").write_bytes(b"")
    train = {"method": "keyframes", "shot": "s9", "keyframes": {1001: str(tmp_path / "k.png")}}
    path = write_yaml(project.configs / "styles" / "t.yaml", {"checkpoint": "t.pt",
                                                              "train": train})
    project.add_shot("s1", tmp_path / "s1.mov")
    with pytest.raises(ConfigError) as err:
        load_style_config("t")
    assert str(err.value) == (f"{path}: key 'train.shot': no shot 's9' to train from "
                              f"(expected one of: s1)")
    (path.parent / "t.pt").write_bytes(b"trained")  # trained already: the shot may go
    assert load_style_config("t").train.shot == "s9"


EDIT = {"cut": "reel_a.edl", "clip": "take1.mov", "cut_in": 1009, "cut_out": 1020,
        "handles": [8, 8], "transition_out": 12}


def test_a_shot_s_edit_section_is_typed_and_enters_no_stage_key(project, tmp_path):
    """shots-from-edit's ``edit`` section: metadata a publisher reads, which no
    stage key holds (adding it redoes nothing)."""
    src = tmp_path / "m01.mov"
    src.write_bytes(b"movie")
    project.add_shot("m01", src)
    plan = ShotPlan.load("m01")
    keys = {name: plan.key(name) for name in ("probe", "plates", "styled", "encode", "report")}
    project.add_shot("m01", src, edit=EDIT)
    cfg = load_shot_config("m01")
    assert (cfg.edit.cut_in, cfg.edit.cut_out, cfg.edit.handles) == (1009, 1020, (8, 8))
    assert (cfg.edit.transition_in, cfg.edit.transition_out) == (0, 12)
    plan = ShotPlan.load("m01")
    assert {name: plan.key(name) for name in keys} == keys


@pytest.mark.parametrize("edit, needle", [
    ({**EDIT, "handles": [8]}, "key 'edit.handles': expected [an integer, an integer], got [8]"),
    ({**EDIT, "handles": 8}, "key 'edit.handles': expected [an integer, an integer], got 8"),
    ({**EDIT, "handles": [8, -1]}, "key 'edit.handles': expected an integer from 0 to 9999999, "
                                   "got -1"),
    ({**EDIT, "cut_out": 1000}, "key 'edit.cut_out': expected a frame not before cut_in (1009), "
                                "got 1000"),
    ({k: v for k, v in EDIT.items() if k != "clip"}, "key 'edit.clip': missing required key"),
    ({**EDIT, "reel": "A001"}, "key 'edit.reel': unknown key"),
])
def test_a_shot_s_edit_section_is_refused_in_one_line(project, edit, needle):
    path = write_yaml(project.configs / "shots" / "bad.yaml",
                      {"source": "x.mov", "style": "tiny", "edit": edit})
    with pytest.raises(ConfigError) as err:
        load_shot_config("bad")
    assert str(err.value).startswith(f"{path}: {needle}"), str(err.value)
