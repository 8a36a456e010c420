"""xencenter-py: a desktop console for XenServer / XCP-ng pools, with a built-in simulator."""

__version__ = "0.1.0"
PRODUCT_NAME = "xencenter-py"
