"""Running the site: health, logging, backups, the local database server."""
