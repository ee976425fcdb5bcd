"""Items (cards) and their slots."""
