"""Encoders used by scripts/gen_pcaps.py to write sigprobe's own captures.

Written for this project from the specifications named in each module; nothing
here is copied from another code base.
"""
