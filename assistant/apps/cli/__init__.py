"""The ``review-assistant`` command."""
