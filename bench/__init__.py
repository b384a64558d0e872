"""Benchmarks: each measures Navarch and a floor doing the same work in the same run."""
