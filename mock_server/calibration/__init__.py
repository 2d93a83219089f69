"""Calibrate the mock against a real SIGN8 system: a recording proxy, a webhook relay and a drift report."""
