"""Answer engine: condense the question, retrieve, abstain or generate, then verify citations."""
