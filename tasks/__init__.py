"""Luigi tasks for shotstyle: `luigi --module tasks RenderShot --shot s01`.

Thin wiring around ``pipeline``. Importing the package defines (and so
registers with Luigi) every task: one per stage of the stage table
(``tasks/shot.py``), and the entry points below.
"""
from tasks.batch import NightlyBatch  # noqa: F401
from tasks.shot import RenderShot  # noqa: F401
from tasks.style import TrainStyle  # noqa: F401
