"""Audits and CAPA: sessions, answers, workbooks, the CAPA lifecycle, due dates."""
