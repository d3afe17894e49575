"""Static data shipped with the product (presets, later templates and fonts). No code."""
