"""Configuration: pydantic models (schema.py, pure) and YAML loading (load.py)."""
