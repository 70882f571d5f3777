"""The domain core: pure values and functions. No files, SQL, network, clock or environment."""
