"""Task types: the seam between a feature (rag, classify, summarize) and the evaluation loop."""
