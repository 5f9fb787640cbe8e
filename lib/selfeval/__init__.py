"""selfeval: a notebook-based self-evaluation workspace for children's services."""

__version__ = "0.1.0"
