"""The repository format: models, reading with line marks, validation, the loaded project."""
