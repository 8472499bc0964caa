"""Kilowatt performance benchmarks (not part of the installed package)."""
