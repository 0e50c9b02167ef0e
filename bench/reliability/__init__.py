"""The reliability bench's parts and what they share (bench/bench_reliability.py runs them and reports)."""
