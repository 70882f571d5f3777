"""Adapters: move bytes between the core and the world (store, files, models, providers)."""
