"""socialpost: a command-line social media scheduler."""

__version__ = "0.1.0"
