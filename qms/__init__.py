"""qms: a quality-management system kept as code for service organisations."""

__version__ = "0.1.0"
