"""One module per stage, ``<stage>.py``, whose ``run(ctx)`` does the stage's work
(``ctx``: a ``common.StageRun``); ``registry.RUN`` names each of them (imported
when a stage runs: scheduling loads none of them). The stage table itself is
``pipeline.graph.table``."""
