"""Navigation: the menu, the sitemap and robots.txt."""
