"""App developers serve themselves at /developers/: the data's URLs and snippets, keys, their use."""
