"""Measurement of service quality: KPI attainment, SQI, SERVQUAL, the five gaps."""
