"""Benchmarks: python -m bench SUITE."""
