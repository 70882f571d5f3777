"""Retrievers: given a question, the top-k chunks with scores."""
