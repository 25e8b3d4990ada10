"""Drafting a checklist assessment of one plan: evidence, offline rules, the LLM drafter."""
