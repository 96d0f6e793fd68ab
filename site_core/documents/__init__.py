"""Documents: the download view behind the public rule, storage, upload checks."""
