"""Demonstration content: the reviews, themes and policy page of a real partnership's page.

The facts live in content.toml; loader.py creates whatever is missing (see
`learning.demo_content.loader.load_demo_content` and the `load_demo_content` command);
pdf.py makes the placeholder PDFs that stand in for the reports.
"""
