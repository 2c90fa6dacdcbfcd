"""Sphinx configuration of the manual, written by `qms build`; do not edit."""

project = 'Small Service Manual'
author = 'Small Service Co.'
copyright = 'Small Service Co.'
language = 'en'
extensions = ['qms.manual.sphinx_build']
root_doc = 'index'
html_theme = 'furo'
html_title = 'Small Service Manual'
html_static_path = ['_static']
html_css_files = ['qms.css']
html_copy_source = False
html_show_sourcelink = False
html_show_sphinx = False
html_use_index = False
html_domain_indices = False
html_last_updated_fmt = None
html_show_search_summary = False
html_permalinks = True
smartquotes = False
exclude_patterns = ['_items']
suppress_warnings = ['toc.not_included']
html_theme_options = {'top_of_page_buttons': []}
