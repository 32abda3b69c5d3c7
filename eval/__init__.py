"""Evaluation of the assistant on question sets written the way its users ask."""
