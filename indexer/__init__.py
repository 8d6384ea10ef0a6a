"""Sources of code to index and the ingest pipeline that fingerprints them into a store."""
