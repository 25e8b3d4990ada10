"""Batch pre-screening: many plans in, one draft checklist per plan and overview sheets out."""
