"""Storage: typed SQLAlchemy 2 models, engine and sessions, queries by topic, migrations."""
