"""Banners and marketing images from templates.

template.py (the template format), sizes.py (canvas sizes), copy.py (the copy table), library.py (the
installed templates) are light: pydantic and the standard library, safe for the web process.
"""
