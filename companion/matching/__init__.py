"""Matching: embeddings-driven suggestions under hard constraints, whole-pool assignment."""
