"""A shot's dependency graph, as plain data: no Luigi, no files written.

* ``table``: the stage table, every stage declared once (name, task, aliases,
  chunked, the stages it reads, the settings its key depends on).
* ``chunks``: ``Chunk`` (a range of frames and its one label, ``1001-1048``)
  and ``layout``, the one function that splits a shot's frames into chunks.
* ``nodes``: ``Node`` (a stage, or one chunk of a chunked stage) and
  ``ShotGraph``: a shot's nodes, what each one reads (``inputs``), what reads
  it (``readers``) and everything downstream of it (``downstream``).

Luigi's ``requires`` and dynamic dependencies (``tasks/shot.py``), the
done-checks (``pipeline.workarea.done``), the OpenJD steps
(``pipeline.openjd``), ``rerun`` and ``status`` all read a ``ShotGraph``;
nothing else walks the dependencies.
"""
