"""Measuring the drafter on labelled plans, so an operator can see how far to trust a backend."""
