"""Tab pages shown for the selection (General, Search; later issues add more)."""
