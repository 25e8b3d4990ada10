"""The ways people reach the library: the command line and the web UI, both thin layers over the API."""
