"""The product's vocabulary: data shapes, errors, the rubric and the Japanese labels shown to users."""
