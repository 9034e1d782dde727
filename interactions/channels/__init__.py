"""One module per provider; `registry` maps a provider key to its adapter."""
