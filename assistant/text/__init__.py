"""Japanese text rules: normalisation, surface cues, injected instructions and quote verification."""
