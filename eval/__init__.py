"""Evaluation: the question set, the runner and the scorer (see eval/README.md)."""
