"""Ranking: weights (a frozen value), features (pure), the score (pure), and the Retriever."""
