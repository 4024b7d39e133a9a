"""Places: the gazetteer, the curated names, countries, and the resolver's data."""
