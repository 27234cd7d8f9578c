"""Temporal consistency on frames: optical flow, scene cuts, the smoother, the metrics."""
