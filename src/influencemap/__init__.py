"""influencemap: sourced maps of China's political and economic influence across Eurasia."""

__version__ = "0.1.0"
