"""Publishing: what an anonymous reader may see (visibility), scheduling, embargo, availability."""
