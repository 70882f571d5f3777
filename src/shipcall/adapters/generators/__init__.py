"""Generators: turn a question and retrieved chunks into an Answer (or an abstention)."""
