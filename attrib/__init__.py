"""attrib: where did this code come from, and under what license?"""
__version__ = "0.1.0"
