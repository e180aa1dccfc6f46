"""Synthetic hands and motion paths for tests and benchmarks of J and Z."""
