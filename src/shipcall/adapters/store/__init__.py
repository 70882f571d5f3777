"""Storage: the only place that writes SQL (SQLite by default, Postgres by URL)."""
