"""Writes of the training record (facts, credits, assignments) and the batch
work that keeps its aggregates current."""
