"""Reading and validating participant files."""
