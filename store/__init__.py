"""Store: SQLite persistence and the data folder layout."""
