"""Regression case generators and their checks against the golden and cycle models."""
