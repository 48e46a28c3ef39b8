"""Policy comparisons with common random numbers: arms, paired statistics, forest plot."""
