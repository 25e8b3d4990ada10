"""Answering questions about the requirements (and a plan), grounded in verified quotes."""
