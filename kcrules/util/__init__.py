"""Small helpers every layer may use: lazy public names, JSON paths, folding and suggesting words."""
