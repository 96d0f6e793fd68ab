"""Branding: the partnership's name, logo, colour and footer, and their checks."""
