"""Layer and department definitions, and the registry that loads them."""
