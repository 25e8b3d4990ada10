"""Reviewed checklists and batch overviews in the forms their readers use: Excel, CSV, Markdown, HTML."""
