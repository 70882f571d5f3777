"""`shipcall serve`: the HTTP API (FastAPI, the `server` extra), token auth and redaction.

Import `shipcall.server.app` only where the server is wanted: it imports FastAPI.
"""
