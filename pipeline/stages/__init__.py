"""The stage table (``table.py``) and one module per stage: ``<stage>.py`` with its ``run``."""
