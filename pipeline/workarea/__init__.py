"""A shot's work area: plan and keys, manifests, done-checks, failures, status, rerun."""
