"""Ingest: files, directories, stdin and RSS/Atom feeds in; ninjs records out to ``news.raw``."""
