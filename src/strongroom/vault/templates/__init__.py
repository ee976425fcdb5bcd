"""Item templates: the built-in ones (seeded by migration) and each user's own."""
