"""shotstyle library: config, media I/O, frames, stylising and smoothing.

Plain functions and small classes, usable without Luigi; ``tasks/`` wires them
into a Luigi graph.
"""
__version__ = "0.1.0"
