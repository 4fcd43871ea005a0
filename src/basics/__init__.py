"""Basics: the reliability basics of a growing engineering team, measured."""

__version__ = "0.1.0"
