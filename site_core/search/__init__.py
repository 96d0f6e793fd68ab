"""Search: the site's search backend, the page vectors it keeps, and full-text matching."""
