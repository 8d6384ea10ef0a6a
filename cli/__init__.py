"""The `attrib` command line."""
