"""The synthetic population of a city at 1:1 (households in buildings): inputs
(``population.yaml``), generation and the on-disk cache."""
