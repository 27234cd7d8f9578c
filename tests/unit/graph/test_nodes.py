"""pipeline.graph.nodes: a shot's nodes and every input of each, in one hop, for
a shot smoothed with the flow and one without."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from pipeline.errors import NotReadyError
from pipeline.graph.chunks import Chunk, layout
from pipeline.graph.nodes import Node, ShotGraph

C1, C2, C3 = layout(1001, 1010, 4)


def shot(method: str = "adaptive", decoded: bool = True) -> SimpleNamespace:
    """What the graph reads of a ShotPlan."""
    def chunks():
        if not decoded:
            raise NotReadyError("g01: plates are not decoded yet")
        return layout(1001, 1010, 4)
    return SimpleNamespace(
        shot="g01", cfg=SimpleNamespace(first_frame=1001), frames=SimpleNamespace(chunks=chunks),
        settings=SimpleNamespace(smoothing_uses_flow=method != "none", chunk_size=4))


def names(nodes) -> list[str]:
    return [n.name for n in nodes]


def test_nodes_are_whole_stages_and_chunks_in_table_order():
    graph = ShotGraph(shot())
    assert names(graph.nodes()) == [
        "probe", "plates",
        "flow 1001-1004", "flow 1005-1008", "flow 1009-1010",
        "styled 1001-1004", "styled 1005-1008", "styled 1009-1010",
        "final 1001-1004", "final 1005-1008", "final 1009-1010",
        "encode", "metrics", "report"]
    assert Node("styled", C2).log_name == "styled.1005-1008"
    assert Node("encode").log_name == Node("encode").name == "encode"


def test_inputs_with_flow_smoothing():
    graph = ShotGraph(shot())
    assert graph.inputs(Node("probe")) == []
    assert names(graph.inputs(Node("plates"))) == ["probe"]
    assert names(graph.inputs(Node("flow", C2))) == ["plates"]
    assert names(graph.inputs(Node("styled", C1))) == ["plates"]
    # smoothing reads the same chunk of styled and flow, and continues the chunk before
    assert names(graph.inputs(Node("final", C1))) == ["styled 1001-1004", "flow 1001-1004"]
    assert names(graph.inputs(Node("final", C2))) == [
        "styled 1005-1008", "flow 1005-1008", "final 1001-1004"]
    assert names(graph.inputs(Node("encode"))) == [
        "final 1001-1004", "final 1005-1008", "final 1009-1010"]
    assert names(graph.inputs(Node("metrics"))) == [
        "final 1001-1004", "final 1005-1008", "final 1009-1010",
        "flow 1001-1004", "flow 1005-1008", "flow 1009-1010"]
    assert names(graph.inputs(Node("report"))) == ["encode", "metrics"]


def test_inputs_without_flow_smoothing():
    graph = ShotGraph(shot("none"))
    assert names(graph.inputs(Node("final", C2))) == ["styled 1005-1008"]
    assert names(graph.inputs(Node("metrics")))[-1] == "flow 1009-1010"  # still scored


def test_before_the_plates_are_decoded_whole_stages_wait_for_them():
    for graph in (ShotGraph(shot(decoded=False)), ShotGraph(shot(), chunks=None)):
        assert graph.chunks is None
        assert names(graph.inputs(Node("encode"))) == ["plates"]
        assert names(graph.inputs(Node("metrics"))) == ["plates"]
        # a chunk's inputs need no layout: the chunk before it comes from the first frame
        assert names(graph.inputs(Node("final", C3))) == [
            "styled 1009-1010", "flow 1009-1010", "final 1005-1008"]
        with pytest.raises(NotReadyError):
            graph.nodes()


def test_a_config_that_does_not_load_reads_what_every_config_reads():
    graph = ShotGraph(None, chunks=None)
    assert names(graph.inputs(Node("final", C2))) == ["styled 1005-1008"]


def test_chunks_given_from_elsewhere():
    graph = ShotGraph(shot(decoded=False), chunks=layout(1001, 1005, 4))
    assert names(graph.stage_nodes("styled")) == ["styled 1001-1004", "styled 1005-1005"]


def test_readers_are_the_inputs_the_other_way_round():
    for method in ("adaptive", "none"):
        graph = ShotGraph(shot(method))
        nodes = graph.nodes()
        for node in nodes:
            if node.chunk is not None:  # chunk nodes: exactly the inverse of inputs
                assert graph.readers(node) == [m for m in nodes if node in graph.inputs(m)]


def test_readers_of_a_whole_stage_are_whole_stages():
    graph = ShotGraph(shot())
    assert graph.readers(Node("plates")) == [Node("flow"), Node("styled")]
    assert graph.readers(Node("flow")) == [Node("final"), Node("metrics")]
    assert ShotGraph(shot("none")).readers(Node("flow")) == [Node("metrics")]


def test_downstream_with_and_without_flow_smoothing():
    graph = ShotGraph(shot())
    assert names(graph.downstream(Node("styled", C2))) == [
        "final 1005-1008", "final 1009-1010", "encode", "metrics", "report"]
    assert names(graph.downstream(Node("flow", C1))) == [
        "final 1001-1004", "final 1005-1008", "final 1009-1010", "encode", "metrics", "report"]
    assert names(graph.downstream(Node("plates"))) == [
        "flow", "styled", "final", "encode", "metrics", "report"]
    plain = ShotGraph(shot("none"))
    assert names(plain.downstream(Node("styled", C2))) == [
        "final 1005-1008", "encode", "metrics", "report"]
    assert names(plain.downstream(Node("flow", C2))) == ["metrics", "report"]
    assert plain.downstream(Node("report")) == []


def test_nodes_are_values():
    assert Node("styled", Chunk(1001, 1004)) == Node("styled", C1)
    assert len({Node("styled", C1), Node("styled", Chunk(1001, 1004))}) == 1
