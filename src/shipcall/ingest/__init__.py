"""Ingestion: read files into Documents (loaders.py) and split them into Chunks (chunkers.py)."""
