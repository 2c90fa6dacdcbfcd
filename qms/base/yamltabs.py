"""A round-trip scanner that reads tabs where YAML allows them, as qms's reader (libyaml) does.

ruamel's scanner refuses every tab between tokens and inside plain scalars ("Do not use tabs in
YAML!"), although YAML allows a tab as white space there: `title: a<TAB>b` passes `qms check`
and would then stop every command that edits the file. Tabs used as indentation are still
refused, by both readers.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.scanner import RoundTripScanner

_BREAKS = "\r\n\x85\u2028\u2029"


class TabTolerantScanner(RoundTripScanner):  # type: ignore[misc]
    """RoundTripScanner with libyaml's rules for tabs as separating white space."""

    def scan_to_next_token(self) -> Any:
        """Skip tabs where no key can start (after `key:`), as libyaml does; then scan on."""
        if not self.allow_simple_key:
            while self.reader.peek() in " \t":
                self.reader.forward()
        return super().scan_to_next_token()

    def scan_plain_spaces(self, indent: Any, start_mark: Any) -> Any:
        """The white space inside a plain scalar (ruamel's own, with tabs beside spaces)."""
        peek, forward = self.reader.peek, self.reader.forward
        chunks = []
        length = 0
        while peek(length) in " \t":
            length += 1
        whitespaces = self.reader.prefix(length)
        forward(length)
        if peek() in _BREAKS:
            line_break = self.scan_line_break()
            self.allow_simple_key = True
            if self._document_marker():
                return None
            breaks = []
            while True:
                # A tab left of the scalar's indentation would be indentation: refused, as
                # libyaml refuses it.
                if peek() == " " or (peek() == "\t" and self.reader.column >= indent):
                    forward()
                elif peek() in _BREAKS:
                    breaks.append(self.scan_line_break())
                    if self._document_marker():
                        return None
                else:
                    break
            if line_break != "\n":
                chunks.append(line_break)
            elif not breaks:
                chunks.append(" ")
            chunks.extend(breaks)
        elif whitespaces:
            chunks.append(whitespaces)
        return chunks

    def _document_marker(self) -> bool:
        return self.reader.prefix(3) in ("---", "...") and (
            self.reader.peek(3) in "\0 \t\r\n\x85\u2028\u2029")
