"""Explanations of failing pulls, from the recorded facts, with fixes."""
