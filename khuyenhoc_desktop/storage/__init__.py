"""Storage: models, the database file, migrations. SQLite-only SQL stays in this package."""
