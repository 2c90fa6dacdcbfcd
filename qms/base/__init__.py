"""Shared owners below every layer: errors, issues, git, YAML, files, spreadsheets."""
