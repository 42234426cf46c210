"""The `strands` command line: thin click commands that call the library and render with rich."""
