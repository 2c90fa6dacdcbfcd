"""The `qms` command: thin Click commands that adapt options to one library call."""
