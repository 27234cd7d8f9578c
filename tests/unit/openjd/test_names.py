"""pipeline.openjd.names: step and job names within Open Job Description's
limits whatever the shot and style names (up to 128 characters): shortened the
same way every time, two names that share a beginning still apart, the whole
name in the step's description."""
from __future__ import annotations

from helpers import long_name
from pipeline.config import SHOT_NAME_MAX
from pipeline.graph.chunks import Chunk
from pipeline.graph.nodes import Node
from pipeline.graph.table import STAGES, STYLED
from pipeline.openjd.names import (HASH_DIGITS, JOB_NAME_MAX, LABEL_MAX, STEP_NAME_MAX, job_name,
                                   label, shortened, shot_step_name, step_description,
                                   train_step_name)


def test_a_name_within_the_limit_is_kept_whole():
    assert shortened("s01", 10) == "s01"
    assert shortened("x" * 10, 10) == "x" * 10
    assert label(long_name(LABEL_MAX)) == long_name(LABEL_MAX)


def test_a_longer_name_keeps_its_beginning_and_a_hash_of_the_whole_name():
    name = long_name(60)
    short = shortened(name, 39)
    assert len(short) == 39 and short.startswith(name[:30]) and short[30] == "~"
    assert len(short[31:]) == HASH_DIGITS and int(short[31:], 16) >= 0
    assert shortened(name, 39) == short  # the same every time
    twin = name[:-1] + "z"  # the same beginning
    assert shortened(twin, 39) != short


def test_every_step_name_of_the_longest_shot_and_style_fits():
    shot = long_name(SHOT_NAME_MAX)
    widest = Chunk(9_999_999, 10_000_046)  # 8-digit frames
    for st in STAGES:
        node = Node(st.name, widest if st.chunked else None)
        assert len(shot_step_name(shot, node)) <= STEP_NAME_MAX, st.name
    assert len(train_step_name(long_name(SHOT_NAME_MAX))) <= STEP_NAME_MAX
    assert shot_step_name("s01", Node(STYLED, Chunk(1001, 1048))) == "s01 styled 1001-1048"
    assert train_step_name("ink") == "style ink train"


def test_the_description_names_the_whole_shot_only_where_the_step_name_does_not():
    assert step_description("shot", "s01", "styled") is None
    name = long_name(60)
    assert step_description("shot", name, "final 1001-1004") == f"shot {name}: final 1001-1004"


def test_the_job_name_fits_however_many_and_long_the_shots():
    assert job_name(["s01", "s02"]) == "shotstyle s01 s02"
    for shots in ([long_name(SHOT_NAME_MAX)], [f"s{i:03d}" for i in range(100)]):
        name = job_name(shots)
        assert len(name) == JOB_NAME_MAX and name.startswith("shotstyle ")
        assert name == job_name(list(shots))
