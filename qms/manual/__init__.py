"""The manual: derived data, pages, views, templates, the one Sphinx module, serve."""
