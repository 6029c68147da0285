"""Where the data lives: SQLite and PostgreSQL set-up, SQL both speak, backup and restore."""
