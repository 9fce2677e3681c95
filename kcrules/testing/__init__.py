"""Testing helpers for rulebooks."""
