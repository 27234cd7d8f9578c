"""pipeline.workarea.versions: which version a render delivers into, and what changed
since the version before, on render folders written by hand."""
from __future__ import annotations

from pipeline.graph.table import ENCODE, REPORT
from pipeline.workarea.done import stage_done
from pipeline.workarea.versions import key_changes, stage_keys, version_number


def test_version_folder_names():
    assert [version_number(n) for n in ("v001", "v042", "v999", "v1000")] == [1, 42, 999, 1000]
    for other in ("v000", "v000_unversioned", "v01", "v001a", "V001", "s01_v001.mov", ".latest"):
        assert version_number(other) is None, other


def test_key_changes_name_the_stages_whose_key_differs_in_the_tables_order():
    now = {"probe": "p", "styled": "s2", "final": "f2", "report": "r"}
    assert key_changes({"probe": "p", "styled": "s1", "final": "f1", "report": "r"}, now) == [
        {"stage": "styled", "was": "s1", "now": "s2"},
        {"stage": "final", "was": "f1", "now": "f2"}]
    assert key_changes(dict(now), now) == []  # a re-render: nothing changed
    assert key_changes(None, {"probe": "p"}) == [{"stage": "probe", "was": None, "now": "p"}]


def test_the_first_render_delivers_into_v001(work):
    assert work.plan.versions.all() == [] and work.plan.versions.target() == 1
    assert work.plan.versions.about(1)["changes"] is None  # a first version
    assert work.plan.versions.about(1)["previous_version"] is None


def test_nothing_changed_delivers_into_the_published_version_and_a_change_into_the_next(work):
    work.all_done()
    versions = work.plan.versions
    [v1] = versions.all()
    assert (v1.name, v1.published, v1.keys) == ("v001", True, stage_keys(work.plan.keys))
    assert versions.target() == 1 and stage_done(work.plan, REPORT).is_current()
    # a stage that runs anyway (a rerun) writes the next version, never v001
    assert versions.number_to_write() == 2

    work.configure(smoothing={"strength": 0.5})
    versions = work.plan.versions
    assert versions.target() == 2 == versions.number_to_write()
    assert stage_done(work.plan, ENCODE).why_not_current() == "stale (settings or inputs changed)"
    about = versions.about(2)
    assert (about["version"], about["version_name"], about["previous_version"],
            about["previous_version_name"]) == (2, "v002", 1, "v001")
    assert [c["stage"] for c in about["changes"]] == ["final", "encode", "metrics", "report"]
    assert all(c["was"] == v1.keys[c["stage"]] and c["now"] == about["keys"][c["stage"]]
               for c in about["changes"])


def test_an_unpublished_newest_folder_is_resumed_whatever_the_keys(work):
    work.all_done()
    stopped = work.plan.paths.version(2).folder
    stopped.mkdir()
    versions = work.plan.versions
    assert [v.published for v in versions.all()] == [True, False]
    assert versions.target() == 2 == versions.number_to_write()
    assert versions.about(2)["changes"] == []  # nothing changed since v001
    # the deliverables of v001 are no longer where the render delivers
    assert not stage_done(work.plan, ENCODE).is_current()


def test_the_next_number_is_above_every_vnnn_entry(work):
    work.all_done()
    (work.plan.paths.render_dir / "v007").write_text("not a folder, but the name is taken")
    work.configure(smoothing={"strength": 0.5})
    assert work.plan.versions.target() == 8
    assert [v.number for v in work.plan.versions.all()] == [1]


def test_an_unreadable_publish_record_is_published_and_compares_as_changed(work):
    work.all_done()
    work.plan.paths.version(1).publish_json.write_text("{ edited by hand")
    [v1] = work.plan.versions.all()
    assert v1.published and v1.record is None and v1.keys is None
    assert work.plan.versions.target() == 2
    assert work.plan.versions.about(2)["previous_version"] == 1
