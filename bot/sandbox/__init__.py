"""`python -m bot sandbox`: the real bot against fakegram, with a two-pane page in the browser."""
