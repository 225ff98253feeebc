"""Evaluate: gold question files, pure metrics, a runner over any assistant, and reports."""
